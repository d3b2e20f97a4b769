#include <cstring>

#include "http_errors.hpp"
#include "vt132/core/ota/ota_client.hpp"

namespace vt132::core {
namespace {

struct QueryWork {
  QueryWork(port::Network& net, uint32_t timeout_ms, const OtaOptions& o)
      : http(net, timeout_ms), scanner(o.image_asset_name, o.allow_prerelease) {}
  HttpClient http;
  ReleaseScanner scanner;
  uint8_t buf[512];
};

OtaResult fail(UpdateError e) {
  OtaResult r;
  r.error = e;
  return r;
}

// Reads the app descriptor from the start of an image body; `first` holds what was read.
OtaResult query_image(QueryWork& w, size_t first, OtaQuery& out) {
  ImagePolicy policy;
  policy.require_hash = false;  // only the start is read here; install checks the rest
  ImageStream stream(policy);
  size_t n = first;
  for (;;) {
    const ImageError e = stream.feed(w.buf, n);
    if (e != ImageError::Ok && e <= ImageError::TooLarge) return fail(UpdateError::BadImage);
    if (stream.info().has_app_desc) break;
    const int got = w.http.read_body(w.buf, sizeof w.buf);
    if (got <= 0) return fail(UpdateError::Truncated);
    n = static_cast<size_t>(got);
  }
  if (parse_version(stream.info().app.version, out.version) != VersionError::Ok) {
    return fail(UpdateError::BadImage);
  }
  out.direct_image = true;
  std::memcpy(out.image_url, w.http.url(), std::strlen(w.http.url()) + 1);
  return OtaResult{};
}

bool is_https(const char* url) {
  Url u;
  return parse_url(url, u) && u.tls;
}

// http:// is allowed only for the direct-image path: a release document names the image
// and its manifest, so it and everything it points at must come over verified TLS.
OtaResult query_json(QueryWork& w, size_t first, OtaQuery& out) {
  if (!is_https(w.http.url())) return fail(UpdateError::Insecure);
  size_t n = first;
  for (;;) {
    if (!w.scanner.feed(reinterpret_cast<const char*>(w.buf), n)) return fail(UpdateError::BadResponse);
    const int got = w.http.read_body(w.buf, sizeof w.buf);
    if (got < 0) return ota_error_from_http(w.http.last_error());
    if (got == 0) break;
    n = static_cast<size_t>(got);
  }
  const ScanError e = w.scanner.finish();
  if (e == ScanError::NoRelease) return fail(UpdateError::NoRelease);
  if (e != ScanError::Ok) return fail(UpdateError::BadResponse);
  const ReleaseInfo& rel = w.scanner.release();
  if (!is_https(rel.image.url) || (rel.manifest.found && !is_https(rel.manifest.url)) ||
      (rel.signature.found && !is_https(rel.signature.url))) {
    return fail(UpdateError::Insecure);
  }
  out.version = rel.version;
  out.direct_image = false;
  // The asset URL may be relative to nothing: it must itself be a full URL.
  std::memcpy(out.image_url, rel.image.url, sizeof rel.image.url);
  out.image_size = rel.image.size;
  if (rel.manifest.found) std::memcpy(out.manifest_url, rel.manifest.url, sizeof rel.manifest.url);
  if (rel.signature.found) std::memcpy(out.signature_url, rel.signature.url, sizeof rel.signature.url);
  return OtaResult{};
}

}  // namespace

OtaResult ota_query(const OtaPorts& ports, const char* url, const OtaOptions& options, OtaQuery& out) {
  out = OtaQuery{};
  Scoped<QueryWork> w(ports.heap, ports.net, options.timeout_ms, options);
  if (!w) return fail(UpdateError::NoMemory);
  HttpResponse resp;
  const HttpError he = w->http.get(url, 0, resp);
  if (he != HttpError::Ok) return ota_error_from_http(he);
  if (resp.status != 200) return ota_http_status(resp.status);
  int got = w->http.read_body(w->buf, sizeof w->buf);
  if (got < 0) return ota_error_from_http(w->http.last_error());
  size_t start = 0;
  while (start < static_cast<size_t>(got) && (w->buf[start] == ' ' || w->buf[start] == '\n' ||
                                              w->buf[start] == '\r' || w->buf[start] == '\t')) {
    ++start;
  }
  if (got == 0 || start == static_cast<size_t>(got)) return fail(UpdateError::BadResponse);
  OtaResult r;
  if (w->buf[0] == kImageMagic) r = query_image(*w, static_cast<size_t>(got), out);
  else if (w->buf[start] == '{' || w->buf[start] == '[') r = query_json(*w, static_cast<size_t>(got), out);
  else r = fail(UpdateError::BadResponse);
  out.valid = r.ok();
  return r;
}

}  // namespace vt132::core
