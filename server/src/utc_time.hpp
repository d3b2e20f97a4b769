#pragma once
// Unix seconds as text in UTC, for JSON, HTTP headers and file names.
#include <cstdint>
#include <string>

namespace vt132::server {

// `format` is a strftime format; the result is at most 63 characters.
std::string format_utc(int64_t unix_seconds, const char* format);

// As GitHub prints times in JSON: 2026-01-02T03:04:05Z.
inline std::string iso8601(int64_t unix_seconds) { return format_utc(unix_seconds, "%Y-%m-%dT%H:%M:%SZ"); }

}  // namespace vt132::server
