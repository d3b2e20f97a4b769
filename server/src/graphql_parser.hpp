#pragma once
// The GraphQL query language, reduced to what GitHub clients send for releases: one
// `query` operation (named or not) with variable definitions and defaults, fields with
// aliases and arguments, and argument values of every literal kind (strings with escapes,
// Int, Float, Boolean, null, enum values, lists, input objects) or `$variables`. Fragments,
// directives, mutations and subscriptions are refused with a message that says so.
//
// Everything is bounded before it can cost much: the query's length, its token count, the
// nesting of selections and values, and each string's length. Self-contained (std and
// nlohmann/json only) so the fuzz target can compile it directly.
#include <cstddef>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace vt132::server::graphql {

constexpr size_t kMaxQueryLength = 64 * 1024;
constexpr size_t kMaxTokens = 4000;
constexpr int kMaxDepth = 10;  // selections and values nested inside each other
constexpr size_t kMaxStringLength = 1024;

struct Field {
  std::string alias;  // the response key when given ("a: name")
  std::string name;
  // Argument values with variables already substituted; enum values become strings.
  std::map<std::string, nlohmann::json> args;
  std::vector<Field> selection;

  const std::string& key() const { return alias.empty() ? name : alias; }
};

struct Document {
  std::vector<Field> fields;  // the operation's top-level selection
  std::string error;          // set when the query was refused; `fields` is then empty

  bool ok() const { return error.empty(); }
};

// `variables` is the request's "variables" object (null or absent: none). A variable the
// query uses but does not define is an error; a defined one without a value takes its
// default, else null.
Document parse_query(std::string_view query, const nlohmann::json& variables);

}  // namespace vt132::server::graphql
