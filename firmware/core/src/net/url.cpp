#include "vt132/core/net/url.hpp"

#include <cstring>

namespace vt132::core {
namespace {

bool starts_with_nocase(const char* s, const char* prefix) {
  for (; *prefix; ++s, ++prefix) {
    const char c = (*s >= 'A' && *s <= 'Z') ? static_cast<char>(*s - 'A' + 'a') : *s;
    if (c != *prefix) return false;
  }
  return true;
}

bool host_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '.' || c == '_';
}

}  // namespace

bool parse_url(const char* text, Url& out) {
  const char* p = text;
  if (starts_with_nocase(p, "https://")) {
    out.tls = true;
    p += 8;
  } else if (starts_with_nocase(p, "http://")) {
    out.tls = false;
    p += 7;
  } else {
    return false;
  }
  size_t n = 0;
  if (*p == '[') {  // IPv6 literal, kept without brackets for the resolver
    ++p;
    while (*p && *p != ']') {
      const char c = *p++;
      if (!(host_char(c) || c == ':') || n >= kMaxHostLength) return false;
      out.host[n++] = c;
    }
    if (*p != ']') return false;
    ++p;
  } else {
    while (*p && *p != ':' && *p != '/' && *p != '?') {
      const char c = *p++;
      if (!host_char(c) || n >= kMaxHostLength) return false;
      out.host[n++] = c;
    }
  }
  if (n == 0) return false;
  out.host[n] = '\0';
  out.port = out.tls ? 443 : 80;
  if (*p == ':') {
    ++p;
    uint32_t port = 0;
    size_t digits = 0;
    while (*p >= '0' && *p <= '9') {
      port = port * 10 + static_cast<uint32_t>(*p++ - '0');
      if (++digits > 5 || port > 65535) return false;
    }
    if (digits == 0 || port == 0) return false;
    out.port = static_cast<uint16_t>(port);
  }
  if (*p != '\0' && *p != '/' && *p != '?') return false;
  out.path = *p == '/' ? p : "/";
  // A query without a path ("http://h?x") is rare enough to refuse rather than rewrite.
  if (*p == '?') return false;
  for (const char* q = p; *q; ++q) {
    if (static_cast<unsigned char>(*q) <= ' ' || static_cast<unsigned char>(*q) >= 0x7F) return false;
  }
  return true;
}

bool is_https(const char* text) {
  Url u;
  return parse_url(text, u) && u.tls;
}

}  // namespace vt132::core
