#include <doctest/doctest.h>

#include "swap_request.hpp"

using nlohmann::json;
using vt132::server::kMaxSwapEntries;
using vt132::server::swap_request;

TEST_SUITE("server_swap_request") {
  TEST_CASE("a renew's swap of manifest and signature gives both renames in order") {
    const auto r = swap_request(json::parse(
        R"({"vt132_swap_assets":[{"asset_id":7,"name":"manifest.json"},{"asset_id":8,"name":"manifest.json.sig"}]})"));
    REQUIRE(r);
    REQUIRE(r->size() == 2);
    CHECK((*r)[0].asset_id == 7);
    CHECK((*r)[0].name == "manifest.json");
    CHECK((*r)[1].asset_id == 8);
    CHECK((*r)[1].name == "manifest.json.sig");
  }

  TEST_CASE("the swap must be the request's only field") {
    CHECK_FALSE(swap_request(json::parse(R"({"vt132_swap_assets":[{"asset_id":7,"name":"a"}],"draft":false})")));
  }

  TEST_CASE("an empty list, too many entries, or a wrongly typed entry is refused") {
    CHECK_FALSE(swap_request(json::parse(R"({"vt132_swap_assets":[]})")));
    json many = json::array();
    for (size_t i = 0; i <= kMaxSwapEntries; ++i) many.push_back({{"asset_id", i}, {"name", "a"}});
    CHECK_FALSE(swap_request(json{{"vt132_swap_assets", many}}));
    many.erase(many.end() - 1);
    CHECK(swap_request(json{{"vt132_swap_assets", many}}));
    CHECK_FALSE(swap_request(json::parse(R"({"vt132_swap_assets":[{"asset_id":-1,"name":"a"}]})")));
    CHECK_FALSE(swap_request(json::parse(R"({"vt132_swap_assets":[{"asset_id":1.5,"name":"a"}]})")));
    CHECK_FALSE(swap_request(json::parse(R"({"vt132_swap_assets":[{"asset_id":1,"name":2}]})")));
    CHECK_FALSE(swap_request(json::parse(R"({"vt132_swap_assets":[{"asset_id":1,"name":"a","x":0}]})")));
    CHECK_FALSE(swap_request(json::parse(R"({"vt132_swap_assets":{"asset_id":1,"name":"a"}})")));
  }
}
