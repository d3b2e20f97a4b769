#include <doctest/doctest.h>

#include <cstring>
#include <string>
#include <vector>

#include "vt132/core/version.hpp"

using vt132::core::compare_versions;
using vt132::core::describe;
using vt132::core::format_version_error;
using vt132::core::kMaxVersionLength;
using vt132::core::parse_version;
using vt132::core::Version;
using vt132::core::VersionError;

namespace {

Version parsed(const std::string& text) {
  Version v;
  const VersionError e = parse_version(text, v);
  INFO("input: \"", text, "\": ", describe(e));
  REQUIRE(e == VersionError::Ok);
  return v;
}

int compare(const std::string& a, const std::string& b) {
  return compare_versions(parsed(a), parsed(b));
}

int sign(int x) { return (x > 0) - (x < 0); }

// Groups of equal versions, the groups in ascending order.
using OrderTable = std::vector<std::vector<std::string>>;

// Checks every pair of the table, not just neighbours, so an ordering that is consistent
// locally but not transitive is caught too.
void check_order(const OrderTable& table) {
  for (size_t gi = 0; gi < table.size(); ++gi) {
    for (size_t gj = 0; gj < table.size(); ++gj) {
      for (const std::string& a : table[gi]) {
        for (const std::string& b : table[gj]) {
          INFO(a, " vs ", b);
          const int c = compare(a, b);
          CHECK(c == sign(static_cast<int>(gi) - static_cast<int>(gj)));
          CHECK(c == -compare(b, a));
        }
      }
    }
  }
}

}  // namespace

