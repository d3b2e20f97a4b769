#include "vt132/host/patch_apply.hpp"

#include <cstring>
#include <memory>
#include <string>

#include "vt132/core/delta/patch_applier.hpp"
#include "vt132/host/error.hpp"

namespace vt132::host {
namespace delta = vt132::core::delta;

namespace {

struct Buffers {
  const std::vector<uint8_t>* base;
  std::vector<uint8_t>* result;
};

bool read_base(void* ctx, uint32_t offset, uint8_t* buf, size_t len) {
  const auto* b = static_cast<Buffers*>(ctx)->base;
  if (offset > b->size() || len > b->size() - offset) return false;
  std::memcpy(buf, b->data() + offset, len);
  return true;
}

bool write_result(void* ctx, const uint8_t* data, size_t len) {
  auto* r = static_cast<Buffers*>(ctx)->result;
  r->insert(r->end(), data, data + len);
  return true;
}

[[noreturn]] void refuse(delta::PatchError e, const delta::PatchApplier& applier) {
  throw Error(std::string("patch refused: ") + delta::describe(e) + " (after " +
              std::to_string(applier.patch_bytes_seen()) + " patch bytes, " +
              std::to_string(applier.result_written()) + " result bytes)");
}

}  // namespace

std::vector<uint8_t> apply_patch(const std::vector<uint8_t>& base, const std::vector<uint8_t>& patch) {
  // A download arrives in pieces of this order of size; the applier takes any.
  constexpr size_t kFeedChunk = 1460;
  std::vector<uint8_t> result;
  Buffers buffers{&base, &result};
  delta::PatchIo io;
  io.read_base = read_base;
  io.write_result = write_result;
  io.ctx = &buffers;
  auto applier = std::make_unique<delta::PatchApplier>();
  applier->begin(io, static_cast<uint32_t>(std::min<size_t>(base.size(), UINT32_MAX)), delta::kMaxPatchImageSize);
  for (size_t at = 0; at < patch.size(); at += kFeedChunk) {
    const size_t n = std::min(kFeedChunk, patch.size() - at);
    // The applier's per-call bound matters on a device, not here: call until the chunk is in.
    for (size_t done = 0, taken = 0; done < n || applier->busy(); done += taken) {
      const delta::PatchError e = applier->feed(patch.data() + at + done, n - done, taken);
      if (e != delta::PatchError::Ok) refuse(e, *applier);
    }
  }
  const delta::PatchError e = applier->finish();
  if (e != delta::PatchError::Ok) refuse(e, *applier);
  return result;
}

}  // namespace vt132::host
