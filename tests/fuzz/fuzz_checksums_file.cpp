// libFuzzer target for renew's rewrite of a SHA256SUMS file downloaded from a server: on any
// text it never crashes, keeps every line that does not name a rewritten file, and ends with
// exactly the new line for each rewritten name that was missing.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "../../lib/src/checksums_file.cpp"

using namespace vt132::host;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view old(reinterpret_cast<const char*>(data), size);
  const std::string digest(64, 'e');
  const std::vector<std::pair<std::string, std::string>> updates = {{"manifest.json", digest},
                                                                     {"manifest.json.sig", digest}};
  const std::string out = with_checksums(old, updates);
  if (out.empty() || out.back() != '\n') std::abort();
  // Line by line: each input line is kept, or it named a rewritten file and is now that
  // file's new line; what follows is at most one appended line per name.
  size_t in = 0;
  size_t at = 0;
  while (in < old.size()) {
    const size_t in_end = std::min(old.find('\n', in), old.size());
    const size_t out_end = out.find('\n', at);
    if (out_end == std::string::npos) std::abort();
    const std::string_view was = old.substr(in, in_end - in);
    const std::string_view now = std::string_view(out).substr(at, out_end - at + 1);
    const std::string_view name = listed_name(was);
    bool ok = now.substr(0, now.size() - 1) == was;
    for (const auto& [n, hex] : updates) ok = ok || (name == n && now == checksum_line(hex, n));
    if (!ok) std::abort();
    in = in_end + 1;
    at = out_end + 1;
  }
  size_t appended = 0;
  for (size_t p = at; p < out.size(); p = out.find('\n', p) + 1) ++appended;
  if (appended > updates.size()) std::abort();
  // Each named file has its new line somewhere.
  for (const auto& [name, hex] : updates) {
    if (out.find(checksum_line(hex, name)) == std::string::npos) std::abort();
  }
  return 0;
}
