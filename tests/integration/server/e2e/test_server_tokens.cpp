// Token scopes and an unreadable token file, as a client of the real server sees them.
#include <doctest/doctest.h>

#include <cstdio>
#include <filesystem>
#include <string>

#include <nlohmann/json.hpp>

#include "e2e_helpers.hpp"
#include "server_process.hpp"

using json = nlohmann::json;
using namespace vt132::test;
namespace fs = std::filesystem;

namespace {

// `vt132-ota-server token create NAME --repo R...` on the server's data directory, as an
// operator would run it beside the running server; returns the token.
std::string create_token(const ServerProcess& s, const std::string& name, const std::string& repos) {
  const std::string cmd = std::string(VT132_OTA_SERVER) + " --data " + s.data_dir().string() + " token create " +
                          name + " " + repos;
  FILE* p = ::popen(cmd.c_str(), "r");
  REQUIRE(p != nullptr);
  char buf[256] = {};
  const bool got = std::fgets(buf, sizeof buf, p) != nullptr;
  REQUIRE(::pclose(p) == 0);
  REQUIRE(got);
  std::string token(buf);
  while (!token.empty() && (token.back() == '\n' || token.back() == '\r')) token.pop_back();
  return token;
}

httplib::Result create_with(const ServerProcess& s, const std::string& repo_path, const std::string& token) {
  return s.https()->Post("/api/v3/repos/" + repo_path + "/releases", {{"Authorization", "Bearer " + token}},
                         json{{"tag_name", "V1.0.0"}}.dump(), "application/json");
}

}  // namespace

TEST_SUITE("server_tokens") {
  TEST_CASE("a token limited to a repository writes there and gets 403 naming its scope elsewhere") {
    ServerProcess s;
    s.start();
    const std::string ci = create_token(s, "ci", "--repo vt132/firmware");
    auto own = create_with(s, "vt132/firmware", ci);
    REQUIRE(own);
    CHECK(own->status == 201);
    auto other = create_with(s, "vt132/other", ci);
    REQUIRE(other);
    CHECK(other->status == 403);
    CHECK(body_json(other)["message"].get<std::string>().find("vt132/firmware") != std::string::npos);
    // Reads stay public with it, as without a token; drafts of other repositories stay hidden.
    auto draft = s.https()->Post("/api/v3/repos/lab/tools/releases", s.auth(),
                                 json{{"tag_name", "V0.1.0"}, {"draft", true}}.dump(), "application/json");
    REQUIRE(draft);
    REQUIRE(draft->status == 201);
    auto list = s.https()->Get("/api/v3/repos/lab/tools/releases", {{"Authorization", "Bearer " + ci}});
    REQUIRE(list);
    CHECK(list->status == 200);
    CHECK(body_json(list).empty());
    CHECK(body_json(s.https()->Get("/api/v3/repos/lab/tools/releases", s.auth())).size() == 1);
  }

  TEST_CASE("an unreadable token file is reported to the client with 503, and works again once repaired") {
    ServerProcess s;
    s.start();
    const fs::path tokens = s.data_dir() / "tokens.json";
    const fs::path saved = s.data_dir() / "tokens.json.saved";
    fs::rename(tokens, saved);
    fs::create_directory(tokens);  // unreadable as a file, for root too
    auto res = create_with(s, "vt132/firmware", s.token());
    REQUIRE(res);
    CHECK(res->status == 503);
    CHECK(body_json(res)["message"].get<std::string>().find("token file") != std::string::npos);
    CHECK(s.log().find("tokens.json") != std::string::npos);
    fs::remove(tokens);
    fs::rename(saved, tokens);
    res = create_with(s, "vt132/firmware", s.token());
    REQUIRE(res);
    CHECK(res->status == 201);
  }
}
