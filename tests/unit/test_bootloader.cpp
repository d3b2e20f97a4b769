// The bootloader on flash: what run_bootloader adds to core decide_boot (whose rules
// test_otadata.cpp proves): reading the table and otadata, judging the images in flash,
// writing what the decision asks for, and what a failed write or read does.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "../support/ram_board.hpp"
#include "vt132/core/boot/ota_select.hpp"
#include "vt132/core/boot/slot_writer.hpp"

namespace boot = vt132::core::boot;
using vt132::core::OtaSelectEntry;
using vt132::core::OtaState;
using vt132::core::make_ota_entry;
using vt132::core::pick_boot_entry;
using vt132::core::state_value;
using vt132::test::app_image;
using vt132::test::RamBoard;

namespace {

boot::OtaSelect otadata(RamBoard& b) {
  boot::OtaSelect sel;
  REQUIRE(boot::read_ota_select(b.flash, *vt132::core::find_otadata(b.table), sel));
  return sel;
}

void put_entry(RamBoard& b, int sector, const OtaSelectEntry& e) {
  REQUIRE(boot::write_ota_entry(b.flash, *vt132::core::find_otadata(b.table), sector, e));
}

// Writes an image into a slot and selects it, as an update does.
void install(RamBoard& b, int slot, const std::vector<uint8_t>& img) {
  uint8_t page[vt132::core::port::kFlashSectorSize];
  boot::SlotWriter w(b.flash, page);
  w.start(b.slot(slot));
  REQUIRE(w.write(img.data(), img.size()));
  REQUIRE(w.flush());
  REQUIRE(boot::select_slot_for_boot(b.flash, *vt132::core::find_otadata(b.table), slot, 2));
}

// A board's flash whose otadata sectors refuse reads, or erases and writes, leaving them as
// they are.
struct FaultyOtadata : vt132::test::RamFlash {
  bool fail_reads = false;
  bool fail_changes = false;
  static bool in_otadata(uint32_t addr) { return addr >= 0xE000 && addr < 0x10000; }
  bool read(uint32_t addr, void* out, size_t len) override {
    return !(fail_reads && in_otadata(addr)) && RamFlash::read(addr, out, len);
  }
  bool erase_sector(uint32_t addr) override {
    return !(fail_changes && in_otadata(addr)) && RamFlash::erase_sector(addr);
  }
  bool write(uint32_t addr, const void* data, size_t len) override {
    return !(fail_changes && in_otadata(addr)) && RamFlash::write(addr, data, len);
  }
};

FaultyOtadata copy_of(const RamBoard& b) {
  FaultyOtadata flash;
  flash.put(0, b.flash.bytes().data(), b.flash.size());
  return flash;
}

}  // namespace