TEST_SUITE("version") {
  TEST_CASE("VT132 release tags order as beta.1 < beta.2 < release < next beta") {
    check_order({{"V1.3.0-beta.1"}, {"V1.3.0-beta.2"}, {"V1.3.0"}, {"V1.4.0-beta.1"},
                 {"V1.4.0-beta.4"}, {"V1.7.0"}});
  }

  TEST_CASE("the semver.org precedence example orders as the spec says") {
    check_order({{"1.0.0-alpha"}, {"1.0.0-alpha.1"}, {"1.0.0-alpha.beta"}, {"1.0.0-beta"},
                 {"1.0.0-beta.2"}, {"1.0.0-beta.11"}, {"1.0.0-rc.1"}, {"1.0.0"}});
  }

  TEST_CASE("numeric parts and numeric identifiers compare as numbers, not text") {
    CHECK(compare("1.0.0-beta.2", "1.0.0-beta.11") < 0);
    CHECK(compare("0.9.0", "0.10.0") < 0);
    CHECK(compare("9.0.0", "10.0.0") < 0);
    CHECK(compare("1.0.9", "1.0.10") < 0);
  }

  TEST_CASE("the V prefix and build metadata do not affect ordering") {
    check_order({{"1.0.0-rc.1", "V1.0.0-rc.1+build.7"},
                 {"1.0.0", "V1.0.0", "v1.0.0", "1.0.0+build.5", "V1.0.0+20240101.sha.0abc"}});
  }

  TEST_CASE("all orderings in one table are consistent and antisymmetric") {
    check_order({
        {"0.0.0"},
        {"0.0.1"},
        {"0.1.0"},
        {"0.2.0"},
        {"0.10.0"},
        {"1.0.0-0"},
        {"1.0.0-1"},
        {"1.0.0-2"},
        {"1.0.0-10"},
        {"1.0.0-18446744073709551615"},
        {"1.0.0-18446744073709551616"},  // beyond uint64: still ordered numerically
        {"1.0.0-99999999999999999999999"},
        {"1.0.0--"},                     // alphanumeric from here: ASCII order, '-' < '0'
        {"1.0.0-0a"},
        {"1.0.0-A"},
        {"1.0.0-Z"},
        {"1.0.0-alpha"},
        {"1.0.0-alpha.1"},
        {"1.0.0-alpha.beta"},
        {"1.0.0-alpha-1"},  // compared per identifier: "alpha" < "alpha-1"
        {"1.0.0-beta"},
        {"1.0.0-beta.2"},
        {"1.0.0-beta.11"},
        {"1.0.0-rc.1", "1.0.0-rc.1+build.2"},
        {"1.0.0", "V1.0.0", "v1.0.0", "1.0.0+build.5"},
        {"1.0.1"},
        {"1.2.1", "V1.2.1"},
        {"V1.3.0-beta.1"},
        {"V1.3.0-beta.2"},
        {"V1.3.0"},
        {"V1.4.0-beta.1"},
        {"V1.4.0-beta.4"},
        {"V1.7.0"},
        {"2.0.0"},
        {"10.0.0"},
        {"18446744073709551615.18446744073709551615.18446744073709551615"},
    });
  }

  TEST_CASE("malformed versions are rejected with the specific error") {
    struct Case {
      std::string input;
      VersionError error;
    };
    const std::vector<Case> cases = {
        {"", VersionError::Empty},
        {"V", VersionError::MissingPart},
        {"v", VersionError::MissingPart},
        {"1", VersionError::MissingPart},
        {"1.2", VersionError::MissingPart},
        {"1.2.", VersionError::MissingPart},
        {"1..3", VersionError::MissingPart},
        {"1.2-beta", VersionError::MissingPart},
        {"1.2.3.4", VersionError::ExtraPart},
        {"01.2.3", VersionError::LeadingZero},
        {"1.00.3", VersionError::LeadingZero},
        {"1.2.3-", VersionError::EmptyIdentifier},
        {"1.2.3-beta..1", VersionError::EmptyIdentifier},
        {"1.2.3-beta.", VersionError::EmptyIdentifier},
        {"1.2.3-+build", VersionError::EmptyIdentifier},
        {"1.2.3-01", VersionError::LeadingZero},
        {"1.2.3-beta.007", VersionError::LeadingZero},
        {"1.2.3 ", VersionError::Whitespace},
        {" 1.2.3", VersionError::Whitespace},
        {"1.2.3\n", VersionError::Whitespace},
        {"1.2.3-be ta", VersionError::Whitespace},
        {"1.2.3+", VersionError::EmptyIdentifier},
        {"1.2.3+a..b", VersionError::EmptyIdentifier},
        {"1.2.3+a+b", VersionError::BadCharacter},
        {"1.2.3_rc1", VersionError::BadCharacter},
        {"1.2.3-\xc3\xa4", VersionError::BadCharacter},
        {std::string("1.2.3\0", 6), VersionError::BadCharacter},
        {"99999999999999999999999.0.0", VersionError::NumberTooLarge},
        {"18446744073709551616.0.0", VersionError::NumberTooLarge},
        {"0.0.18446744073709551616", VersionError::NumberTooLarge},
        {"VV1.0.0", VersionError::NotANumber},
        {"version1.0.0", VersionError::NotANumber},
        {"1.x.3", VersionError::NotANumber},
        {"1.2.3a", VersionError::NotANumber},
        {"1.0.0-" + std::string(kMaxVersionLength - 6 + 1, 'a'), VersionError::TooLong},
        {std::string(1000, '1'), VersionError::TooLong},
    };
    for (const Case& c : cases) {
      INFO("input: \"", c.input, "\"");
      Version v;
      REQUIRE(parse_version("V9.8.7-keep", v) == VersionError::Ok);
      CHECK(parse_version(c.input, v) == c.error);
      CHECK(v.text() == "V9.8.7-keep");  // left untouched on error
    }
  }

  TEST_CASE("valid edge cases are accepted") {
    for (const char* text : {"0.0.0", "1.2.3-0", "1.2.3-0a", "1.2.3-00a", "1.2.3--", "1.2.3-a-b",
                             "1.2.3+build.007", "1.2.3+-", "1.2.3-x.7.z.92+exp.sha.5114f85",
                             "18446744073709551615.0.0"}) {
      Version v;
      INFO("input: ", text);
      CHECK(parse_version(text, v) == VersionError::Ok);
    }
    const std::string longest = "1.0.0-" + std::string(kMaxVersionLength - 6, 'a');
    REQUIRE(longest.size() == kMaxVersionLength);
    CHECK(parsed(longest).text() == longest);
  }

  TEST_CASE("accessors return the numbers, prerelease, build and original text") {
    const Version v = parsed("V1.3.0-beta.1+build.5");
    CHECK(v.major == 1);
    CHECK(v.minor == 3);
    CHECK(v.patch == 0);
    CHECK(v.prerelease() == "beta.1");
    CHECK(v.build() == "build.5");
    CHECK(v.is_prerelease());
    CHECK(v.has_prefix());
    CHECK(v.text() == "V1.3.0-beta.1+build.5");
    CHECK(std::strcmp(v.c_str(), "V1.3.0-beta.1+build.5") == 0);

    const Version release = parsed("1.0.0+build.5");
    CHECK(release.prerelease().empty());
    CHECK(release.build() == "build.5");
    CHECK_FALSE(release.is_prerelease());
    CHECK_FALSE(release.has_prefix());

    const Version plain = parsed("v1.7.0");
    CHECK(plain.has_prefix());
    CHECK(plain.prerelease().empty());
    CHECK(plain.build().empty());
  }

  TEST_CASE("a copied version stays valid after the input and the original are gone") {
    Version copy;
    {
      std::string text = "V1.4.0-beta.4+ci.99";
      Version original = parsed(text);
      copy = original;
      text.assign(text.size(), 'x');
      original = Version();
    }
    CHECK(copy.text() == "V1.4.0-beta.4+ci.99");
    CHECK(copy.prerelease() == "beta.4");
    CHECK(copy.build() == "ci.99");
  }

  TEST_CASE("a default-constructed version is 0.0.0 with empty text") {
    const Version v;
    CHECK(v.text().empty());
    CHECK(v.c_str()[0] == '\0');
    CHECK_FALSE(v.is_prerelease());
    CHECK_FALSE(v.has_prefix());
    CHECK(compare_versions(v, parsed("0.0.0")) == 0);
  }

  TEST_CASE("error messages quote the input and say what is wrong") {
    char buf[256];
    CHECK(format_version_error("V1.7", VersionError::MissingPart, buf, sizeof buf));
    CHECK(std::string(buf) == "\"V1.7\" is not a version: expected MAJOR.MINOR.PATCH");

    CHECK(format_version_error("1.2.3-01", VersionError::LeadingZero, buf, sizeof buf));
    CHECK(std::string(buf) == "\"1.2.3-01\" is not a version: numbers must not have leading zeros");

    CHECK(format_version_error("1.7.0", VersionError::Ok, buf, sizeof buf));
    CHECK(std::string(buf) == "\"1.7.0\" is a valid version");
  }

  TEST_CASE("error messages escape unprintable input and elide long input") {
    char buf[512];
    CHECK(format_version_error(std::string("1.2\"\\\n\x01\xff", 8), VersionError::Whitespace, buf,
                               sizeof buf));
    CHECK(std::string(buf) ==
          "\"1.2\\\"\\\\\\x0a\\x01\\xff\" is not a version: contains whitespace");

    const std::string big(500, '9');
    CHECK(format_version_error(big, VersionError::TooLong, buf, sizeof buf));
    CHECK(std::string(buf) == "\"" + std::string(kMaxVersionLength, '9') +
                                  "...\" is not a version: longer than 63 characters");
  }

  TEST_CASE("error messages are truncated safely when the buffer is small") {
    char buf[8];
    std::memset(buf, 'z', sizeof buf);
    CHECK_FALSE(format_version_error("V1.7", VersionError::MissingPart, buf, sizeof buf));
    CHECK(std::string(buf) == "\"V1.7\" ");
    CHECK_FALSE(format_version_error("V1.7", VersionError::MissingPart, buf, 0));
    CHECK_FALSE(format_version_error("V1.7", VersionError::MissingPart, nullptr, 10));
  }

  TEST_CASE("every error has its own message") {
    std::vector<std::string> seen;
    for (int i = static_cast<int>(VersionError::Ok);
         i <= static_cast<int>(VersionError::EmptyIdentifier); ++i) {
      const std::string msg = describe(static_cast<VersionError>(i));
      INFO("error ", i, ": ", msg);
      CHECK_FALSE(msg.empty());
      for (const std::string& other : seen) CHECK(msg != other);
      seen.push_back(msg);
    }
    CHECK(std::string(describe(static_cast<VersionError>(999))) == "not a version: unknown error");
  }
}
