#pragma once
// Text forms of binary and untrusted values for reports and JSON.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace vt132::host {

std::string to_hex(const uint8_t* data, size_t size);

// Strings from an image are untrusted bytes: keep printable ASCII, show the rest as \xNN,
// so a report can never carry terminal escapes or invalid UTF-8.
std::string printable(std::string_view raw);
// The same, appended to `out` (a log line built in one buffer).
void append_printable(std::string& out, std::string_view raw);

}  // namespace vt132::host
