// End to end: which release /releases/latest answers after create, edit and delete, through
// the real server (GitHub's make_latest rules; the table of cases is in
// unit/test_release_rules.cpp), and that the answer survives a restart.
#include <doctest/doctest.h>

#include <signal.h>

#include <string>

#include <nlohmann/json.hpp>

#include "e2e_helpers.hpp"
#include "server_process.hpp"

using json = nlohmann::json;
using namespace vt132::test;

namespace {

std::string latest_tag(const ServerProcess& s) {
  auto res = s.https()->Get(kApi + "/releases/latest");
  REQUIRE(res);
  REQUIRE(res->status == 200);
  return json::parse(res->body)["tag_name"].get<std::string>();
}

void edit(const ServerProcess& s, uint64_t id, const json& fields) {
  auto res = s.https()->Patch(kApi + "/releases/" + std::to_string(id), s.auth(), fields.dump(), "application/json");
  REQUIRE(res);
  REQUIRE(res->status == 200);
}

}  // namespace

TEST_SUITE("server_latest") {
  TEST_CASE("deleting the latest hands it to the newest remaining release, not to one marked latest long ago") {
    ServerProcess s;
    s.start();
    const uint64_t v09 = create_release(s, "V0.9.0", false);
    create_release(s, "V1.0.0", false);
    edit(s, v09, {{"make_latest", "true"}});
    CHECK(latest_tag(s) == "V0.9.0");  // an explicit mark wins over the newer V1.0.0

    const uint64_t v11 = create_release(s, "V1.1.0", false);
    CHECK(latest_tag(s) == "V1.1.0");  // a new publication is latest by default

    auto del = s.https()->Delete(kApi + "/releases/" + std::to_string(v11), s.auth());
    REQUIRE(del);
    REQUIRE(del->status == 204);
    CHECK(latest_tag(s) == "V1.0.0");

    // The stored form gives the same answer after a restart.
    REQUIRE(s.stop(SIGTERM) == 0);
    s.start();
    CHECK(latest_tag(s) == "V1.0.0");
  }
}
