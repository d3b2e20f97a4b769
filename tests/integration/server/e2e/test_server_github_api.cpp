// End to end over TLS: the GitHub calls clients make besides releases themselves, as the
// real server answers them: GraphQL release lists with cursors and refs, the API root,
// /user, /rate_limit, tags (kept after their release is deleted, deleted by ref), the
// html_url pages, body_html, updated_at/immutable and 404 for a repository never published to.
#include <doctest/doctest.h>

#include <signal.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "e2e_helpers.hpp"
#include "server_process.hpp"

using json = nlohmann::json;
using namespace vt132::test;

namespace {

const char* kListQuery =
    "query RepositoryReleaseList($endCursor:String$name:String!$owner:String!$perPage:Int!){repository(owner: "
    "$owner, name: $name){releases(first: $perPage, orderBy: {field: CREATED_AT, direction: DESC}, after: "
    "$endCursor){nodes{name,tagName,isDraft,isLatest,isPrerelease,createdAt,publishedAt},pageInfo{hasNextPage,"
    "endCursor}}}}";

json graphql(const ServerProcess& s, const std::string& query, const json& variables, bool with_token = true) {
  auto res = s.https()->Post("/api/graphql", with_token ? s.auth() : httplib::Headers{},
                             json{{"query", query}, {"variables", variables}}.dump(), "application/json");
  REQUIRE(res);
  REQUIRE(res->status == 200);
  return json::parse(res->body);
}

json list_page(const ServerProcess& s, int per_page, const json& cursor, bool with_token = true) {
  return graphql(s, kListQuery,
                 {{"owner", "vt132"}, {"name", "firmware"}, {"perPage", per_page}, {"endCursor", cursor}},
                 with_token);
}

}  // namespace

