#include <doctest/doctest.h>

#include "pagination.hpp"

using namespace vt132::server;

TEST_SUITE("server_pagination") {
  TEST_CASE("per_page defaults to 30, is capped at 100 and ignores garbage") {
    CHECK(parse_page("", "").per_page == 30);
    CHECK(parse_page("", "").page == 1);
    CHECK(parse_page("5", "3").per_page == 5);
    CHECK(parse_page("5", "3").page == 3);
    CHECK(parse_page("1000", "").per_page == 100);
    CHECK(parse_page("0", "0").per_page == 30);
    CHECK(parse_page("0", "0").page == 1);
    CHECK(parse_page("-1", "x").per_page == 30);
    CHECK(parse_page("99999999999", "99999999999").page == 1);
  }

  TEST_CASE("page slices of a list") {
    const Page p = parse_page("10", "2");
    CHECK(p.begin(25) == 10);
    CHECK(p.end(25) == 20);
    const Page last = parse_page("10", "3");
    CHECK(last.begin(25) == 20);
    CHECK(last.end(25) == 25);
    const Page beyond = parse_page("10", "9");
    CHECK(beyond.begin(25) == 25);
    CHECK(beyond.end(25) == 25);
    const Page huge = parse_page("100", "1000000");
    CHECK(huge.begin(5) == 5);
  }

  TEST_CASE("Link header names prev, next, last and first like GitHub") {
    const std::string url = "https://h/api/v3/repos/o/r/releases";
    CHECK(link_header(url, parse_page("30", "1"), 30).empty());
    CHECK(link_header(url, parse_page("10", "1"), 25) ==
          "<" + url + "?per_page=10&page=2>; rel=\"next\", <" + url + "?per_page=10&page=3>; rel=\"last\", <" + url +
              "?per_page=10&page=1>; rel=\"first\"");
    const std::string mid = link_header(url, parse_page("10", "2"), 25);
    CHECK(mid.find("page=1>; rel=\"prev\"") != std::string::npos);
    CHECK(mid.find("page=3>; rel=\"next\"") != std::string::npos);
    const std::string end = link_header(url, parse_page("10", "3"), 25);
    CHECK(end.find("rel=\"next\"") == std::string::npos);
    CHECK(end.find("page=2>; rel=\"prev\"") != std::string::npos);
  }
}
