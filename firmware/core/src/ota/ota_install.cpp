#include <cstring>

#include "http_errors.hpp"
#include "vt132/core/manifest.hpp"
#include "vt132/core/ota/ota_client.hpp"

namespace vt132::core {
namespace {

constexpr size_t kMaxSignature = 80;  // DER ECDSA P-256 is at most 72 bytes

OtaResult fail(UpdateError e) {
  OtaResult r;
  r.error = e;
  return r;
}

ImagePolicy slot_policy(const port::Slot& slot) {
  ImagePolicy p;
  p.max_size = slot.size;
  p.expected_chip = kChipEsp32;
  return p;
}

// Everything one install needs, allocated once for the command.
struct InstallWork {
  InstallWork(const OtaPorts& ports, const OtaOptions& options, const port::Slot& slot)
      : guard(ports.clock, options.transfer), http(ports.net, options.timeout_ms), image(slot_policy(slot)) {
    http.set_guard(&guard);
  }
  TransferGuard guard;  // restarted for each file with its size
  HttpClient http;
  ImageStream image;  // also hashes the whole file in the same pass (info().file_sha256)
  size_t written = 0;  // bytes handed to the slot
  uint8_t buf[1024];
  char manifest_text[kMaxManifestSize + 1];
  size_t manifest_len = 0;
  uint8_t signature[kMaxSignature];
  size_t signature_len = 0;
  Manifest manifest;
  bool have_manifest = false;
};

// GETs a small asset whole into out: up to cap bytes, BadManifest when there are more.
OtaResult fetch_small(InstallWork& w, const char* url, uint8_t* out, size_t cap, size_t& len) {
  w.guard.start(cap);
  HttpResponse resp;
  const HttpError e = w.http.get(url, 0, resp);
  if (e != HttpError::Ok) return ota_error_from_http(e);
  if (resp.status != 200) return ota_http_status(resp.status);
  len = 0;
  for (;;) {
    // A full buffer is fine if the body ends there: one more byte says whether it does.
    uint8_t probe;
    const bool full = len == cap;
    const int n = full ? w.http.read_body(&probe, 1) : w.http.read_body(out + len, cap - len);
    if (n < 0) return ota_error_from_http(w.http.last_error());
    if (n == 0) break;
    if (full) return fail(UpdateError::BadManifest);
    len += static_cast<size_t>(n);
  }
  w.http.close();
  return OtaResult{};
}

// docs/manifest.md "What a device checks": steps 1-5, before any flash is touched.
OtaResult check_manifest(const OtaPorts& ports, const OtaQuery& q, InstallWork& w,
                         const port::Slot& slot, const AppDescriptor& running, const char* asset_name) {
  const bool need_signature = ports.verifier != nullptr;
  if (!q.manifest_url[0]) return fail(need_signature ? UpdateError::Signature : UpdateError::Ok);
  OtaResult r = fetch_small(w, q.manifest_url, reinterpret_cast<uint8_t*>(w.manifest_text), kMaxManifestSize,
                            w.manifest_len);
  if (!r.ok()) return r;
  if (need_signature) {
    if (!q.signature_url[0]) return fail(UpdateError::Signature);
    r = fetch_small(w, q.signature_url, w.signature, sizeof w.signature, w.signature_len);
    if (r.error == UpdateError::BadManifest) return fail(UpdateError::Signature);
    if (!r.ok()) return r;
    const Sha256Digest digest =
        Sha256::of(reinterpret_cast<const uint8_t*>(w.manifest_text), w.manifest_len);
    if (!ports.verifier->verify(digest, w.signature, w.signature_len)) return fail(UpdateError::Signature);
  }
  if (parse_manifest(w.manifest_text, w.manifest_len, w.manifest) != ManifestError::Ok) {
    return fail(UpdateError::BadManifest);
  }
  w.have_manifest = true;
  const Manifest& m = w.manifest;
  if (std::strcmp(m.project, running.project_name) != 0) return fail(UpdateError::WrongProject);
  if (std::strcmp(m.chip, chip_name(kChipEsp32)) != 0) return fail(UpdateError::WrongChip);
  // A manifest describes one asset; one naming another is from another release (mix and match).
  if (std::strcmp(m.image, asset_name) != 0) return fail(UpdateError::BadManifest);
  const int64_t now = ports.clock.unix_time();
  if (now != 0 && m.expires <= now) return fail(UpdateError::Expired);
  if (m.secure_version < ports.efuse.floor()) return fail(UpdateError::OlderThanAllowed);
  if (m.size > slot.size) return fail(UpdateError::TooLarge);
  Version mv;
  if (parse_version(m.version, mv) != VersionError::Ok || compare_versions(mv, q.version) != 0 ||
      mv.text() != q.version.text()) {
    return fail(UpdateError::VersionMismatch);
  }
  return OtaResult{};
}

OtaResult image_error(ImageError e) {
  switch (e) {
    case ImageError::Ok: return OtaResult{};
    case ImageError::Truncated:
    case ImageError::SegmentOverrunsFile: return fail(UpdateError::Truncated);
    case ImageError::TooLarge: return fail(UpdateError::TooLarge);
    case ImageError::WrongChip: return fail(UpdateError::WrongChip);
    case ImageError::ChecksumMismatch: return fail(UpdateError::ChecksumMismatch);
    case ImageError::Sha256Mismatch: return fail(UpdateError::Sha256Mismatch);
    default: return fail(UpdateError::BadImage);
  }
}

// Consumes one chunk of the download: image checks as early as the bytes allow, then flash.
OtaResult take_chunk(const OtaPorts& ports, InstallWork& w, const uint8_t* data, size_t n,
                     size_t limit, const OtaOptions& options) {
  if (n > limit - w.written) return fail(UpdateError::TooLarge);
  const ImageError e = w.image.feed(data, n);
  // Structural problems and a wrong chip are final now; checksum and hash wait for the end.
  if (e != ImageError::Ok && (e <= ImageError::TooLarge || e == ImageError::WrongChip)) return image_error(e);
  const ImageInfo& info = w.image.info();
  if (info.has_app_desc && info.app.secure_version < ports.efuse.floor()) {
    return fail(UpdateError::OlderThanAllowed);
  }
  const size_t before = w.written;
  if (ports.slots.write(data, n) != port::SlotError::Ok) return fail(UpdateError::Flash);
  w.written += n;
  if (options.on_progress) {
    for (size_t d = before / kProgressStep; d < w.written / kProgressStep; ++d) {
      options.on_progress(options.progress_user);
    }
  }
  return OtaResult{};
}

// Failures another connection would meet again: the certificate, the URL, an answer that
// is not HTTP we accept, a redirect to plain HTTP, and the transfer's rate floor and deadline.
bool retry_cannot_help(HttpError e) {
  return e == HttpError::Tls || e == HttpError::BadUrl || e == HttpError::Protocol ||
         e == HttpError::TooManyRedirects || e == HttpError::Insecure || e == HttpError::TooSlow;
}

// Streams the image in, resuming with Range after a dropped connection. One deadline
// covers the whole download, resumes included.
OtaResult download(const OtaPorts& ports, const OtaQuery& q, InstallWork& w, size_t limit,
                   const OtaOptions& options) {
  w.guard.start(limit);
  int resumes = 0;
  OtaResult last;
  for (;;) {
    const size_t have = w.written;
    HttpResponse resp;
    const HttpError he = w.http.get(q.image_url, have, resp);
    if (he == HttpError::Ok) {
      if (resp.status != 200 && resp.status != 206) return ota_http_status(resp.status);
      if (resp.status == 206 && resp.range_start != static_cast<int64_t>(have)) return fail(UpdateError::BadResponse);
      if (resp.content_length >= 0 &&
          static_cast<uint64_t>(resp.content_length) + (resp.status == 206 ? have : 0) > limit) {
        return fail(UpdateError::TooLarge);
      }
      // A server that ignores Range sends everything again: skip what is already written.
      size_t skip = resp.status == 200 ? have : 0;
      for (;;) {
        const int n = w.http.read_body(w.buf, sizeof w.buf);
        if (n == 0) {
          w.http.close();
          if (skip == 0) return OtaResult{};
          last = fail(UpdateError::Truncated);
          break;
        }
        if (n < 0) {
          last = ota_error_from_http(w.http.last_error());
          break;
        }
        size_t off = 0;
        if (skip) {
          off = skip < static_cast<size_t>(n) ? skip : static_cast<size_t>(n);
          skip -= off;
        }
        if (off < static_cast<size_t>(n)) {
          const OtaResult r = take_chunk(ports, w, w.buf + off, static_cast<size_t>(n) - off, limit, options);
          if (!r.ok()) return r;
        }
      }
    } else {
      last = ota_error_from_http(he);
    }
    if (retry_cannot_help(w.http.last_error())) return last;
    w.http.close();
    if (++resumes > options.max_resumes) return last;
    ports.clock.sleep_ms(200u * static_cast<uint32_t>(resumes));
  }
}

// docs/manifest.md step 6 on the bytes as they streamed by; verify_stored repeats the hash
// on the bytes as they are in flash.
OtaResult verify_streamed(const OtaQuery& q, InstallWork& w, const AppDescriptor& running) {
  const ImageError e = w.image.finish();
  if (e != ImageError::Ok && e <= ImageError::TooLarge) return image_error(e);  // short or malformed
  const Sha256Digest streamed = w.image.info().file_sha256;  // set by finish() for a whole image
  const size_t size = w.written;
  const ImageInfo& info = w.image.info();
  // The signed hash speaks first: it names tampering whatever the image's own checks say.
  if (w.have_manifest && (size != w.manifest.size || streamed != w.manifest.sha256)) {
    return fail(UpdateError::Sha256Mismatch);
  }
  if (e != ImageError::Ok) return image_error(e);
  if (w.have_manifest && info.app.secure_version != w.manifest.secure_version) {
    return fail(UpdateError::VersionMismatch);
  }
  Version v;
  if (parse_version(info.app.version, v) != VersionError::Ok || compare_versions(v, q.version) != 0) {
    return fail(UpdateError::VersionMismatch);
  }
  if (std::strcmp(info.app.project_name, running.project_name) != 0) return fail(UpdateError::WrongProject);
  return OtaResult{};
}

// The bytes in flash are what boots: hash them again as they read back.
OtaResult verify_stored(const OtaPorts& ports, InstallWork& w, const port::Slot& slot) {
  const Sha256Digest streamed = w.image.info().file_sha256;
  const size_t size = w.written;
  Sha256 stored;
  for (size_t pos = 0; pos < size;) {
    const size_t n = size - pos < sizeof w.buf ? size - pos : sizeof w.buf;
    if (!ports.slots.read(slot, static_cast<uint32_t>(pos), w.buf, n)) return fail(UpdateError::Flash);
    stored.update(w.buf, n);
    pos += n;
  }
  if (stored.finish() != streamed) return fail(UpdateError::Flash);
  return OtaResult{};
}

}  // namespace

OtaResult ota_install(const OtaPorts& ports, const OtaQuery& query, const port::Slot& slot,
                      const AppDescriptor& running, const OtaOptions& options) {
  if (!query.valid) return fail(UpdateError::NoRelease);
  if (!slot.valid()) return fail(UpdateError::Flash);
  Scoped<InstallWork> w(ports.heap, ports, options, slot);
  if (!w) return fail(UpdateError::NoMemory);
  OtaResult r = check_manifest(ports, query, *w, slot, running, options.image_asset_name);
  if (!r.ok()) return r;
  // The download is cut off at the manifest's size, or at the slot size without one.
  const size_t limit = w->have_manifest ? w->manifest.size : slot.size;
  if (!w->have_manifest && query.image_size > slot.size) return fail(UpdateError::TooLarge);
  if (ports.slots.begin(slot, limit) != port::SlotError::Ok) return fail(UpdateError::Flash);
  r = download(ports, query, *w, limit, options);
  if (r.ok()) r = verify_streamed(query, *w, running);
  if (!r.ok()) {
    ports.slots.abort();
    return r;
  }
  // The stream checked out, so an image the slot refuses was damaged on its way into flash.
  if (ports.slots.end() != port::SlotError::Ok) return fail(UpdateError::Flash);
  r = verify_stored(ports, *w, slot);
  if (!r.ok()) return r;
  if (ports.slots.set_boot(slot) != port::SlotError::Ok) return fail(UpdateError::Flash);
  return OtaResult{};
}

}  // namespace vt132::core