TEST_SUITE("server_github_api") {
  TEST_CASE("GraphQL releases (gh release list): newest first over several pages by cursor, drafts for tokens only") {
    ServerProcess s;
    s.start();
    for (int i = 1; i <= 5; ++i) create_release(s, "V1." + std::to_string(i) + ".0", false);
    create_release(s, "V2.0.0-draft", true);

    std::vector<std::string> seen;
    json cursor = nullptr;
    int pages = 0;
    while (true) {
      const json j = list_page(s, 2, cursor);
      REQUIRE_MESSAGE(!j.contains("errors"), j.dump());
      const json& conn = j["data"]["repository"]["releases"];
      for (const json& n : conn["nodes"]) seen.push_back(n["tagName"].get<std::string>());
      ++pages;
      if (!conn["pageInfo"]["hasNextPage"].get<bool>()) break;
      cursor = conn["pageInfo"]["endCursor"];
      REQUIRE(pages < 10);
    }
    CHECK(pages == 3);
    CHECK(seen == std::vector<std::string>{"V2.0.0-draft", "V1.5.0", "V1.4.0", "V1.3.0", "V1.2.0", "V1.1.0"});
    const json first = list_page(s, 30, nullptr)["data"]["repository"]["releases"]["nodes"];
    CHECK(first[0]["isDraft"] == true);
    CHECK(first[0]["publishedAt"].is_null());
    CHECK(first[1]["isLatest"] == true);
    CHECK(first[2]["isLatest"] == false);
    // Without a token, drafts are not listed.
    CHECK(list_page(s, 30, nullptr, false)["data"]["repository"]["releases"]["nodes"].size() == 5);
  }

  TEST_CASE("GraphQL bounds and errors: page size over 100, a bad cursor, an unknown field, a missing repository") {
    ServerProcess s;
    s.start();
    create_release(s, "V1.0.0", false);
    const json too_many = list_page(s, 101, nullptr);
    REQUIRE(too_many.contains("errors"));
    CHECK(too_many["errors"][0]["message"].get<std::string>().find("between 0 and 100") != std::string::npos);
    CHECK(list_page(s, 100, nullptr)["data"]["repository"]["releases"]["nodes"].size() == 1);
    const json bad_cursor = list_page(s, 2, "not-a-cursor");
    CHECK(bad_cursor["errors"][0]["message"].get<std::string>().find("valid cursor") != std::string::npos);
    const json unknown = graphql(s, "{ repository(owner: \"vt132\", name: \"firmware\") { stargazerCount } }", nullptr);
    const std::string message = unknown["errors"][0]["message"].get<std::string>();
    CHECK(message.find("'stargazerCount' doesn't exist on type 'Repository'") != std::string::npos);
    CHECK(message.find("This server answers") != std::string::npos);  // names what is supported
    CHECK_FALSE(unknown.contains("data"));
    const json missing = graphql(s, "{ repository(owner: \"vt132\", name: \"nothing\") { id } }", nullptr);
    CHECK(missing["data"]["repository"].is_null());
    CHECK(missing["errors"][0]["type"] == "NOT_FOUND");
    // Aliases cannot multiply large release notes without bound: the answer is capped at 8 MiB.
    auto big = s.https()->Post(kApi + "/releases", s.auth(),
                               json{{"tag_name", "V2.0.0"}, {"body", std::string(120000, 'n')}}.dump(), "application/json");
    REQUIRE(big);
    REQUIRE(big->status == 201);
    std::string aliases;
    for (int i = 0; i < 80; ++i) aliases += " d" + std::to_string(i) + ": description";
    const json huge =
        graphql(s, "{ repository(owner: \"vt132\", name: \"firmware\") { release(tagName: \"V2.0.0\") {" + aliases + " } } }",
                nullptr);
    REQUIRE(huge.contains("errors"));
    CHECK(huge["errors"][0]["message"].get<std::string>().find("larger than 8 MiB") != std::string::npos);
    const json parse = graphql(s, "{ repository(owner: 1 }", nullptr);
    CHECK(parse["errors"][0]["message"].get<std::string>().find("Parse error") != std::string::npos);
  }

  TEST_CASE("GraphQL ref (gh release create --verify-tag): a published tag has an id, a draft's or unknown tag is null") {
    ServerProcess s;
    s.start();
    create_release(s, "V1.0.0", false);
    create_release(s, "V2.0.0", true);
    const std::string q =
        "query RepositoryFindRef($name:String!$owner:String!$tagName:String!){repository(owner: $owner, name: "
        "$name){ref(qualifiedName: $tagName){id}}}";
    auto ref = [&](const std::string& name) {
      return graphql(s, q, {{"owner", "vt132"}, {"name", "firmware"}, {"tagName", name}})["data"]["repository"]["ref"];
    };
    CHECK(ref("refs/tags/V1.0.0")["id"].is_string());
    CHECK(ref("refs/tags/V2.0.0").is_null());
    CHECK(ref("refs/tags/V9").is_null());
    CHECK(ref("refs/heads/main").is_null());
  }

  TEST_CASE("GET /api/v3/ (gh auth status), /user and /rate_limit: token name as login, 401 without or with a bad token") {
    ServerProcess s;
    s.start();
    auto cli = s.https();
    auto root = cli->Get("/api/v3/", s.auth());
    REQUIRE(root);
    CHECK(root->status == 200);
    CHECK(root->get_header_value("X-OAuth-Scopes") == "repo, read:org");
    CHECK(json::parse(root->body)["current_user_url"].get<std::string>().find("/api/v3/user") != std::string::npos);
    auto bad = cli->Get("/api/v3/", {{"Authorization", "token nope"}});
    REQUIRE(bad);
    CHECK(bad->status == 401);
    CHECK(json::parse(bad->body)["message"] == "Bad credentials");

    auto user = cli->Get("/api/v3/user", s.auth());
    REQUIRE(user);
    REQUIRE(user->status == 200);
    const json u = json::parse(user->body);
    CHECK(u["login"] == "e2e");
    for (const char* key : {"id", "node_id", "avatar_url", "gravatar_id", "url", "html_url", "followers_url",
                            "following_url", "gists_url", "starred_url", "subscriptions_url", "organizations_url",
                            "repos_url", "events_url", "received_events_url", "type", "site_admin", "created_at",
                            "public_repos", "followers"}) {
      CHECK_MESSAGE(u.contains(key), key);
    }
    CHECK(u["type"] == "User");
    auto anonymous = cli->Get("/user");
    REQUIRE(anonymous);
    CHECK(anonymous->status == 401);
    CHECK(json::parse(anonymous->body)["message"] == "Requires authentication");

    auto rate = cli->Get("/api/v3/rate_limit");
    REQUIRE(rate);
    REQUIRE(rate->status == 200);
    const json r = json::parse(rate->body);
    for (const char* res : {"core", "search", "graphql"}) {
      CHECK(r["resources"][res]["limit"] == std::stoi(rate->get_header_value("X-RateLimit-Limit")));
      CHECK(r["resources"][res]["remaining"].is_number());
    }
    CHECK(r["rate"]["limit"] == 5000);

    const json viewer = graphql(s, "{ viewer { login } }", nullptr);
    CHECK(viewer["data"]["viewer"]["login"] == "e2e");
  }

  TEST_CASE("tags: listed while a release has them, kept when it is deleted (and after a restart), deleted by ref") {
    ServerProcess s;
    s.start();
    auto cli = s.https();
    const uint64_t v1 = create_release(s, "V1.0.0", false);
    create_release(s, "V2.0.0", false);
    const uint64_t draft = create_release(s, "V3.0.0", true);
    auto tags = [&] {
      auto res = cli->Get(kApi + "/tags");
      REQUIRE(res);
      REQUIRE(res->status == 200);
      std::vector<std::string> out;
      for (const json& t : json::parse(res->body)) {
        CHECK(t["commit"]["sha"].get<std::string>().size() == 40);
        CHECK(t.contains("zipball_url"));
        out.push_back(t["name"].get<std::string>());
      }
      return out;
    };
    CHECK(tags() == std::vector<std::string>{"V2.0.0", "V1.0.0"});  // a draft has no tag yet

    auto in_use = cli->Delete(kApi + "/git/refs/tags/V1.0.0", s.auth());
    REQUIRE(in_use);
    CHECK(in_use->status == 422);
    CHECK(json::parse(in_use->body)["message"].get<std::string>().find("delete that release first") !=
          std::string::npos);

    REQUIRE(cli->Delete(kApi + "/releases/" + std::to_string(v1), s.auth())->status == 204);
    REQUIRE(cli->Delete(kApi + "/releases/" + std::to_string(draft), s.auth())->status == 204);
    CHECK(tags() == std::vector<std::string>{"V2.0.0", "V1.0.0"});
    REQUIRE(s.stop(SIGTERM) == 0);
    s.start();
    CHECK(tags() == std::vector<std::string>{"V2.0.0", "V1.0.0"});

    auto ref = cli->Get(kApi + "/git/ref/tags/V1.0.0");
    REQUIRE(ref);
    CHECK(ref->status == 200);
    CHECK(json::parse(ref->body)["ref"] == "refs/tags/V1.0.0");
    auto anonymous = cli->Delete(kApi + "/git/refs/tags/V1.0.0");
    REQUIRE(anonymous);
    CHECK(anonymous->status == 401);
    auto gone = cli->Delete(kApi + "/git/refs/tags/V1.0.0", s.auth());
    REQUIRE(gone);
    CHECK(gone->status == 204);
    CHECK(tags() == std::vector<std::string>{"V2.0.0"});
    auto again = cli->Delete(kApi + "/git/refs/tags/V1.0.0", s.auth());
    REQUIRE(again);
    CHECK(again->status == 404);
    CHECK(cli->Get(kApi + "/git/ref/tags/V1.0.0")->status == 404);
  }

  TEST_CASE("a damaged tags.json is quarantined at start, not deleted, and the release tags still list") {
    ServerProcess s;
    s.start();
    const uint64_t v1 = create_release(s, "V1.0.0", false);
    create_release(s, "V2.0.0", false);
    REQUIRE(s.https()->Delete(kApi + "/releases/" + std::to_string(v1), s.auth())->status == 204);
    REQUIRE(s.stop(SIGTERM) == 0);
    std::filesystem::path tags_file;
    for (const auto& e : std::filesystem::recursive_directory_iterator(s.data_dir() / "store" / "repos")) {
      if (e.path().filename() == "tags.json") tags_file = e.path();
    }
    REQUIRE(!tags_file.empty());
    { std::ofstream(tags_file) << R"({"tags": ["../etc"]})"; }
    s.start();
    auto res = s.https()->Get(kApi + "/tags");
    REQUIRE(res);
    CHECK(json::parse(res->body).size() == 1);
    CHECK_FALSE(std::filesystem::exists(tags_file));
    bool quarantined = false;
    for (const auto& e : std::filesystem::recursive_directory_iterator(s.data_dir() / "store" / "quarantine")) {
      if (e.path().filename() == "tags.json") quarantined = true;
    }
    CHECK(quarantined);
  }

  TEST_CASE("release objects: updated_at follows edits, immutable is false, body_html with Accept html+json") {
    ServerProcess s;
    s.start();
    auto cli = s.https();
    auto created = cli->Post(kApi + "/releases", s.auth(),
                             json{{"tag_name", "V1.0.0"}, {"body", "**Fixes** <script>alert(1)</script> [x](javascript:alert(1))"}}.dump(),
                             "application/json");
    REQUIRE(created);
    const json c = json::parse(created->body);
    CHECK(c["immutable"] == false);
    CHECK(c["updated_at"].is_string());
    CHECK_FALSE(c.contains("body_html"));
    auto html = cli->Get(kApi + "/releases/latest", {{"Accept", "application/vnd.github.html+json"}});
    REQUIRE(html);
    const json h = json::parse(html->body);
    const std::string body_html = h["body_html"].get<std::string>();
    CHECK(body_html.find("<strong>Fixes</strong>") != std::string::npos);
    CHECK(body_html.find("<script>") == std::string::npos);  // cmark's safe mode: raw HTML dropped
    CHECK(body_html.find("javascript:") == std::string::npos);
    CHECK_FALSE(h.contains("body"));
    auto full = cli->Get(kApi + "/releases/latest", {{"Accept", "application/vnd.github.full+json"}});
    REQUIRE(full);
    CHECK(json::parse(full->body).contains("body"));
    CHECK(json::parse(full->body).contains("body_html"));
    auto raw = cli->Get(kApi + "/releases/latest");  // the cached html answer is not reused for plain JSON
    REQUIRE(raw);
    CHECK_FALSE(json::parse(raw->body).contains("body_html"));
  }

  TEST_CASE("a repository that does not exist lists as 404; the --repo one exists before its first release") {
    ServerProcess s({"--repo", "vt132/configured"});
    s.start();
    auto cli = s.https();
    const std::string other = "/api/v3/repos/vt132/nothing";
    CHECK(cli->Get(other + "/releases")->status == 404);
    CHECK(cli->Get(other + "/tags")->status == 404);
    CHECK(cli->Get(other)->status == 200);  // goreleaser-style clients look it up before publishing
    CHECK(cli->Get("/api/v3/repos/VT132/Configured/releases")->body == "[]");
    CHECK(cli->Get("/api/v3/repos/vt132/configured/tags")->body == "[]");
    CHECK(graphql(s, "{ repository(owner: \"vt132\", name: \"configured\") { releases(first: 5) { totalCount } } }",
                  nullptr)["data"]["repository"]["releases"]["totalCount"] == 0);
    create_release(s, "V1.0.0", false);
    CHECK(cli->Get(kApi + "/releases")->status == 200);
  }

  TEST_CASE("html_url pages: a release's page and /releases/latest show notes, assets, SHA-256, links and AT+U=") {
    ServerProcess s;
    s.start();
    auto cli = s.https();
    const std::string img = image("V1.0.0", 64 * 1024);
    auto created = cli->Post(kApi + "/releases", s.auth(),
                             json{{"tag_name", "V1.0.0"}, {"draft", true}, {"body", "# Notes\n\n- fixed *it*"}}.dump(),
                             "application/json");
    REQUIRE(created);
    const json rel = json::parse(created->body);
    const uint64_t id = rel["id"].get<uint64_t>();
    auto up = upload(s, id, "VT132.bin", img);
    REQUIRE(up);
    const std::string sha = json::parse(up->body)["digest"].get<std::string>().substr(7);
    const std::string html_url = rel["html_url"].get<std::string>();
    const std::string page_path = html_url.substr(html_url.find("/vt132/"));
    CHECK(page_path == "/vt132/firmware/releases/tag/V1.0.0");
    CHECK(cli->Get(page_path)->status == 404);  // a draft has no public page
    publish(s, id);
    for (const std::string& path : {page_path, std::string("/vt132/firmware/releases/latest")}) {
      auto page = cli->Get(path);
      REQUIRE(page);
      CHECK(page->status == 200);
      CHECK(page->get_header_value("Content-Type").find("text/html") == 0);
      const std::string& b = page->body;
      CHECK(b.find("<h1>Notes</h1>") != std::string::npos);
      CHECK(b.find("<em>it</em>") != std::string::npos);
      CHECK(b.find(sha) != std::string::npos);
      CHECK(b.find(std::to_string(img.size()) + " bytes") != std::string::npos);
      CHECK(b.find("href=\"/vt132/firmware/releases/download/V1.0.0/VT132.bin\"") != std::string::npos);
      const std::string base = "https://127.0.0.1:" + std::to_string(s.https_port());
      const std::string device = path == page_path ? base + "/repos/vt132/firmware/releases/tags/V1.0.0"
                                                   : base + "/repos/vt132/firmware/releases/latest";
      CHECK_MESSAGE(b.find("AT+U=" + device + "\n") != std::string::npos, b);
    }
    CHECK(cli->Get("/vt132/firmware/releases/tag/V9.9.9")->status == 404);
    CHECK(cli->Get("/vt132/nothing/releases/latest")->status == 404);
  }

  TEST_CASE("upload names are renamed as GitHub does and the answer says the stored name (gh release upload)") {
    ServerProcess s;
    s.start();
    const uint64_t id = create_release(s, "V1.0.0", false);
    auto up = upload(s, id, "My%20File%20(x64).zip", "zip bytes");
    REQUIRE(up);
    CHECK(up->status == 201);
    const json a = json::parse(up->body);
    CHECK(a["name"] == "My.File.x64.zip");
    CHECK(a["browser_download_url"].get<std::string>().find("/releases/download/V1.0.0/My.File.x64.zip") !=
          std::string::npos);
    auto dl = s.https()->Get("/vt132/firmware/releases/download/V1.0.0/My.File.x64.zip");
    REQUIRE(dl);
    CHECK(dl->body == "zip bytes");
    auto same = upload(s, id, "My%20File%20(x64).zip", "zip bytes");  // the same bytes again: nothing changes
    REQUIRE(same);
    CHECK(same->status == 200);
    auto climb = upload(s, id, "..%2F..%2Fetc%2Fpasswd", "x");
    REQUIRE(climb);
    CHECK(climb->status == 201);
    CHECK(json::parse(climb->body)["name"] == "etc.passwd");
    auto nothing = upload(s, id, "()", "x");
    REQUIRE(nothing);
    CHECK(nothing->status == 422);
    CHECK(json::parse(nothing->body)["message"].get<std::string>().find("renamed as GitHub does") !=
          std::string::npos);
    const uint64_t asset_id = a["id"].get<uint64_t>();
    auto renamed = s.https()->Patch(kApi + "/releases/assets/" + std::to_string(asset_id), s.auth(),
                                    R"({"name":"Other name.zip"})", "application/json");
    REQUIRE(renamed);
    CHECK(json::parse(renamed->body)["name"] == "Other.name.zip");
  }
}
