#include <doctest/doctest.h>

#include <optional>
#include <string>
#include <utility>

#include "names.hpp"

using namespace vt132::server;

TEST_SUITE("server_names") {
  TEST_CASE("owners are GitHub logins: letters, digits, single inner hyphens, at most 39") {
    for (const char* ok : {"vt132", "octo-cat", "A", "a1-b2-c3", "abcdefghijabcdefghijabcdefghijabcdefghi"}) {
      CHECK_MESSAGE(valid_owner(ok), ok);
    }
    for (const char* bad : {"", "-a", "a-", "a--b", "a_b", "a.b", "..", ".", "a/b", "a b", "ä",
                            "abcdefghijabcdefghijabcdefghijabcdefghij"}) {
      CHECK_MESSAGE(!valid_owner(bad), bad);
    }
  }

  TEST_CASE("repository names allow dots but never . or .. or a path separator") {
    for (const char* ok : {"firmware", "vt132.fw", ".github", "a_b-c.d"}) CHECK_MESSAGE(valid_repo(ok), ok);
    for (const char* bad : {"", ".", "..", "a/b", "a\\b", "a b", "%2e%2e", "a\nb"}) {
      CHECK_MESSAGE(!valid_repo(bad), bad);
    }
    CHECK(valid_repo(std::string(100, 'r')));
    CHECK(!valid_repo(std::string(101, 'r')));
  }

  TEST_CASE("tags: release versions pass; traversal, separators and git-invalid forms fail") {
    for (const char* ok : {"V1.1.0", "v2.0.0-beta.1", "1.0.0+build.5", "nightly_2026"}) {
      CHECK_MESSAGE(valid_tag(ok), ok);
    }
    for (const char* bad : {"", ".", "..", "../etc", "a/b", "-v1", ".v1", "v1.", "v1..2", "v1.lock", "a\\b",
                            "v 1", "v1\n", "v1%00"}) {
      CHECK_MESSAGE(!valid_tag(bad), bad);
    }
    CHECK(!valid_tag(std::string("V1\0x", 4)));
  }

  TEST_CASE("asset names as GitHub stores them: file names only, so none can climb out of a directory") {
    for (const char* ok : {"VT132.bin", "SHA256SUMS", "vt132-manifest.json.sig", "a+b_c-d.e"}) {
      CHECK_MESSAGE(valid_asset_name(ok), ok);
    }
    for (const char* bad : {"", ".", "..", "../x", "x/../y", "..x", ".hidden", "a/b", "a\\b", "a:b", "a b",
                            "x\r\ny", "a%2fb", "a~b", "trailing.", "a@b"}) {
      CHECK_MESSAGE(!valid_asset_name(bad), bad);
    }
    CHECK(!valid_asset_name(std::string("a\0b", 3)));
    CHECK(valid_asset_name(std::string(255, 'n')));
    CHECK(!valid_asset_name(std::string(256, 'n')));
  }

  TEST_CASE("upload names are renamed as GitHub does: other characters become '.', runs collapse, ends trimmed") {
    const std::pair<const char*, const char*> cases[] = {
        {"My File (x64).zip", "My.File.x64.zip"},
        {"appName(x64)_1.0.0.xx.msi", "appName.x64._1.0.0.xx.msi"},  // as reported from github.com
        {"The Brain.js", "The.Brain.js"},
        {"VT132.bin", "VT132.bin"},
        {"a~b@c:d", "a.b.c.d"},
        {".hidden", "hidden"},
        {"trailing...", "trailing"},
        {"../../etc/passwd", "etc.passwd"},
        {"..\\..\\boot.ini", "boot.ini"},
        {"Grüße.txt", "Gr.e.txt"},
        {"a\r\nb", "a.b"},
        {"C++ (1).tar.gz", "C++.1.tar.gz"},
    };
    for (const auto& [in, out] : cases) {
      const std::optional<std::string> got = normalize_asset_name(in);
      REQUIRE_MESSAGE(got, in);
      CHECK_MESSAGE(*got == out, in);
      CHECK(valid_asset_name(*got));
      CHECK(normalize_asset_name(*got) == got);  // a stored name stays as it is
    }
    for (const char* nothing_left : {"", ".", "..", "()", "   ", "/", "\xff\xfe"}) {
      CHECK_MESSAGE(!normalize_asset_name(nothing_left), nothing_left);
    }
    CHECK(normalize_asset_name(std::string(255, 'n') + " ") == std::string(255, 'n'));
    CHECK(!normalize_asset_name(std::string(256, 'n')));
    CHECK(!normalize_asset_name(std::string(1u << 20, 'n')));  // stops early, bounded work
  }

  TEST_CASE("names stored by earlier versions ('~', a trailing '.') stay servable, never produced anew") {
    CHECK(stored_asset_name("a+b~c_d-e"));
    CHECK(stored_asset_name("trailing."));
    CHECK(stored_asset_name("VT132.bin"));
    for (const char* bad : {"", "..", "../x", ".hidden", "a/b", "a b"}) CHECK_MESSAGE(!stored_asset_name(bad), bad);
  }

  TEST_CASE("owner/name as the release tools check it is the server's rule (create --repo a_b/x is refused)") {
    CHECK(vt132::host::names::valid_full_name("vt132/firmware"));
    CHECK(vt132::host::names::valid_full_name("octo-cat/vt132.fw"));
    for (const char* bad : {"a_b/x", "vt132", "/x", "a/", "a/b/c", "a/..", "-a/x"}) {
      CHECK_MESSAGE(!vt132::host::names::valid_full_name(bad), bad);
    }
  }

  TEST_CASE("free text must be valid UTF-8 without control characters") {
    CHECK(valid_text("Grüße, 日本 🚀", 100, false));
    CHECK(valid_text("line 1\nline 2\r\n\tindented", 100, true));
    CHECK(!valid_text("line 1\nline 2", 100, false));
    CHECK(!valid_text("bell\x07", 100, true));
    CHECK(!valid_text("\x1b[31mred", 100, true));
    CHECK(!valid_text("\xc3", 100, false));              // truncated sequence
    CHECK(!valid_text("\xc0\xaf", 100, false));          // overlong '/'
    CHECK(!valid_text("\xed\xa0\x80", 100, false));      // surrogate
    CHECK(!valid_text("\xf4\x90\x80\x80", 100, false));  // above U+10FFFF
    CHECK(!valid_text(std::string(101, 'x'), 100, false));
  }

  TEST_CASE("ids are positive decimals that stay exact in JSON") {
    CHECK(parse_id("1") == 1u);
    CHECK(parse_id("9007199254740991") == kMaxId);
    for (const char* bad : {"", "0", "01", "-1", "+1", "1a", "1.0", "9007199254740992", "99999999999999999999"}) {
      CHECK_MESSAGE(!parse_id(bad), bad);
    }
  }
}
