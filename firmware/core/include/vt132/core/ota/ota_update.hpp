#pragma once
// One OTA update as a handle, shaped like ESP-IDF's esp_https_ota so a caller can run it
// from its own loop and stay responsive:
//
//   esp_https_ota                          OtaUpdate
//   esp_https_ota_begin                    begin(config)
//   esp_https_ota_perform                  perform()       InProgress until the image is in
//   esp_https_ota_get_img_desc             get_img_desc()
//   esp_https_ota_get_image_len_read       bytes_read()
//   esp_https_ota_get_image_size           total_size()
//   esp_https_ota_finish                   finish()
//   esp_https_ota_abort                    abort()
//
// begin() does everything that can refuse an update before flash is touched: the release
// lookup (unless config.query holds one), the signed manifest, the image connection and the
// image's first 288 bytes (header and app descriptor: chip, size, anti-rollback floor and
// project). Only then does it open the slot (OtaSlots::begin) and write those bytes.
// perform() moves ONE network read (at most config.rx_buffer_size bytes) into the slot per
// call and waits for the network at most config.net_wait_ms; a dropped connection is
// resumed with Range by a later call, no earlier than the back-off allows (perform never
// sleeps). Opening a connection (connect, TLS handshake, response headers) is still one
// blocking step of up to config.timeout_ms per phase: begin's, and one perform per resume.
// finish() checks the whole stream against the manifest and the tag, closes the slot
// (OtaSlots::end), hashes the slot as it reads back and selects it for the next boot.
// abort() drops the slot (the old image and otadata are untouched) and the connection.
//
// Delta patches (docs/delta.md "Installing by patch"): when the signed manifest lists a patch
// for the running image and the release holds it, begin() downloads the patch instead of the
// image (after hashing the running image once, a pass over its slot) and perform() feeds it
// through the applier, whose output is checked and written as a downloaded image would be.
// One perform() writes at most PatchApplier::kMaxResultPerFeed (4 KiB) of result and reads
// about as much of the running slot: while a read's worth of patch makes more than that (one
// Copy may make the whole image), the next performs continue it before reading the network.
// Any failure of the patch falls back to the full image within the same update, once, and
// calls config.on_patch_failed with the reason.
//
// Each call answers an OtaResult saying what failed; calls out of order answer InvalidState
// and change nothing. A failed perform closes the slot and the connection at once (the
// handle then answers InvalidState until abort() releases it); a failed begin or finish
// has already released everything.
//
// Memory. Working memory is taken from ports.heap at begin and given back by finish(),
// abort() or the destructor: one block for the work state (kWorkBytes, sizeof measured in
// docs/architecture.md: 8.1 KiB on a 32-bit MCU) and one receive buffer of
// config.rx_buffer_size (1 KiB by default); an install by patch also takes the applier's
// 4,032 bytes while the patch is applied. A begin without a query also runs ota_query
// first, which holds its own ~6 KiB only for that lookup (plus a 1.8 KiB OtaQuery). The
// ImageStream, HttpClient and manifest all live in the work block, not on the stack, and
// nothing is static. Stack (-fstack-usage, 32-bit MCU, from Modem::poll down to the port):
// about 0.7 KiB of core frames for a perform, 1.7 KiB for begin; the largest single frame
// is HttpClient::request's 392 bytes. Details in docs/architecture.md "Memory on the device".
#include <cstddef>
#include <cstdint>

#include "vt132/core/ota/ota_client.hpp"

namespace vt132::core {

class OtaUpdate {
 public:
  explicit OtaUpdate(const OtaPorts& ports) : ports_(ports) {}
  ~OtaUpdate();
  OtaUpdate(const OtaUpdate&) = delete;
  OtaUpdate& operator=(const OtaUpdate&) = delete;

  // Into the slot after the running one (OtaSlots::next_update). Blocks for the lookups and
  // the connection; Ok means the slot is open and perform() may run.
  OtaResult begin(const OtaConfig& config);
  // InProgress: call again. Ok: the whole image is in the slot; call finish(). Anything
  // else: the update failed (slot and connection closed); call abort() to release it.
  OtaResult perform();
  // The new image's app descriptor, known from begin on.
  OtaResult get_img_desc(AppDescriptor& out) const;
  size_t bytes_read() const;
  // The image size the manifest, the server or the release names; 0 while none is known.
  size_t total_size() const;
  OtaResult finish();
  OtaResult abort();
  // From a successful begin until finish or abort.
  bool active() const { return work_ != nullptr; }

  struct Work;
  static const size_t kWorkBytes;  // sizeof(Work): the heap block besides the receive buffer

 private:
  enum class State : uint8_t { Idle, Downloading, Downloaded, Failed };

  OtaResult fail(OtaResult r);
  OtaResult fall_back(OtaResult why);
  void drop_patch();
  OtaResult resume_later(OtaResult r);
  OtaResult reconnect();
  OtaResult take(const uint8_t* data, size_t n);
  void release();

  OtaPorts ports_;
  State state_ = State::Idle;
  Work* work_ = nullptr;
  uint8_t* rx_ = nullptr;
  size_t rx_size_ = 0;
};

}  // namespace vt132::core
