// The in-process power-cut sweep, in the MCUboot simulator's style: the core's own update,
// boot and confirm code runs on a RAM flash (tests/support/ram_flash.hpp says what a cut
// erase or write leaves), and power is cut at every one of its erases and writes in turn.
// After each cut the board must boot a whole image (the old or the new one, never none,
// never a torn one), and installing the same image again must then complete, boot the new
// version and confirm it. The sim-level sweep (tests/integration/sim/test_power_cut.cpp)
// does the same through the real process.
//
// Speed: the image checks (SHA-256 of the whole image at end, set_boot and every boot) are
// nearly all the time. So the image being installed is release-sized and the old one is
// small, and a retried install whose state just before end() (every flash byte, the eFuse,
// what the bootloader told the app) is identical to one already run to completion is not
// checked again: the code is deterministic, so it would do the same. Its download and
// flash writes still run. VT132_POWER_CUT_SWEEP_FULL=1 runs every retry to completion.
#include <doctest/doctest.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "../support/ram_board.hpp"
#include "vt132/core/boot/flash_ota_slots.hpp"
#include "vt132/core/delta/patch_applier.hpp"
#include "vt132/host/delta_encoder.hpp"

namespace boot = vt132::core::boot;
using vt132::core::port::Slot;
using vt132::core::port::SlotError;
using vt132::test::app_image;
using vt132::test::RamBoard;
using vt132::test::RamFlash;

namespace {

constexpr uint32_t kReleaseSize = 1100 * 1024;  // a real VT132 release image is about 1.1 MB
constexpr uint32_t kOldSize = 96 * 1024;
constexpr size_t kChunk = 1460;  // what one TCP segment of a download brings

// Everything the rest of a retried install depends on, once its writes are done.
struct RetryState {
  std::vector<uint32_t> sectors;  // changed since the snapshot, and their bytes
  std::vector<uint8_t> bytes;
  uint32_t efuse = 0;
  int slot = -1;
  int entry_sector = -1;
  uint32_t entry_seq = 0;

  bool operator==(const RetryState& o) const {
    return sectors == o.sectors && efuse == o.efuse && slot == o.slot && entry_sector == o.entry_sector &&
           entry_seq == o.entry_seq && bytes == o.bytes;
  }
};

struct Sweep {
  RamBoard board;
  std::vector<uint8_t> old_image;
  std::vector<uint8_t> new_image;
  boot::BootResult factory_boot;
  std::vector<RetryState> completed;  // retries run to the end that passed
  bool reuse = std::getenv("VT132_POWER_CUT_SWEEP_FULL") == nullptr;

  Sweep(std::vector<uint8_t> old_img, std::vector<uint8_t> new_img)
      : board(old_img), old_image(std::move(old_img)), new_image(std::move(new_img)) {
    factory_boot = board.boot();
    REQUIRE(factory_boot.booted);
    boot::FlashOtaSlots slots(board.flash, board.table, board.efuse, factory_boot);
    REQUIRE(slots.mark_running_valid() == SlotError::Ok);
  }

  std::vector<uint8_t> patch;  // when set: installed by patch while the old image runs

  // As the OTA handle applies a patch: base bytes read from the running slot, result bytes
  // through the slot writer.
  struct PatchCtx {
    boot::FlashOtaSlots* slots;
    Slot running;
  };
  static bool read_base(void* ctx, uint32_t off, uint8_t* buf, size_t len) {
    auto& c = *static_cast<PatchCtx*>(ctx);
    return c.slots->read(c.running, off, buf, len);
  }
  static bool write_result(void* ctx, const uint8_t* data, size_t len) {
    return static_cast<PatchCtx*>(ctx)->slots->write(data, len) == SlotError::Ok;
  }
  bool running_old(boot::FlashOtaSlots& slots) {
    std::vector<uint8_t> running(old_image.size());
    return slots.read(slots.running(), 0, running.data(), running.size()) && running == old_image;
  }
  bool apply_patch(boot::FlashOtaSlots& slots) {
    PatchCtx ctx{&slots, slots.running()};
    auto applier = std::make_unique<vt132::core::delta::PatchApplier>();
    const vt132::core::delta::BaseIdentity base{static_cast<uint32_t>(old_image.size()),
                                                vt132::core::Sha256::of(old_image.data(), old_image.size())};
    applier->begin({read_base, write_result, &ctx}, ctx.running.size, slots.next_update().size, &base);
    for (size_t at = 0, taken = 0; at < patch.size() || applier->busy(); at += taken) {
      const size_t n = patch.size() - at < kChunk ? patch.size() - at : kChunk;
      if (applier->feed(patch.data() + at, n, taken) != vt132::core::delta::PatchError::Ok) return false;
    }
    return applier->finish() == vt132::core::delta::PatchError::Ok;
  }

  // begin, then the image in download-sized chunks (or rebuilt from the patch while the old
  // image runs, as a device does); false at the first failure.
  bool download(boot::FlashOtaSlots& slots) {
    if (slots.begin(slots.next_update(), new_image.size()) != SlotError::Ok) return false;
    if (!patch.empty() && running_old(slots)) {
      if (apply_patch(slots)) return true;
      slots.abort();
      return false;
    }
    for (size_t at = 0; at < new_image.size(); at += kChunk) {
      const size_t n = new_image.size() - at < kChunk ? new_image.size() - at : kChunk;
      if (slots.write(new_image.data() + at, n) != SlotError::Ok) {
        slots.abort();
        return false;
      }
    }
    return true;
  }
  bool finish(boot::FlashOtaSlots& slots) {
    const Slot next = slots.next_update();
    return slots.end() == SlotError::Ok && slots.set_boot(next) == SlotError::Ok;
  }

