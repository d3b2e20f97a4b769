#include "vt132/host/hex.hpp"

namespace vt132::host {

namespace {
constexpr char kDigits[] = "0123456789abcdef";
}

std::string to_hex(const uint8_t* data, size_t size) {
  std::string out;
  out.reserve(size * 2);
  for (size_t i = 0; i < size; ++i) {
    out.push_back(kDigits[data[i] >> 4]);
    out.push_back(kDigits[data[i] & 0x0F]);
  }
  return out;
}

std::string printable(std::string_view raw) {
  std::string out;
  append_printable(out, raw);
  return out;
}

void append_printable(std::string& out, std::string_view raw) {
  out.reserve(out.size() + raw.size());
  for (const char c : raw) {
    const auto b = static_cast<unsigned char>(c);
    if (b >= 0x20 && b < 0x7F && b != '\\') {
      out.push_back(c);
    } else {
      out += "\\x";
      out.push_back(kDigits[b >> 4]);
      out.push_back(kDigits[b & 0x0F]);
    }
  }
}

}  // namespace vt132::host
