// libFuzzer target for the server's GraphQL parser (POST /api/graphql): any query text and
// variables either parse into a bounded tree of fields or are refused with a message; never
// a crash, a hang or unbounded work. The parser is std + nlohmann/json only and compiled in
// directly (fuzz targets link only vt132::core).
//
// Input: the query, then optionally a NUL byte and the "variables" JSON.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "../../server/src/graphql_parser.cpp"

using namespace vt132::server::graphql;

namespace {

void check(bool ok) {
  if (!ok) std::abort();
}

// Selections may nest at most kMaxDepth deep, counting the top level as 1.
void check_depth(const std::vector<Field>& fields, int depth) {
  check(depth <= kMaxDepth);
  for (const Field& f : fields) {
    check(!f.name.empty());
    if (!f.selection.empty()) check_depth(f.selection, depth + 1);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const size_t nul = input.find('\0');
  const std::string_view query = input.substr(0, nul);
  nlohmann::json variables = nullptr;
  if (nul != std::string_view::npos) {
    variables = nlohmann::json::parse(input.substr(nul + 1), nullptr, false);
    if (variables.is_discarded()) variables = nullptr;
  }
  const Document doc = parse_query(query, variables);
  if (doc.ok()) {
    check(!doc.fields.empty());
    check_depth(doc.fields, 1);
  } else {
    check(doc.fields.empty());
    check(doc.error.size() < 512);
  }
  return 0;
}
