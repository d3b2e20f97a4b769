#pragma once
// Several response header fields of ours as one entry of httplib's header map.
//
// cpp-httplib 0.11.4 spends about 2,700 instructions on each entry of a response's header map
// (callgrind, docs/benchmarks.md): an allocating insert into its case-insensitive multimap
// (a tolower() call per compared character), then one snprintf("%s: %s\r\n") to write it.
// A cached API answer had 12 entries, a quarter of the server's user-space work per request.
// The library writes each entry as "name: value\r\n", so an entry whose value continues with
// "\r\nName: value" puts those fields on the wire exactly as separate entries would.
// Response::set_header() refuses CR and LF so that client data cannot do this; a HeaderLines
// is built only from our own names and values, and refuses CR, LF, ':' and spaces in names
// and CR and LF in values itself. The library sees only the first field's name: fields it reads
// (Content-Type, Content-Length, Connection) must not be folded in.
#include <string>
#include <string_view>

#include <httplib.h>

namespace vt132::server {

class HeaderLines {
 public:
  // Throws std::invalid_argument for a name or value that could not stand on its own line.
  HeaderLines& add(std::string_view name, std::string_view value);

  // Adds the fields to `res` as one entry (none when nothing was added).
  void set_in(httplib::Response& res) const {
    if (!name_.empty()) res.headers.emplace(name_, value_);
  }

 private:
  std::string name_;
  std::string value_;
};

}  // namespace vt132::server
