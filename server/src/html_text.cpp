#include "html_text.hpp"

#include <cstdio>

namespace vt132::server {

std::string html_escape(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

std::string human_size(uint64_t n) {
  char buf[32];
  if (n >= (1u << 20)) {
    std::snprintf(buf, sizeof buf, "%.2f MiB", static_cast<double>(n) / (1u << 20));
  } else if (n >= 1024) {
    std::snprintf(buf, sizeof buf, "%.1f KiB", static_cast<double>(n) / 1024);
  } else {
    std::snprintf(buf, sizeof buf, "%llu B", static_cast<unsigned long long>(n));
  }
  return buf;
}

std::string html_page_start(std::string_view title) {
  return "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>" + html_escape(title) +
         "</title>\n"
         "<style>body{font-family:sans-serif;max-width:60em;margin:auto;padding:1em}"
         "td,th{padding:.2em .8em;text-align:left}code{font-size:.8em}pre{white-space:pre-wrap}"
         ".banner{border:2px solid #b00;padding:.5em 1em;background:#fee}.unavailable{color:#b00}</style>"
         "</head><body>\n";
}

}  // namespace vt132::server
