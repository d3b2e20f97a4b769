#pragma once
// The access log: one line per answered request on standard output, in the shape of the
// server's other log lines ("[2026-12-02 02:26:46.095] [info] access ..."), but formatted by the
// serving thread and written with one write(). Through spdlog each line took the console
// sink's process-wide mutex while it was formatted, written and flushed, so the serving
// threads waited for each other (strace under wrk -c32: 2.4 futex calls per request).
#include <string_view>

namespace vt132::server {

// Writes "[time] [info] " + `text` + "\n" when spdlog's level lets info lines through.
void write_access_line(std::string_view text);

}  // namespace vt132::server
