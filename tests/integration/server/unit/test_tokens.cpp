#include <doctest/doctest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

#include "tokens.hpp"
#include "vt132/host/error.hpp"

using namespace vt132::server;
namespace fs = std::filesystem;

namespace {
fs::path temp_file() {
  std::random_device rd;
  return fs::temp_directory_path() / ("vt132-tokens-" + std::to_string(rd()) + std::to_string(::getpid()) + ".json");
}
}  // namespace

TEST_SUITE("server_tokens") {
  TEST_CASE("a created token authenticates, is stored only hashed, and stops working when revoked") {
    const fs::path file = temp_file();
    TokenStore store(file);
    const std::string token = store.create("ci");
    CHECK(token.rfind("vt132_", 0) == 0);
    CHECK(token.size() == 46);
    REQUIRE(store.authenticate(token));
    CHECK(store.authenticate(token)->name == "ci");
    CHECK_FALSE(store.authenticate(token + "x"));
    CHECK_FALSE(store.authenticate(token.substr(0, token.size() - 1)));
    CHECK_FALSE(store.authenticate(""));
    std::stringstream text;
    text << std::ifstream(file).rdbuf();
    CHECK(text.str().find(token) == std::string::npos);
    CHECK(text.str().find(token.substr(6)) == std::string::npos);
    CHECK((fs::status(file).permissions() & (fs::perms::group_all | fs::perms::others_all)) == fs::perms::none);
    CHECK_THROWS_AS(store.create("ci"), vt132::host::Error);
    CHECK_THROWS_AS(store.create("bad name"), vt132::host::Error);
    CHECK(store.revoke("ci"));
    CHECK_FALSE(store.authenticate(token));
    CHECK_FALSE(store.revoke("ci"));
    fs::remove(file);
  }

  TEST_CASE("a running server sees tokens created by another process") {
    const fs::path file = temp_file();
    TokenStore server(file);
    CHECK_FALSE(server.authenticate("vt132_0000"));
    const std::string token = TokenStore(file).create("laptop");
    REQUIRE(server.authenticate(token));
    CHECK(server.authenticate(token)->name == "laptop");
    fs::remove(file);
  }

  TEST_CASE("a token limited to repositories allows only those, case-insensitively; an unlimited one allows all") {
    const fs::path file = temp_file();
    TokenStore store(file);
    const std::string scoped = store.create("ci", {"vt132/firmware", "Lab/Tools"});
    const std::string everywhere = store.create("admin");
    const std::optional<TokenInfo> ci = TokenStore(file).authenticate(scoped);
    REQUIRE(ci);
    CHECK(ci->repos == std::vector<std::string>{"vt132/firmware", "Lab/Tools"});
    CHECK(ci->allows("vt132", "firmware"));
    CHECK(ci->allows("VT132", "Firmware"));
    CHECK(ci->allows("lab", "tools"));
    CHECK_FALSE(ci->allows("vt132", "other"));
    CHECK_FALSE(ci->allows("other", "firmware"));
    CHECK_FALSE(ci->allows("", ""));  // a request naming no repository
    const std::optional<TokenInfo> admin = store.authenticate(everywhere);
    REQUIRE(admin);
    CHECK(admin->repos.empty());
    CHECK(admin->allows("any", "repo"));
    CHECK(admin->allows("", ""));
    fs::remove(file);
  }

  TEST_CASE("a token scope that is not OWNER/NAME is refused when the token is made") {
    const fs::path file = temp_file();
    TokenStore store(file);
    CHECK_THROWS_AS(store.create("ci", {"firmware"}), vt132::host::Error);
    CHECK_THROWS_AS(store.create("ci", {"a/b/c"}), vt132::host::Error);
    CHECK_THROWS_AS(store.create("ci", {"../x"}), vt132::host::Error);
    CHECK_THROWS_AS(store.create("ci", std::vector<std::string>(101, "a/b")), vt132::host::Error);
    CHECK(store.list().empty());
    fs::remove(file);
  }

  TEST_CASE("an unreadable token file is an error that names the file, never an empty token list") {
    const fs::path file = temp_file();
    TokenStore store(file);
    const std::string token = store.create("ci");
    std::ofstream(file, std::ios::trunc) << "{\"tokens\": [";  // cut short, as by a full disk
    try {
      store.authenticate(token);
      FAIL("no error for a damaged token file");
    } catch (const TokenFileError& e) {
      CHECK(std::string(e.what()).find(file.string()) != std::string::npos);
    }
    fs::remove(file);
    fs::create_directory(file);  // unreadable as a file (EISDIR), also for root
    CHECK_THROWS_AS(TokenStore(file).authenticate(token), TokenFileError);
    fs::remove(file);
  }

  TEST_CASE("Authorization: Bearer and token schemes, anything else is no token") {
    CHECK(token_from_authorization("Bearer abc") == std::optional<std::string_view>("abc"));
    CHECK(token_from_authorization("token abc") == std::optional<std::string_view>("abc"));
    CHECK(token_from_authorization("bearer  abc ") == std::optional<std::string_view>("abc"));
    CHECK_FALSE(token_from_authorization("Basic YWJj"));
    CHECK_FALSE(token_from_authorization("Bearer"));
    CHECK_FALSE(token_from_authorization("Bearer "));
    CHECK_FALSE(token_from_authorization("abc"));
    CHECK_FALSE(token_from_authorization("Bearer " + std::string(300, 'a')));
  }
}