  // The update as the device runs it, from the factory board: install, reset into the new
  // image, which confirms itself. Stops where the power does.
  void update() {
    boot::FlashOtaSlots slots(board.flash, board.table, board.efuse, factory_boot);
    if (!download(slots) || !finish(slots)) return;
    const boot::BootResult next = board.boot();
    if (!next.booted || board.flash.power_cut()) return;
    boot::FlashOtaSlots after(board.flash, board.table, board.efuse, next);
    after.mark_running_valid();
  }

  // The version in the booted slot, if the slot holds the old or the new image byte for byte.
  std::string whole_image(const boot::BootResult& r) {
    for (const auto* img : {&old_image, &new_image}) {
      if (std::memcmp(board.flash.bytes().data() + r.partition->offset, img->data(), img->size()) == 0) {
        return r.app.version;
      }
    }
    return "a torn image";
  }

  RetryState state_now(const boot::BootResult& r) {
    RetryState s;
    s.sectors = board.flash.changed_sectors();
    for (const uint32_t sector : s.sectors) {
      const uint8_t* p = board.flash.bytes().data() + sector * RamFlash::kSector;
      s.bytes.insert(s.bytes.end(), p, p + RamFlash::kSector);
    }
    s.efuse = board.efuse.value;
    s.slot = r.slot;
    s.entry_sector = r.entry_sector;
    s.entry_seq = r.entry_seq;
    return s;
  }

  // After a reset that booted `r`: the app confirms itself and the same install is tried
  // again; it must complete, boot the new image and confirm it. True when it ran to the end
  // (false: an identical retry already had).
  bool retry(const boot::BootResult& r) {
    boot::FlashOtaSlots slots(board.flash, board.table, board.efuse, r);
    REQUIRE(slots.mark_running_valid() == SlotError::Ok);
    REQUIRE(download(slots));
    RetryState state = state_now(r);
    if (reuse) {
      for (const RetryState& done : completed) {
        if (done == state) return false;
      }
    }
    REQUIRE(finish(slots));
    const boot::BootResult again = board.boot();
    REQUIRE(again.booted);
    CHECK(whole_image(again) == "V1.1.0");
    CHECK(again.pending_verify);
    boot::FlashOtaSlots confirmed(board.flash, board.table, board.efuse, again);
    REQUIRE(confirmed.mark_running_valid() == SlotError::Ok);
    CHECK(confirmed.boot().index == again.slot);
    CHECK(board.boot().slot == again.slot);
    completed.push_back(std::move(state));
    return true;
  }
};

// Cuts the power at each flash operation of s.update() in turn; after each, the board must
// boot the old or the new image whole, and installing again must complete.
void sweep_every_operation(Sweep& s, const char* what) {
    const auto base = s.board.flash.snapshot();

    // Uncut, for the operation count and the end state.
    const uint64_t before = s.board.flash.operations();
    s.update();
    const uint64_t total = s.board.flash.operations() - before;
    const auto done = s.board.boot();
    REQUIRE(done.booted);
    CHECK(s.whole_image(done) == "V1.1.0");
    CHECK_FALSE(done.pending_verify);
    REQUIRE(total > 2 * s.new_image.size() / RamFlash::kSector);

    int booted_old = 0;
    int booted_new = 0;
    int retries_run = 0;
    const auto start = std::chrono::steady_clock::now();
    for (uint64_t n = 1; n <= total; ++n) {
      CAPTURE(n);
      s.board.flash.restore(base);
      s.board.flash.cut_at(n);
      s.update();
      REQUIRE(s.board.flash.power_cut());

      // Reset on the flash as the cut left it.
      s.board.flash.power_on();
      const boot::BootResult r = s.board.boot();
      REQUIRE(r.booted);
      const std::string version = s.whole_image(r);
      CHECK((version == "V1.0.0" || version == "V1.1.0"));
      (version == "V1.0.0" ? booted_old : booted_new)++;

      if (s.retry(r)) ++retries_run;
    }
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start);
    MESSAGE("power-cut sweep (" << std::string(what) << "): " << total << " flash operations (install, boot, confirm) of a " << s.new_image.size()
                                << "-byte image cut one at a time in " << ms.count() << " ms; after the cut the old "
                                << "image booted " << booted_old << " times, the new one " << booted_new << "; "
                                << retries_run << " distinct retries run to the end");
}

}  // namespace

TEST_SUITE("power_cut_sweep") {
  TEST_CASE("a power cut at any flash operation of install, boot and confirm leaves a bootable board, "
            "and installing again then completes") {
    Sweep s(app_image("V1.0.0", 0, kOldSize), app_image("V1.1.0", 0, kReleaseSize));
    REQUIRE(s.new_image.size() > 1000 * 1000);
    sweep_every_operation(s, "full image");
  }

  TEST_CASE("a power cut at any flash operation of an install by delta patch leaves a bootable board, "
            "and installing again then completes") {
    auto old_image = app_image("V1.0.0", 0, 200 * 1024);
    vt132::host::NextReleaseSpec next;
    next.version = "V1.1.0";
    auto new_image = vt132::host::build_next_release(old_image, next);
    Sweep s(std::move(old_image), std::move(new_image));
    s.patch = vt132::host::make_patch(s.old_image, s.new_image);
    REQUIRE(s.patch.size() * 10 < s.new_image.size());
    sweep_every_operation(s, "delta patch");
  }
}
