// The GraphQL subset parser: what gh sends parses to fields with typed arguments; every
// bound (length, tokens, depth, string length) refuses with a message; unsupported
// language features (fragments, directives, mutations) are named in the refusal.
#include <doctest/doctest.h>

#include <string>

#include <nlohmann/json.hpp>

#include "graphql_parser.hpp"

using json = nlohmann::json;
using namespace vt132::server::graphql;

TEST_SUITE("server_graphql_parser") {
  TEST_CASE("gh release list's query: Int and null variables, an enum object literal, nested selections") {
    const std::string q =
        "query RepositoryReleaseList($endCursor:String$name:String!$owner:String!$perPage:Int!){repository(owner: "
        "$owner, name: $name){releases(first: $perPage, orderBy: {field: CREATED_AT, direction: DESC}, after: "
        "$endCursor){nodes{name,tagName,isDraft,isLatest,isPrerelease,createdAt,publishedAt},pageInfo{hasNextPage,"
        "endCursor}}}}";
    const json vars = {{"endCursor", nullptr}, {"name", "vt132"}, {"owner", "thehighnibble"}, {"perPage", 30}};
    const Document d = parse_query(q, vars);
    REQUIRE_MESSAGE(d.ok(), d.error);
    REQUIRE(d.fields.size() == 1);
    const Field& repo = d.fields[0];
    CHECK(repo.name == "repository");
    CHECK(repo.args.at("owner") == "thehighnibble");
    const Field& releases = repo.selection.at(0);
    CHECK(releases.name == "releases");
    CHECK(releases.args.at("first") == 30);
    CHECK(releases.args.at("first").is_number_integer());
    CHECK(releases.args.at("after").is_null());
    CHECK(releases.args.at("orderBy") == json({{"field", "CREATED_AT"}, {"direction", "DESC"}}));
    CHECK(releases.selection.at(0).selection.size() == 7);
    CHECK(releases.selection.at(1).selection.at(1).name == "endCursor");
  }

  TEST_CASE("literals: escaped strings, negative and float numbers, booleans, lists, aliases, defaults") {
    const Document d = parse_query(
        R"(query Q($n: Int = 7, $l: [String!]) { a: f(s: "x\"y\u00e9\ud83d\ude00\n", i: -3, f: 1.5e2, b: true, )"
        R"(z: null, l: [1, [2]], d: $n, v: $l) { g } })",
        json{{"l", {"p"}}});
    REQUIRE_MESSAGE(d.ok(), d.error);
    const Field& f = d.fields.at(0);
    CHECK(f.key() == "a");
    CHECK(f.name == "f");
    CHECK(f.args.at("s") == "x\"y\xC3\xA9\xF0\x9F\x98\x80\n");
    CHECK(f.args.at("i") == -3);
    CHECK(f.args.at("f") == 150.0);
    CHECK(f.args.at("b") == true);
    CHECK(f.args.at("z").is_null());
    CHECK(f.args.at("l") == json::parse("[1,[2]]"));
    CHECK(f.args.at("d") == 7);  // the default, as no value was sent
    CHECK(f.args.at("v") == json({"p"}));
    // Anonymous form, comments, commas and a BOM are insignificant.
    CHECK(parse_query("\xEF\xBB\xBF# c\n{ viewer { login } }", nullptr).ok());
  }

  TEST_CASE("unsupported language features are refused by name") {
    auto error_of = [](const std::string& q) { return parse_query(q, nullptr).error; };
    CHECK(error_of("mutation { x }").find("mutation operations are not supported") != std::string::npos);
    CHECK(error_of("{ ...F } fragment F on Query { x }").find("fragments") != std::string::npos);
    CHECK(error_of("{ x @include(if: true) }").find("directives") != std::string::npos);
    CHECK(error_of("{ x(s: \"\"\"block\"\"\") }").find("block strings") != std::string::npos);
    CHECK(error_of("{ a } { b }").find("one operation") != std::string::npos);
    CHECK(error_of("query { f(a: $undefined) }").find("$undefined is not defined") != std::string::npos);
    CHECK(error_of("query($v: Int = $w) { f }").find("variable cannot be used") != std::string::npos);
  }

  TEST_CASE("malformed input is refused, never crashes") {
    for (const char* bad : {"", "{", "}", "{ }", "{ f(", "{ f(a:) }", "{ f(a: 1 }", "{ f(a: \"x) }", "{ f(a: \"\\q\") }",
                            "{ f(a: \"\\u12\") }", "{ f(a: \"\\ud800\") }", "{ f(a: 01) }", "{ f(a: 1.) }",
                            "{ f(a: 1x) }", "{ f(a: -) }", "{ f(a: [1) }", "{ f(a: {b 1}) }", "{ f(a: 1, a: 2) }",
                            "query ($) { f }", "query ($v Int) { f }", "{ 1 }", "{ f } x", "{ f ~ }", "$", "{ f(a:\"\n\") }"}) {
      const Document d = parse_query(bad, nullptr);
      CHECK_MESSAGE(!d.ok(), bad);
      CHECK(d.fields.empty());
    }
  }

  TEST_CASE("bounds: query length, token count, nesting depth, string length") {
    CHECK(parse_query(std::string(kMaxQueryLength + 1, ' '), nullptr).error.find("longer than") != std::string::npos);

    std::string many = "{ ";
    for (size_t i = 0; i < kMaxTokens; ++i) many += "f ";
    many += "}";
    CHECK(parse_query(many, nullptr).error.find("tokens") != std::string::npos);

    std::string deep;
    for (int i = 0; i < kMaxDepth; ++i) deep += "{ f ";
    for (int i = 0; i < kMaxDepth; ++i) deep += "}";
    CHECK_MESSAGE(parse_query(deep, nullptr).ok(), parse_query(deep, nullptr).error);
    CHECK(parse_query("{ f " + deep + " }", nullptr).error.find("nested deeper") != std::string::npos);
    std::string deep_value = "{ f(a: ";
    for (int i = 0; i < kMaxDepth; ++i) deep_value += "[";
    for (int i = 0; i < kMaxDepth; ++i) deep_value += "]";
    CHECK(parse_query(deep_value + ") }", nullptr).error.find("nested deeper") != std::string::npos);

    const std::string at_limit = "{ f(a: \"" + std::string(kMaxStringLength, 's') + "\") }";
    CHECK(parse_query(at_limit, nullptr).ok());
    const std::string over = "{ f(a: \"" + std::string(kMaxStringLength + 1, 's') + "\") }";
    CHECK(parse_query(over, nullptr).error.find("longer than") != std::string::npos);
  }
}
