// GitHub's media types for release bodies, as each client spells them.
#include <doctest/doctest.h>

#include "github_json.hpp"

using namespace vt132::server;

TEST_SUITE("server_github_json") {
  TEST_CASE("Accept picks body_html for html, both for full, body otherwise (gh, Octokit, curl spellings)") {
    CHECK(body_format_from_accept("application/vnd.github.html+json") == BodyFormat::Html);
    CHECK(body_format_from_accept("application/vnd.github.v3.html+json") == BodyFormat::Html);
    CHECK(body_format_from_accept("application/vnd.github.v3.html") == BodyFormat::Html);  // Octokit
    CHECK(body_format_from_accept("application/json, application/vnd.github.full+json; q=0.5") == BodyFormat::Full);
    CHECK(body_format_from_accept("application/vnd.github.v3.full") == BodyFormat::Full);
    for (const char* raw : {"", "*/*", "application/json", "application/vnd.github+json", "application/vnd.github.raw+json",
                            "application/vnd.github.text+json", "text/html", "application/vnd.github.htmlx",
                            "application/vnd.github.v3.v3.html", "xapplication/vnd.github.html+json"}) {
      CHECK_MESSAGE(body_format_from_accept(raw) == BodyFormat::Raw, raw);
    }
  }
}
