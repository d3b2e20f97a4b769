#pragma once
// The access log: one line per answered request on standard output, in the shape of the
// server's other log lines ("[2026-12-02 02:26:46.095] [info] access ..."), but formatted by the
// serving thread and written with one write(). Through spdlog each line took the console
// sink's process-wide mutex while it was formatted, written and flushed, so the serving
// threads waited for each other (strace under wrk -c32: 2.4 futex calls per request).
#include <cstdint>
#include <string_view>

namespace vt132::server {

// One answered request. The strings come from the client: written as host::printable shows
// them, cut to a bounded length.
struct AccessEntry {
  std::string_view remote;
  std::string_view method;
  std::string_view path;
  int status = 0;
  uint64_t bytes = 0;
  double ms = 0;
  std::string_view user_agent;
};

// Writes "[time] [info] access REMOTE \"METHOD PATH\" STATUS BYTES 1.2ms \"USER-AGENT\"\n"
// when spdlog's level lets info lines through. The line is built in one buffer per thread
// (no formatting at run time: fmt's compiled formats), as it costs every request.
void write_access_line(const AccessEntry& entry);

}  // namespace vt132::server
