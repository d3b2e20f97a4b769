// libFuzzer target for everything the server derives from a request path and its query:
// routing, name validation, Range headers and pagination. The server sources are std-only
// and compiled in directly (fuzz targets link only vt132::core).
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "../../lib/src/names.cpp"
#include "../../server/src/names.cpp"
#include "../../server/src/pagination.cpp"
#include "../../server/src/ranges.cpp"
#include "../../server/src/route.cpp"

using namespace vt132::server;

namespace {

void check(bool ok) {
  if (!ok) std::abort();
}

bool inside(std::string_view part, std::string_view whole) {
  return part.empty() || (part.data() >= whole.data() && part.data() + part.size() <= whole.data() + whole.size());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const Route r = parse_route(input);
  // Whatever a route names lies within the path and is a valid name: nothing else can reach
  // a lookup.
  check(inside(r.owner, input) && inside(r.repo, input) && inside(r.tag, input) && inside(r.name, input));
  if (!r.owner.empty()) check(valid_owner(r.owner));
  if (!r.repo.empty()) check(valid_repo(r.repo));
  if (!r.tag.empty()) check(valid_tag(r.tag));
  if (!r.name.empty()) check(stored_asset_name(r.name));
  for (std::string_view n : {r.owner, r.repo, r.tag, r.name}) {
    check(n != "." && n != ".." && n.find('/') == std::string_view::npos && n.find('\0') == std::string_view::npos);
  }
  check(std::string(route_name(r.kind)).size() > 0);
  valid_text(input, 1000, true);
  parse_id(input);

  for (uint64_t total : {uint64_t{0}, uint64_t{1}, uint64_t{1126512}}) {
    const RangeDecision d = decide_range(input, total);
    if (d.kind == RangeDecision::Partial) check(d.first <= d.last && d.last < total);
  }
  const size_t cut = size / 2;
  const Page p = parse_page(input.substr(0, cut), input.substr(cut));
  check(p.per_page >= 1 && p.per_page <= Page::kMaxPerPage && p.page >= 1);
  check(p.begin(1000) <= p.end(1000) && p.end(1000) <= 1000);
  link_header("https://h/x", p, 1000);
  return 0;
}
