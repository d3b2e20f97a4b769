#include "vt132/core/ota/ota_update.hpp"

#include <cstdio>
#include <cstring>

#include "http_errors.hpp"
#include "vt132/core/delta/patch_applier.hpp"
#include "vt132/core/manifest.hpp"

namespace vt132::core {
namespace {

constexpr size_t kMaxSignature = 80;  // DER ECDSA P-256 is at most 72 bytes
// Header, first segment header and app descriptor: all begin() needs to judge an image.
constexpr size_t kImageHead = kAppDescOffset + kAppDescSize;
static_assert(kMaxPatchAssets == kMaxManifestPatches, "a release holds as many patches as its manifest lists");

// The OtaResult of `e` (InProgress included, which is not a failure).
OtaResult answer(UpdateError e) {
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

OtaResult image_error(ImageError e) {
  switch (e) {
    case ImageError::Ok: return OtaResult{};
    case ImageError::Truncated:
    case ImageError::SegmentOverrunsFile: return answer(UpdateError::Truncated);
    case ImageError::TooLarge: return answer(UpdateError::TooLarge);
    case ImageError::WrongChip: return answer(UpdateError::WrongChip);
    case ImageError::ChecksumMismatch: return answer(UpdateError::ChecksumMismatch);
    case ImageError::Sha256Mismatch: return answer(UpdateError::Sha256Mismatch);
    default: return answer(UpdateError::BadImage);
  }
}

// Failures another connection would meet again: the certificate, the URL, an answer that
// is not HTTP we accept, a redirect to plain HTTP, and the transfer's rate floor and deadline.
bool retry_cannot_help(HttpError e) {
  return e == HttpError::Tls || e == HttpError::BadUrl || e == HttpError::Protocol ||
         e == HttpError::TooManyRedirects || e == HttpError::Insecure || e == HttpError::TooSlow;
}

bool config_ok(const OtaConfig& c) {
  return (c.query || c.url) && c.image_asset_name && c.rx_buffer_size >= OtaConfig::kMinRxBuffer &&
         c.rx_buffer_size <= OtaConfig::kMaxRxBuffer && c.max_resumes >= 0;
}

}  // namespace

// Everything one update needs between begin and finish, in one heap block.
struct OtaUpdate::Work {
  Work(const OtaPorts& ports, const OtaConfig& c, const port::Slot& s, uint8_t* rx, size_t rx_size)
      : owner_ports(ports), config(c), slot(s), guard(ports.clock, c.transfer), http(ports.net, ports.clock, c.timeout_ms, rx, rx_size),
        image(slot_policy(s)) {
    http.set_guard(&guard);
    if (c.user_agent) {
      std::snprintf(user_agent, sizeof user_agent, "%s", c.user_agent);
      http.set_user_agent(user_agent);
    }
  }
  const OtaPorts& owner_ports;  // the handle's own, which outlives the work: for the applier's callbacks
  OtaConfig config;  // its url, query and user_agent pointers are not used after begin
  char user_agent[kMaxUserAgent + 1] = {};  // the config's, for every request of the update
  OtaQuery query;
  port::Slot slot;
  port::Slot running_slot;
  AppDescriptor running;
  TransferGuard guard;  // restarted for each file with its size
  HttpClient http;
  ImageStream image;    // also hashes the whole file in the same pass (info().file_sha256)
  const char* url = nullptr;  // what is downloaded: query.image_url, or a patch's URL
  size_t limit = 0;     // the download is cut off here: the manifest's size, or the slot's
  size_t image_limit = 0;  // the image is refused past this: the manifest's size, or the slot's
  size_t total = 0;     // what total_size() reports
  size_t fetched = 0;   // bytes of the download received (the image's, or the patch's)
  size_t written = 0;   // bytes handed to the slot
  size_t skip = 0;      // bytes a server that ignored Range sends again before new ones
  bool connected = false;
  int resumes = 0;
  uint32_t reconnect_at_ms = 0;  // a resume connects no earlier than this
  OtaResult dropped;             // why the connection ended, reported if resuming fails
  uint8_t head[kImageHead];
  char manifest_text[kMaxManifestSize + 1];
  size_t manifest_len = 0;
  uint8_t signature[kMaxSignature];
  size_t signature_len = 0;
  Manifest manifest;
  bool have_manifest = false;
  // Install by patch (docs/delta.md): the download is the patch, the applier's output the image.
  const ManifestPatch* patch = nullptr;  // the manifest's entry while installing by patch
  char patch_url[kMaxAssetUrl + 1] = {};
  delta::BaseIdentity base;              // the running image as the manifest's patch list names it
  Sha256 patch_hash;                     // of the patch bytes downloaded
  OtaResult result_error;                // why the last result write was refused
  // Its own heap block (kPatchApplierStateSize), taken only for an install by patch.
  delta::PatchApplier* applier = nullptr;
  // What the applier has not taken yet of the last read (in the receive buffer, which the
  // connection leaves alone until the next read): later performs give it this, not the network.
  const uint8_t* patch_rest = nullptr;
  size_t patch_rest_len = 0;
};

const size_t OtaUpdate::kWorkBytes = sizeof(OtaUpdate::Work);

namespace {

using Work = OtaUpdate::Work;

// GETs a small asset whole into out: up to cap bytes, BadManifest when there are more.
OtaResult fetch_small(Work& w, const char* url, uint8_t* out, size_t cap, size_t& len) {
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
    if (full) return answer(UpdateError::BadManifest);
    len += static_cast<size_t>(n);
  }
  w.http.close();
  return OtaResult{};
}

// docs/manifest.md "What a device checks": steps 1-5, before any flash is touched.
OtaResult check_manifest(const OtaPorts& ports, Work& w) {
  const OtaQuery& q = w.query;
  const bool need_signature = ports.verifier != nullptr;
  if (!q.manifest_url[0]) return answer(need_signature ? UpdateError::Signature : UpdateError::Ok);
  OtaResult r = fetch_small(w, q.manifest_url, reinterpret_cast<uint8_t*>(w.manifest_text), kMaxManifestSize,
                            w.manifest_len);
  if (!r.ok()) return r;
  if (need_signature) {
    if (!q.signature_url[0]) return answer(UpdateError::Signature);
    r = fetch_small(w, q.signature_url, w.signature, sizeof w.signature, w.signature_len);
    if (r.error == UpdateError::BadManifest) return answer(UpdateError::Signature);
    if (!r.ok()) return r;
    const Sha256Digest digest = Sha256::of(reinterpret_cast<const uint8_t*>(w.manifest_text), w.manifest_len);
    if (!ports.verifier->verify(digest, w.signature, w.signature_len)) return answer(UpdateError::Signature);
  }
  if (parse_manifest(w.manifest_text, w.manifest_len, w.manifest) != ManifestError::Ok) {
    return answer(UpdateError::BadManifest);
  }
  w.have_manifest = true;
  const Manifest& m = w.manifest;
  if (std::strcmp(m.project, w.running.project_name) != 0) return answer(UpdateError::WrongProject);
  if (std::strcmp(m.chip, chip_name(kChipEsp32)) != 0) return answer(UpdateError::WrongChip);
  // A manifest describes one asset; one naming another is from another release (mix and match).
  if (std::strcmp(m.image, w.config.image_asset_name) != 0) return answer(UpdateError::BadManifest);
  const int64_t now = ports.clock.unix_time();
  if (now != 0 && m.expires <= now) return answer(UpdateError::Expired);
  if (m.secure_version < ports.efuse.floor()) return answer(UpdateError::OlderThanAllowed);
  if (m.size > w.slot.size) return answer(UpdateError::TooLarge);
  Version mv;
  if (parse_version(m.version, mv) != VersionError::Ok || compare_versions(mv, q.version) != 0 ||
      mv.text() != q.version.text()) {
    return answer(UpdateError::VersionMismatch);
  }
  return OtaResult{};
}

// GETs the download (image or patch) from byte `have` on; the response must continue exactly there.
OtaResult open_download(Work& w, size_t have) {
  HttpResponse resp;
  const HttpError he = w.http.get(w.url, have, resp);
  if (he != HttpError::Ok) return ota_error_from_http(he);
  if (resp.status != 200 && resp.status != 206) return ota_http_status(resp.status);
  if (resp.status == 206 && resp.range_start != static_cast<int64_t>(have)) return answer(UpdateError::BadResponse);
  const uint64_t announced =
      resp.content_length < 0 ? 0 : static_cast<uint64_t>(resp.content_length) + (resp.status == 206 ? have : 0);
  if (announced > w.limit) return answer(UpdateError::TooLarge);
  if (w.total == 0) w.total = static_cast<size_t>(announced);
  // A server that ignores Range sends everything again: skip what is already written.
  w.skip = resp.status == 200 ? have : 0;
  w.connected = true;
  return OtaResult{};
}

// Checks the next bytes of the image as early as they allow: structure, chip, the floor.
OtaResult check_stream(const OtaPorts& ports, Work& w, const uint8_t* data, size_t n) {
  if (n > w.image_limit - w.image.bytes_seen()) return answer(UpdateError::TooLarge);
  const ImageError e = w.image.feed(data, n);
  // Structural problems and a wrong chip are final now; checksum and hash wait for the end.
  if (e != ImageError::Ok && (is_structural(e) || e == ImageError::WrongChip)) return image_error(e);
  const ImageInfo& info = w.image.info();
  if (info.has_app_desc && info.app.secure_version < ports.efuse.floor()) {
    return answer(UpdateError::OlderThanAllowed);
  }
  return OtaResult{};
}

OtaResult check_project(const Work& w) {
  const ImageInfo& info = w.image.info();
  if (info.has_app_desc && std::strcmp(info.app.project_name, w.running.project_name) != 0) {
    return answer(UpdateError::WrongProject);
  }
  return OtaResult{};
}

// Reads the image's head (header and app descriptor) into w.head and judges it.
OtaResult read_head(const OtaPorts& ports, Work& w) {
  size_t len = 0;
  while (!w.image.info().has_app_desc) {
    const size_t want = sizeof w.head - len;
    if (want == 0) return answer(UpdateError::BadImage);
    const int n = w.http.read_body(w.head + len, want);
    if (n < 0) return ota_error_from_http(w.http.last_error());
    if (n == 0) return answer(UpdateError::Truncated);
    const OtaResult r = check_stream(ports, w, w.head + len, static_cast<size_t>(n));
    if (!r.ok()) return r;
    len += static_cast<size_t>(n);
  }
  // The project is known now: a foreign image is refused before its first byte is written.
  return check_project(w);
}

void report_progress(const Work& w, size_t before) {
  if (!w.config.on_progress) return;
  for (size_t d = before / kProgressStep; d < w.written / kProgressStep; ++d) w.config.on_progress(w.config.progress_user);
}

OtaResult write_slot(const OtaPorts& ports, Work& w, const uint8_t* data, size_t n) {
  if (ports.slots.write(data, n) != port::SlotError::Ok) return answer(UpdateError::Flash);
  const size_t before = w.written;
  w.written += n;
  report_progress(w, before);
  return OtaResult{};
}

// docs/manifest.md step 6 on the bytes as they streamed by; verify_stored repeats the hash
// on the bytes as they are in flash.
OtaResult verify_streamed(Work& w) {
  const ImageError e = w.image.finish();
  if (e != ImageError::Ok && is_structural(e)) return image_error(e);  // short or malformed
  const ImageInfo& info = w.image.info();
  const Sha256Digest streamed = info.file_sha256;  // set by finish() for a whole image
  // The signed hash speaks first: it names tampering whatever the image's own checks say.
  if (w.have_manifest && (w.written != w.manifest.size || streamed != w.manifest.sha256)) {
    return answer(UpdateError::Sha256Mismatch);
  }
  if (e != ImageError::Ok) return image_error(e);
  if (w.have_manifest && info.app.secure_version != w.manifest.secure_version) {
    return answer(UpdateError::VersionMismatch);
  }
  Version v;
  if (parse_version(info.app.version, v) != VersionError::Ok || compare_versions(v, w.query.version) != 0) {
    return answer(UpdateError::VersionMismatch);
  }
  return OtaResult{};
}

// The bytes in flash are what boots: hash them again as they read back, through `buf`.
OtaResult verify_stored(const OtaPorts& ports, const Work& w, uint8_t* buf, size_t cap) {
  Sha256 stored;
  for (size_t pos = 0; pos < w.written;) {
    const size_t n = w.written - pos < cap ? w.written - pos : cap;
    if (!ports.slots.read(w.slot, static_cast<uint32_t>(pos), buf, n)) return answer(UpdateError::Flash);
    stored.update(buf, n);
    pos += n;
  }
  if (stored.finish() != w.image.info().file_sha256) return answer(UpdateError::Flash);
  return OtaResult{};
}

UpdateError slot_error(port::SlotError e) {
  return e == port::SlotError::TooLarge ? UpdateError::TooLarge : UpdateError::Flash;
}

// The full image's way in: connect, judge its head, open the slot and write the head.
OtaResult start_image(const OtaPorts& ports, Work& w) {
  w.url = w.query.image_url;
  w.limit = w.image_limit;
  // One deadline covers the whole download, resumes included.
  w.guard.start(w.limit);
  OtaResult r = open_download(w, 0);
  if (r.ok()) r = read_head(ports, w);
  if (!r.ok()) return r;
  const port::SlotError se = ports.slots.begin(w.slot, w.limit);
  if (se != port::SlotError::Ok) return answer(slot_error(se));
  r = write_slot(ports, w, w.head, w.image.bytes_seen());
  if (!r.ok()) ports.slots.abort();
  w.fetched = w.written;
  return r;
}

// The size and SHA-256 of the running image, as the manifest's patch list names a base: the
// whole image file, appended hash included, without the erased flash after it. One pass over
// the running slot through the receive buffer (1.1 MB of flash for a VT132 image: the one
// long step of a begin that may install by patch, documented in docs/delta.md). w.image is
// borrowed to find where the image ends and is reset afterwards.
bool hash_running(const OtaPorts& ports, Work& w, uint8_t* buf, size_t cap) {
  ImagePolicy policy;
  policy.max_size = w.running_slot.size;
  w.image = ImageStream(policy);
  Sha256 file;
  size_t pos = 0;
  while (w.image.stage() != ImageStage::Done) {
    if (pos == w.running_slot.size) return false;
    const size_t n = w.running_slot.size - pos < cap ? w.running_slot.size - pos : cap;
    if (!ports.slots.read(w.running_slot, static_cast<uint32_t>(pos), buf, n)) return false;
    const ImageError e = w.image.feed(buf, n);
    if (e != ImageError::Ok && is_structural(e)) return false;
    // The last read runs past the image into erased flash: only the image's bytes count.
    const bool done = w.image.stage() == ImageStage::Done;
    file.update(buf, done ? w.image.info().image_size - pos : n);
    pos += n;
  }
  w.base.size = static_cast<uint32_t>(w.image.info().image_size);
  w.base.sha256 = file.finish();
  w.image = ImageStream(slot_policy(w.slot));
  return true;
}

// The asset `name` next to the image: the image URL with its last path segment replaced.
bool sibling_url(const char* image_url, const char* name, char* out, size_t cap) {
  const char* slash = std::strrchr(image_url, '/');
  if (!slash) return false;
  const size_t dir = static_cast<size_t>(slash - image_url) + 1;
  const size_t len = std::strlen(name);
  if (dir + len >= cap) return false;
  std::memcpy(out, image_url, dir);
  std::memcpy(out + dir, name, len + 1);
  return true;
}

// Whether the release holds the patch the signed manifest lists for the running image; if so
// w.patch and w.patch_url name it.
bool find_patch(const OtaPorts& ports, Work& w, uint8_t* buf, size_t cap) {
  if (!w.have_manifest || w.manifest.patch_count == 0 || w.query.patch_count == 0) return false;
  if (!hash_running(ports, w, buf, cap)) return false;
  const ManifestPatch* patch = w.manifest.patch_for(w.base.sha256);
  if (!patch) return false;
  for (size_t i = 0; i < w.query.patch_count; ++i) {
    if (std::strcmp(w.query.patch_names[i], patch->asset) == 0 &&
        sibling_url(w.query.image_url, patch->asset, w.patch_url, sizeof w.patch_url)) {
      w.patch = patch;
      return true;
    }
  }
  return false;
}

bool read_base(void* ctx, uint32_t offset, uint8_t* buf, size_t len) {
  Work& w = *static_cast<Work*>(ctx);
  return w.owner_ports.slots.read(w.running_slot, offset, buf, len);
}

// The applier's output is the image: the same checks and the same slot writer as a download.
bool write_result(void* ctx, const uint8_t* data, size_t len) {
  Work& w = *static_cast<Work*>(ctx);
  OtaResult r = check_stream(w.owner_ports, w, data, len);
  if (r.ok()) r = check_project(w);
  if (r.ok()) r = write_slot(w.owner_ports, w, data, len);
  w.result_error = r;
  return r.ok();
}

// The patch's way in: connect, open the slot for the result and start the applier. Nothing
// is written before the applier has matched the patch's base to the running image.
OtaResult start_patch(const OtaPorts& ports, Work& w) {
  w.applier = ports.heap.make<delta::PatchApplier>();
  if (!w.applier) return answer(UpdateError::NoMemory);
  w.url = w.patch_url;
  w.limit = w.patch->size;
  w.guard.start(w.limit);
  OtaResult r = open_download(w, 0);
  if (!r.ok()) return r;
  const port::SlotError se = ports.slots.begin(w.slot, w.image_limit);
  if (se != port::SlotError::Ok) return answer(slot_error(se));
  const delta::PatchIo io{read_base, write_result, &w};
  w.applier->begin(io, w.running_slot.size, w.slot.size, &w.base);
  return OtaResult{};
}

// The patch arrived whole: its bytes are the signed ones and the applier's result is complete.
OtaResult finish_patch(Work& w) {
  if (w.fetched != w.patch->size || w.patch_hash.finish() != w.patch->sha256) return answer(UpdateError::Sha256Mismatch);
  if (w.applier->finish() != delta::PatchError::Ok) return answer(UpdateError::BadPatch);
  return OtaResult{};
}

// One bounded step of the applier (PatchApplier::kMaxResultPerFeed) over the rest of the last
// read; what it refused, said as an update error.
OtaResult step_patch(Work& w) {
  w.result_error = OtaResult{};
  size_t taken = 0;
  if (w.applier->feed(w.patch_rest, w.patch_rest_len, taken) != delta::PatchError::Ok) {
    return w.result_error.ok() ? answer(UpdateError::BadPatch) : w.result_error;
  }
  w.patch_rest += taken;
  w.patch_rest_len -= taken;
  return OtaResult{};
}

// A read of the patch: counted as received (the Range offset of a resume) and hashed whole,
// then applied as far as one step goes.
OtaResult feed_patch(Work& w, const uint8_t* data, size_t n) {
  if (n > w.limit - w.fetched) return answer(UpdateError::TooLarge);
  w.fetched += n;
  w.patch_hash.update(data, n);
  w.patch_rest = data;
  w.patch_rest_len = n;
  return step_patch(w);
}

}  // namespace

OtaUpdate::~OtaUpdate() {
  if (work_) abort();
}

void OtaUpdate::drop_patch() {
  ports_.heap.destroy(work_->applier);
  work_->applier = nullptr;
  work_->patch = nullptr;
  work_->patch_rest_len = 0;
}

void OtaUpdate::release() {
  if (work_) drop_patch();
  ports_.heap.destroy(work_);  // closes the connection
  ports_.heap.release(rx_, rx_size_);
  work_ = nullptr;
  rx_ = nullptr;
  rx_size_ = 0;
  state_ = State::Idle;
}

OtaResult OtaUpdate::begin(const OtaConfig& config) {
  if (state_ != State::Idle) return answer(UpdateError::InvalidState);
  if (!config_ok(config)) return answer(UpdateError::InvalidArgument);
  if (!config.query) {
    // The lookup first, with its own memory, so the two working sets never add up.
    Scoped<OtaQuery> found(ports_.heap);
    if (!found) return answer(UpdateError::NoMemory);
    const OtaResult r = ota_query(ports_, config, *found);
    if (!r.ok()) return r;
    OtaConfig with_query = config;
    with_query.query = &*found;
    return begin(with_query);
  }
  if (!config.query->valid) return answer(UpdateError::NoRelease);
  const port::Slot slot = ports_.slots.next_update();
  if (!slot.valid()) return answer(UpdateError::Flash);
  rx_ = static_cast<uint8_t*>(ports_.heap.allocate(config.rx_buffer_size));
  rx_size_ = rx_ ? config.rx_buffer_size : 0;
  work_ = rx_ ? ports_.heap.make<Work>(ports_, config, slot, rx_, rx_size_) : nullptr;
  if (!work_) {
    release();
    return answer(UpdateError::NoMemory);
  }
  Work& w = *work_;
  w.query = *config.query;
  w.running_slot = ports_.slots.running();
  OtaResult r = ports_.slots.describe(w.running_slot, w.running) ? OtaResult{} : answer(UpdateError::Flash);
  if (r.ok()) r = check_manifest(ports_, w);
  // The image is cut off at the manifest's size, or at the slot size without one.
  w.image_limit = w.have_manifest ? w.manifest.size : slot.size;
  w.total = w.have_manifest ? w.manifest.size : w.query.image_size;
  if (r.ok() && !w.have_manifest && w.query.image_size > slot.size) r = answer(UpdateError::TooLarge);
  // A patch for the running image is tried first; any failure of it means the full image.
  if (r.ok() && find_patch(ports_, w, rx_, rx_size_)) {
    const OtaResult pr = start_patch(ports_, w);
    if (pr.ok()) {
      state_ = State::Downloading;
      return pr;
    }
    r = fall_back(pr);
  } else if (r.ok()) {
    r = start_image(ports_, w);
  }
  if (!r.ok()) {
    release();
    return r;
  }
  state_ = State::Downloading;
  return r;
}

OtaResult OtaUpdate::fail(OtaResult r) {
  if (work_->patch) {
    r = fall_back(r);
    if (r.ok()) return answer(UpdateError::InProgress);
  }
  ports_.slots.abort();
  work_->http.close();
  state_ = State::Failed;
  return r;
}

// The patch failed: say why, drop what it wrote and start over with the full image, in the
// same update. Not again: the full image has no fallback.
OtaResult OtaUpdate::fall_back(OtaResult why) {
  Work& w = *work_;
  ports_.slots.abort();
  w.http.close();
  w.connected = false;
  drop_patch();
  if (w.config.on_patch_failed) {
    char reason[40];
    describe(why, reason, sizeof reason);
    w.config.on_patch_failed(w.config.progress_user, reason);
  }
  w.image = ImageStream(slot_policy(w.slot));
  w.written = 0;
  w.fetched = 0;
  w.skip = 0;
  w.resumes = 0;
  return start_image(ports_, w);
}

// The connection ended early: try again later with Range, unless another connection would
// fail the same way or the resumes are used up.
OtaResult OtaUpdate::resume_later(OtaResult r) {
  Work& w = *work_;
  if (retry_cannot_help(w.http.last_error())) return fail(r);
  w.http.close();
  w.connected = false;
  if (++w.resumes > w.config.max_resumes) return fail(r);
  w.dropped = r;
  w.reconnect_at_ms = ports_.clock.millis() + w.config.resume_backoff_ms * static_cast<uint32_t>(w.resumes);
  return answer(UpdateError::InProgress);
}

OtaResult OtaUpdate::reconnect() {
  Work& w = *work_;
  // Wrap-safe "now is before reconnect_at".
  if (static_cast<int32_t>(ports_.clock.millis() - w.reconnect_at_ms) < 0) return answer(UpdateError::InProgress);
  const OtaResult r = open_download(w, w.fetched);
  if (r.ok()) return answer(UpdateError::InProgress);
  // An answer that is not the image (a status, a wrong range) will not improve.
  return w.http.last_error() == HttpError::Ok ? fail(r) : resume_later(r);
}

// One read's worth of body: what a server that ignored Range repeats is skipped.
OtaResult OtaUpdate::take(const uint8_t* data, size_t n) {
  Work& w = *work_;
  const size_t off = w.skip < n ? w.skip : n;
  w.skip -= off;
  if (off == n) return answer(UpdateError::InProgress);
  if (w.patch) {
    const OtaResult r = feed_patch(w, data + off, n - off);
    return r.ok() ? answer(UpdateError::InProgress) : fail(r);
  }
  OtaResult r = check_stream(ports_, w, data + off, n - off);
  if (r.ok()) r = write_slot(ports_, w, data + off, n - off);
  if (r.ok()) w.fetched = w.written;
  return r.ok() ? answer(UpdateError::InProgress) : fail(r);
}

OtaResult OtaUpdate::perform() {
  if (state_ == State::Downloaded) return OtaResult{};
  if (state_ != State::Downloading) return answer(UpdateError::InvalidState);
  Work& w = *work_;
  if (w.patch && (w.patch_rest_len > 0 || w.applier->busy())) {
    const OtaResult r = step_patch(w);
    return r.ok() ? answer(UpdateError::InProgress) : fail(r);
  }
  if (!w.connected) return reconnect();
  const uint8_t* data = nullptr;
  const int n = w.http.take_body(data, rx_size_, w.config.net_wait_ms);
  if (n == HttpClient::kPending) return answer(UpdateError::InProgress);
  if (n > 0) return take(data, static_cast<size_t>(n));
  if (n < 0) return resume_later(ota_error_from_http(w.http.last_error()));
  // The body ended. Short of what was written before a resume, it is a truncated copy.
  if (w.skip > 0) return resume_later(answer(UpdateError::Truncated));
  w.http.close();
  if (w.patch) {
    const OtaResult r = finish_patch(w);
    if (!r.ok()) return fail(r);
    drop_patch();  // the image is in: from here on it is checked as any other
  }
  state_ = State::Downloaded;
  return OtaResult{};
}

OtaResult OtaUpdate::get_img_desc(AppDescriptor& out) const {
  if (!work_ || !work_->image.info().has_app_desc) return answer(UpdateError::InvalidState);
  out = work_->image.info().app;
  return OtaResult{};
}

size_t OtaUpdate::bytes_read() const { return work_ ? work_->written : 0; }

size_t OtaUpdate::total_size() const { return work_ ? work_->total : 0; }

OtaResult OtaUpdate::finish() {
  if (state_ != State::Downloaded) return answer(UpdateError::InvalidState);
  Work& w = *work_;
  OtaResult r = verify_streamed(w);
  if (!r.ok()) {
    ports_.slots.abort();
  } else if (ports_.slots.end() != port::SlotError::Ok) {
    // The stream checked out, so an image the slot refuses was damaged on its way into flash.
    r = answer(UpdateError::Flash);
  } else {
    // The connection is closed: its receive buffer serves the read-back.
    r = verify_stored(ports_, w, rx_, rx_size_);
    if (r.ok() && ports_.slots.set_boot(w.slot) != port::SlotError::Ok) r = answer(UpdateError::Flash);
  }
  release();
  return r;
}

OtaResult OtaUpdate::abort() {
  if (state_ == State::Idle) return answer(UpdateError::InvalidState);
  // A failed perform has closed the slot already; the old image and otadata were never touched.
  if (state_ != State::Failed) ports_.slots.abort();
  release();
  return OtaResult{};
}

}  // namespace vt132::core
