#pragma once
// http:// and https:// URLs as the update commands use them.
#include <cstddef>
#include <cstdint>

namespace vt132::core {

constexpr size_t kMaxHostLength = 253;
// Long enough for the signed storage URLs GitHub redirects asset downloads to.
constexpr size_t kMaxUrlLength = 1023;

struct Url {
  bool tls = false;
  char host[kMaxHostLength + 1] = {};
  uint16_t port = 0;
  const char* path = "/";  // points into the parsed text; "/" when the URL has none
};

// Accepts scheme://host[:port][/path], host as a name, IPv4 or [IPv6]. Case of the scheme
// is ignored. False for anything else (userinfo, empty host, bad port).
bool parse_url(const char* text, Url& out);

// True for a valid https:// URL. The update rule built on it: plain HTTP only where the user
// typed http:// for a direct image; a release document, the files it names, and anything an
// https request redirects to must be https.
bool is_https(const char* text);

}  // namespace vt132::core
