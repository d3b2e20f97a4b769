#include <doctest/doctest.h>

#include <stdexcept>

#include "header_lines.hpp"

using namespace vt132::server;

TEST_SUITE("server_header_lines") {
  TEST_CASE("fields after the first continue its value on lines of their own, as one header entry") {
    httplib::Response res;
    HeaderLines().add("ETag", "W/\"1\"").add("Vary", "Accept").add("X-RateLimit-Used", "0").set_in(res);
    REQUIRE(res.headers.size() == 1);
    CHECK(res.headers.begin()->first == "ETag");
    CHECK(res.headers.begin()->second == "W/\"1\"\r\nVary: Accept\r\nX-RateLimit-Used: 0");
  }

  TEST_CASE("nothing added sets nothing") {
    httplib::Response res;
    HeaderLines().set_in(res);
    CHECK(res.headers.empty());
  }

  TEST_CASE("a name or value that could not stand on its own line is refused") {
    HeaderLines lines;
    CHECK_THROWS_AS(lines.add("", "x"), std::invalid_argument);
    CHECK_THROWS_AS(lines.add("Bad Name", "x"), std::invalid_argument);
    CHECK_THROWS_AS(lines.add("Bad:Name", "x"), std::invalid_argument);
    CHECK_THROWS_AS(lines.add("Bad\r\nName", "x"), std::invalid_argument);
    CHECK_THROWS_AS(lines.add("Name", "a\r\nInjected: yes"), std::invalid_argument);
    CHECK_THROWS_AS(lines.add("Name", "a\nb"), std::invalid_argument);
    httplib::Response res;
    lines.set_in(res);
    CHECK(res.headers.empty());  // what was refused was not kept
  }
}
