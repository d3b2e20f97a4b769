#include <cstring>

#include "http_errors.hpp"
#include "vt132/core/ota/ota_client.hpp"

namespace vt132::core {
namespace {

// A release document is tens of KB: GitHub caps a release's notes at 125,000 characters,
// and the list endpoint (read only for prereleases) pages 30 releases. Past this it is not
// a document we can use, and reading on would let the server keep the modem busy forever.
constexpr uint64_t kMaxReleaseDocument = 1024 * 1024;

struct QueryWork {
  QueryWork(const OtaPorts& ports, const OtaConfig& c)
      : heap(ports.heap), guard(ports.clock, c.transfer), http(ports.net, ports.clock, c.timeout_ms, rx, sizeof rx),
        scanner(c.image_asset_name, c.allow_prerelease) {
    http.set_guard(&guard);
    http.set_user_agent(c.user_agent);
  }
  CountingAllocator& heap;
  uint8_t rx[1024];  // what one network read takes: a document is read through, not kept
  TransferGuard guard;
  HttpClient http;
  ReleaseScanner scanner;
  uint8_t buf[512];
  uint64_t body_bytes = 0;  // read so far
};

OtaResult fail(UpdateError e) {
  OtaResult r;
  r.error = e;
  return r;
}

bool is_json_space(uint8_t c) { return c == ' ' || c == '\n' || c == '\r' || c == '\t'; }

// The next piece of the body into w.buf; n = 0 at its end.
OtaResult read_next(QueryWork& w, size_t& n) {
  const int got = w.http.read_body(w.buf, sizeof w.buf);
  if (got < 0) return ota_error_from_http(w.http.last_error());
  n = static_cast<size_t>(got);
  w.body_bytes += n;
  if (w.body_bytes > kMaxReleaseDocument) return fail(UpdateError::BadResponse);
  return OtaResult{};
}

// Reads the app descriptor from the start of an image body; w.buf holds the first n bytes.
OtaResult query_image(QueryWork& w, size_t n, OtaQuery& out) {
  ImagePolicy policy;
  policy.require_hash = false;  // only the start is read here; install checks the rest
  // On the heap, not the stack: an ImageStream is over 1 KiB.
  Scoped<ImageStream> stream(w.heap, policy);
  if (!stream) return fail(UpdateError::NoMemory);
  for (;;) {
    const ImageError e = stream->feed(w.buf, n);
    if (e != ImageError::Ok && e <= ImageError::TooLarge) return fail(UpdateError::BadImage);
    if (stream->info().has_app_desc) break;
    const OtaResult r = read_next(w, n);
    if (!r.ok()) return r;
    if (n == 0) return fail(UpdateError::Truncated);
  }
  if (parse_version(stream->info().app.version, out.version) != VersionError::Ok) {
    return fail(UpdateError::BadImage);
  }
  out.direct_image = true;
  std::memcpy(out.image_url, w.http.url(), std::strlen(w.http.url()) + 1);
  return OtaResult{};
}

UpdateError scan_error(ScanError e) {
  switch (e) {
    case ScanError::Ok: return UpdateError::Ok;
    case ScanError::NoRelease: return UpdateError::NoRelease;
    case ScanError::NoImage: return UpdateError::NoImage;
    default: return UpdateError::BadResponse;
  }
}

// http:// is allowed only for the direct-image path: a release document names the image
// and its manifest, so it and everything it points at must come over verified TLS.
// w.buf[from, n) is the first part of the document.
OtaResult query_json(QueryWork& w, size_t from, size_t n, OtaQuery& out) {
  if (!is_https(w.http.url())) return fail(UpdateError::Insecure);
  while (n > 0) {
    if (!w.scanner.feed(reinterpret_cast<const char*>(w.buf + from), n - from)) return fail(UpdateError::BadResponse);
    from = 0;
    const OtaResult r = read_next(w, n);
    if (!r.ok()) return r;
  }
  const UpdateError e = scan_error(w.scanner.finish());
  if (e != UpdateError::Ok) return fail(e);
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
  std::memcpy(out.patch_names, rel.patch_names, sizeof rel.patch_names);
  out.patch_count = rel.patch_count;
  return OtaResult{};
}

// Tells a release document from an image by its first significant byte. JSON may start
// with whitespace, even a whole read of it; an image starts with its magic byte.
OtaResult query_body(QueryWork& w, OtaQuery& out) {
  size_t n = 0;
  size_t start = 0;
  do {
    const OtaResult r = read_next(w, n);
    if (!r.ok()) return r;
    if (n == 0) return fail(UpdateError::BadResponse);  // empty, or whitespace only
    start = 0;
    while (start < n && is_json_space(w.buf[start])) ++start;
  } while (start == n);
  if (w.body_bytes == n && w.buf[0] == kImageMagic) return query_image(w, n, out);
  if (w.buf[start] == '{' || w.buf[start] == '[') return query_json(w, start, n, out);
  return fail(UpdateError::BadResponse);
}

}  // namespace

OtaResult ota_query(const OtaPorts& ports, const OtaConfig& config, OtaQuery& out) {
  out = OtaQuery{};
  if (!config.url) return fail(UpdateError::InvalidArgument);
  Scoped<QueryWork> w(ports.heap, ports, config);
  if (!w) return fail(UpdateError::NoMemory);
  w->guard.start(kMaxReleaseDocument);
  HttpResponse resp;
  const HttpError he = w->http.get(config.url, 0, resp);
  if (he != HttpError::Ok) return ota_error_from_http(he);
  if (resp.status != 200) return ota_http_status(resp.status);
  const OtaResult r = query_body(*w, out);
  out.valid = r.ok();
  return r;
}

}  // namespace vt132::core