TEST_SUITE("bootloader") {
  TEST_CASE("a factory board boots app0 and records it in otadata") {
    RamBoard b(app_image("V1.0.0"));
    const auto r = b.boot();
    REQUIRE(r.booted);
    CHECK(r.slot == 0);
    CHECK(std::string(r.partition->label) == "app0");
    CHECK(std::string(r.app.version) == "V1.0.0");
    CHECK(r.entry_sector == 0);
    CHECK(otadata(b).sector[0] == make_ota_entry(1, OtaState::Valid));
    CHECK_FALSE(r.otadata_write_failed);
  }

  TEST_CASE("a new image boots pending verify; a reset before it confirms rolls back to the old slot") {
    RamBoard b(app_image("V1.0.0"));
    b.boot();
    install(b, 1, app_image("V1.1.0"));
    auto r = b.boot();
    CHECK(r.slot == 1);
    CHECK(r.pending_verify);
    CHECK(otadata(b).sector[r.entry_sector].ota_state == state_value(OtaState::PendingVerify));
    r = b.boot();  // never confirmed
    CHECK(r.slot == 0);
    CHECK(r.rolled_back);
    CHECK(std::string(r.app.version) == "V1.0.0");
    CHECK(b.boot().slot == 0);
  }

  TEST_CASE("an image below the anti-rollback floor is not booted") {
    RamBoard b(app_image("V1.0.0", 2));
    b.efuse.value = 2;
    b.boot();
    install(b, 1, app_image("V1.1.0", 1));
    const auto r = b.boot();
    CHECK(r.slot == 0);
    CHECK(r.rolled_back);
  }

  TEST_CASE("a selected slot whose image is damaged is not booted") {
    RamBoard b(app_image("V1.0.0"));
    b.boot();
    install(b, 1, app_image("V1.1.0"));
    const uint8_t flipped = b.flash.bytes()[0x150000 + 5000] ^ 0x01;
    b.flash.put(0x150000 + 5000, &flipped, 1);
    const auto r = b.boot();
    CHECK(r.slot == 0);
    CHECK(r.rolled_back);
  }

  TEST_CASE("booting a confirmed image raises the anti-rollback floor to its secure_version") {
    // The app confirms (VALID) and then raises the eFuse; a power cut between the two is
    // caught up by the bootloader.
    RamBoard b(app_image("V1.0.0"));
    b.boot();
    install(b, 1, app_image("V1.1.0", 3));
    const auto first = b.boot();
    put_entry(b, first.entry_sector, make_ota_entry(first.entry_seq, OtaState::Valid));
    CHECK(b.efuse.value == 0);
    CHECK(b.boot().slot == 1);
    CHECK(b.efuse.value == 3);
  }

  TEST_CASE("a failed abort write does not boot the image that never confirmed itself") {
    // Old image in app1, a new one pending in app0: when ABORTED cannot be written, a scan
    // from ota_0 must not start the unconfirmed image again.
    RamBoard b(app_image("V1.0.0"));
    b.put(1, app_image("V1.1.0"));
    put_entry(b, 0, make_ota_entry(2, OtaState::Valid));          // app1, confirmed
    put_entry(b, 1, make_ota_entry(3, OtaState::PendingVerify));  // app0, never confirmed
    FaultyOtadata flash = copy_of(b);
    flash.fail_changes = true;
    const auto r = boot::run_bootloader(flash, b.table, b.efuse);
    REQUIRE(r.booted);
    CHECK(r.slot == 1);
    CHECK(std::string(r.app.version) == "V1.1.0");
    CHECK(r.otadata_write_failed);
    CHECK_FALSE(r.pending_verify);
  }

  TEST_CASE("a failed PENDING_VERIFY write still boots the new image, which must confirm itself") {
    RamBoard b(app_image("V1.0.0"));
    b.boot();
    install(b, 1, app_image("V1.1.0"));
    b.flash.cut_at(1);
    const auto r = b.boot();
    REQUIRE(r.booted);
    CHECK(r.slot == 1);
    CHECK(r.pending_verify);
    CHECK(r.otadata_write_failed);
    // The cut erase destroyed the NEW entry: the next reset goes back to the old image.
    b.flash.power_on();
    CHECK(pick_boot_entry(otadata(b).sector).entry.ota_seq == 1);
    CHECK(b.boot().slot == 0);
  }

  TEST_CASE("unreadable otadata boots nothing, as the board's bootloader resets instead") {
    RamBoard b(app_image("V1.0.0"));
    b.boot();
    b.put(1, app_image("V1.1.0"));
    FaultyOtadata flash = copy_of(b);
    flash.fail_reads = true;
    CHECK_FALSE(boot::run_bootloader(flash, b.table, b.efuse).booted);
  }

  TEST_CASE("a partition table with a wrong MD5 is not booted from") {
    RamBoard b(app_image("V1.0.0"));
    const uint8_t flipped = b.flash.bytes()[0x8000 + 4 * 32 + 20] ^ 0xFF;
    b.flash.put(0x8000 + 4 * 32 + 20, &flipped, 1);
    vt132::core::PartitionTable table;
    CHECK_FALSE(boot::read_partition_table(b.flash, table));
    CHECK(table.count == 0);
  }

  TEST_CASE("selecting a slot writes the sector that does not hold the active entry") {
    RamBoard b(app_image("V1.0.0"));
    b.boot();  // seq 1, app0, in sector 0
    install(b, 1, app_image("V1.1.0"));
    auto sel = otadata(b);
    CHECK(pick_boot_entry(sel.sector).sector == 1);
    CHECK(sel.sector[1].ota_seq == 2);
    install(b, 0, app_image("V1.2.0"));
    sel = otadata(b);
    CHECK(pick_boot_entry(sel.sector).sector == 0);
    CHECK(sel.sector[0].ota_seq == 3);
    CHECK(sel.sector[1].ota_seq == 2);  // the previous selection is still intact
  }
}
