#include <doctest/doctest.h>

#include <string>

#include "route.hpp"

using namespace vt132::server;

TEST_SUITE("server_route") {
  TEST_CASE("every API route is served at /, /api/v3 and /api/uploads") {
    for (const std::string prefix : {"", "/api/v3", "/api/uploads"}) {
      INFO("prefix ", prefix);
      const std::string r = prefix + "/repos/vt132/firmware";
      CHECK(parse_route(r).kind == RouteKind::Repo);
      CHECK(parse_route(r + "/releases").kind == RouteKind::Releases);
      CHECK(parse_route(r + "/releases/latest").kind == RouteKind::ReleaseLatest);
      const std::string tag_path = r + "/releases/tags/V1.2.0";
      const Route by_tag = parse_route(tag_path);
      CHECK(by_tag.kind == RouteKind::ReleaseByTag);
      CHECK(by_tag.tag == "V1.2.0");
      const Route by_id = parse_route(r + "/releases/42");
      CHECK(by_id.kind == RouteKind::ReleaseById);
      CHECK(by_id.id == 42);
      const Route assets = parse_route(r + "/releases/42/assets");
      CHECK(assets.kind == RouteKind::ReleaseAssets);
      CHECK(assets.id == 42);
      const std::string asset_path = r + "/releases/assets/7";  // Route views into it
      const Route asset = parse_route(asset_path);
      CHECK(asset.kind == RouteKind::Asset);
      CHECK(asset.id == 7);
      CHECK(asset.owner == "vt132");
      CHECK(asset.repo == "firmware");
    }
  }

  TEST_CASE("browser download URLs, the root asset and the pages") {
    const Route d = parse_route("/vt132/firmware/releases/download/V1.2.0/VT132.bin");
    CHECK(d.kind == RouteKind::Download);
    CHECK(d.owner == "vt132");
    CHECK(d.repo == "firmware");
    CHECK(d.tag == "V1.2.0");
    CHECK(d.name == "VT132.bin");
    const Route l = parse_route("/vt132/firmware/releases/latest/download/VT132.bin");
    CHECK(l.kind == RouteKind::LatestDownload);
    CHECK(l.name == "VT132.bin");
    const Route root = parse_route("/VT132.bin");
    CHECK(root.kind == RouteKind::RootAsset);
    CHECK(root.name == "VT132.bin");
    CHECK(parse_route("/").kind == RouteKind::Home);
    CHECK(parse_route("/healthz").kind == RouteKind::Healthz);
    CHECK(parse_route("/metrics").kind == RouteKind::Metrics);
    CHECK(parse_route("/ca.pem").kind == RouteKind::CaCert);
    CHECK(parse_route("/devices").kind == RouteKind::DevicesPage);
    CHECK(parse_route("/api/v3/vt132/devices").kind == RouteKind::DevicesApi);
    CHECK(parse_route("/api/v3/vt132/devices/x").kind == RouteKind::NotFound);
    CHECK(parse_route("/api/graphql").kind == RouteKind::GraphQL);
    CHECK(parse_route("/vt132/firmware").kind == RouteKind::RepoPage);
    CHECK(parse_route("/vt132/firmware/releases").kind == RouteKind::RepoPage);
    const Route page = parse_route("/vt132/firmware/releases/tag/V1.2.0");
    CHECK(page.kind == RouteKind::ReleasePage);
    CHECK(page.tag == "V1.2.0");
    CHECK(parse_route("/vt132/firmware/releases/latest").kind == RouteKind::LatestPage);
  }

  TEST_CASE("the calls that name no repository: the API root (gh auth status), /user and /rate_limit") {
    CHECK(parse_route("/api/v3/").kind == RouteKind::ApiRoot);
    CHECK(parse_route("/api/v3").kind == RouteKind::ApiRoot);
    for (const std::string prefix : {"", "/api/v3"}) {
      CHECK(parse_route(prefix + "/user").kind == RouteKind::User);
      CHECK(parse_route(prefix + "/rate_limit").kind == RouteKind::RateLimit);
    }
  }

  TEST_CASE("tags: the list and one tag's ref (gh release delete --cleanup-tag)") {
    CHECK(parse_route("/api/v3/repos/vt132/firmware/tags").kind == RouteKind::Tags);
    const std::string path = "/api/v3/repos/vt132/firmware/git/refs/tags/V1.0.0";
    const Route ref = parse_route(path);
    CHECK(ref.kind == RouteKind::TagRef);
    CHECK(ref.tag == "V1.0.0");
    CHECK(ref.owner == "vt132");
    CHECK(parse_route("/api/v3/repos/vt132/firmware/git/ref/tags/V1.0.0").kind == RouteKind::TagRef);
  }

  TEST_CASE("traversal and malformed paths route nowhere") {
    for (const char* bad : {"", "no-slash", "//", "/repos/vt132/firmware/", "/repos//firmware",
                            "/repos/vt132/../releases", "/repos/../../etc/passwd",
                            "/vt132/firmware/releases/download/../../../etc/passwd",
                            "/vt132/firmware/releases/download/V1.0.0/..",
                            "/vt132/firmware/releases/download/../VT132.bin",
                            "/vt132/firmware/releases/download/V1.0.0/a\\..\\b", "/..", "/.", "/.env",
                            "/repos/vt132/firmware/releases/0", "/repos/vt132/firmware/releases/01",
                            "/repos/vt132/firmware/releases/-1/assets", "/repos/vt132/firmware/releases/assets/x",
                            "/repos/vt132/firmware/releases/tags/..", "/repos/vt132/firmware/releases/1/2/3",
                            "/api/v4/repos/vt132/firmware", "/api/graphql/x", "/repos/vt132/firmware/tags/x",
                            "/repos/vt132/firmware/git/refs/tags/..", "/repos/vt132/firmware/git/refs/heads/main",
                            "/api/v3//", "/api/v3/users", "/vt132/firmware/releases/tag/..",
                            "/vt132/firmware/releases/tag", "/vt132/firmware/releases/latest/x"}) {
      CHECK_MESSAGE(parse_route(bad).kind == RouteKind::NotFound, bad);
    }
    CHECK(parse_route(std::string("/vt132/firmware/releases/download/V1/a\0b", 40)).kind == RouteKind::NotFound);
  }

  TEST_CASE("paths that are too long or too deep are refused before any lookup") {
    std::string deep;
    for (int i = 0; i < 11; ++i) deep += "/a";
    CHECK(parse_route(deep).kind == RouteKind::NotFound);
    CHECK(parse_route("/" + std::string(kMaxPathLength, 'a')).kind == RouteKind::NotFound);
  }

  TEST_CASE("every route has a metrics label") {
    CHECK(std::string(route_name(RouteKind::ReleaseLatest)) == "release_latest");
    CHECK(std::string(route_name(RouteKind::NotFound)) == "not_found");
  }
}
