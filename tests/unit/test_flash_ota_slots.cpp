// port::OtaSlots semantics (ESP-IDF's esp_ota_ops, see port/ota_slots.hpp) as the host's
// FlashOtaSlots gives them, over a RAM flash that can fail at any operation.
#include <doctest/doctest.h>

#include <memory>
#include <string>
#include <vector>

#include "../support/ram_board.hpp"
#include "vt132/core/boot/flash_ota_slots.hpp"
#include "vt132/core/boot/ota_select.hpp"

namespace boot = vt132::core::boot;
using vt132::core::AppDescriptor;
using vt132::core::OtaState;
using vt132::core::make_ota_entry;
using vt132::core::port::Slot;
using vt132::core::port::SlotError;
using vt132::test::app_image;
using vt132::test::RamBoard;

namespace {

// A board that has booted, with the OTA slots its app sees.
struct Device {
  RamBoard board;
  boot::BootResult booted;
  std::unique_ptr<boot::FlashOtaSlots> slots;

  explicit Device(const std::vector<uint8_t>& app0) : board(app0) { reset(); }
  void reset() {
    board.flash.power_on();
    booted = board.boot();
    REQUIRE(booted.booted);
    slots = std::make_unique<boot::FlashOtaSlots>(board.flash, board.table, board.efuse, booted);
  }
  std::string running_version() {
    AppDescriptor app;
    REQUIRE(slots->describe(slots->running(), app));
    return app.version;
  }
  // begin / write in 1000-byte pieces / end.
  SlotError write_image(const Slot& slot, const std::vector<uint8_t>& img) {
    SlotError e = slots->begin(slot, img.size());
    if (e != SlotError::Ok) return e;
    for (size_t at = 0; at < img.size(); at += 1000) {
      const size_t n = img.size() - at < 1000 ? img.size() - at : 1000;
      e = slots->write(img.data() + at, n);
      if (e != SlotError::Ok) {
        slots->abort();
        return e;
      }
    }
    return slots->end();
  }
  void install(const std::vector<uint8_t>& img) {
    const Slot next = slots->next_update();
    REQUIRE(write_image(next, img) == SlotError::Ok);
    REQUIRE(slots->set_boot(next) == SlotError::Ok);
  }
};

}  // namespace

TEST_SUITE("flash_ota_slots") {
  TEST_CASE("running, boot and next_update name the slots as ESP-IDF does") {
    Device d(app_image("V1.0.0"));
    const Slot running = d.slots->running();
    CHECK(running.index == 0);
    CHECK(std::string(running.label) == "app0");
    CHECK(running.offset == 0x10000);
    CHECK(running.size == 0x140000);
    CHECK(d.slots->boot().index == 0);
    CHECK(d.slots->next_update().index == 1);
    d.install(app_image("V1.1.0"));
    CHECK(d.slots->boot().index == 1);
    CHECK(d.slots->running().index == 0);
    d.reset();
    CHECK(d.slots->running().index == 1);
    CHECK(d.slots->next_update().index == 0);
  }

  TEST_CASE("boot with no valid otadata entry is ota_0, as without a factory app") {
    RamBoard board(app_image("V1.0.0"));
    board.put(1, app_image("V1.1.0"));
    // The bootloader booted app1 (say app0 was damaged then) and could not record it.
    boot::BootResult booted;
    booted.booted = true;
    booted.slot = 1;
    boot::FlashOtaSlots slots(board.flash, board.table, board.efuse, booted);
    CHECK(slots.running().index == 1);
    CHECK(slots.boot().index == 0);
  }

  TEST_CASE("describe and read see a slot's image; a stale slot description is refused") {
    Device d(app_image("V1.0.0"));
    AppDescriptor app;
    REQUIRE(d.slots->describe(d.slots->running(), app));
    CHECK(std::string(app.version) == "V1.0.0");
    CHECK_FALSE(d.slots->describe(d.slots->next_update(), app));  // erased
    uint8_t magic = 0;
    REQUIRE(d.slots->read(d.slots->running(), 0, &magic, 1));
    CHECK(magic == 0xE9);
    uint8_t buf[8];
    CHECK_FALSE(d.slots->read(d.slots->running(), 0x140000 - 4, buf, sizeof buf));
    CHECK(d.slots->read(d.slots->running(), 0x140000 - 8, buf, sizeof buf));
    Slot wrong = d.slots->running();
    wrong.size += 0x1000;
    CHECK_FALSE(d.slots->read(wrong, 0, buf, 1));
    CHECK_FALSE(d.slots->describe(wrong, app));
    CHECK(d.slots->begin(Slot{}, 0) == SlotError::NoSlot);
  }

  TEST_CASE("begin refuses the running slot, a second update, an image too large, and a pending image") {
    Device d(app_image("V1.0.0"));
    CHECK(d.slots->begin(d.slots->running(), 0) == SlotError::NoSlot);
    CHECK(d.slots->begin(d.slots->next_update(), 0x140001) == SlotError::TooLarge);
    REQUIRE(d.slots->begin(d.slots->next_update(), 0) == SlotError::Ok);
    CHECK(d.slots->begin(d.slots->next_update(), 0) == SlotError::Busy);
    d.slots->abort();
    CHECK(d.slots->begin(d.slots->next_update(), 0) == SlotError::Ok);
    d.slots->abort();

    d.install(app_image("V1.1.0"));
    d.reset();
    REQUIRE(d.slots->running_pending_verify());
    // Until the new image confirms itself, the old one is what rollback needs.
    CHECK(d.slots->begin(d.slots->next_update(), 0) == SlotError::Busy);
    REQUIRE(d.slots->mark_running_valid() == SlotError::Ok);
    CHECK(d.slots->begin(d.slots->next_update(), 0) == SlotError::Ok);
  }

  TEST_CASE("write needs an open update and stays within the slot") {
    Device d(app_image("V1.0.0"));
    const uint8_t byte = 0xE9;
    CHECK(d.slots->write(&byte, 1) == SlotError::Busy);
    CHECK(d.slots->end() == SlotError::Busy);
    REQUIRE(d.slots->begin(d.slots->next_update(), 0) == SlotError::Ok);
    std::vector<uint8_t> big(0x140000, 0x00);
    REQUIRE(d.slots->write(big.data(), big.size() - 1) == SlotError::Ok);
    CHECK(d.slots->write(big.data(), 2) == SlotError::TooLarge);
    CHECK(d.slots->write(big.data(), 1) == SlotError::Ok);  // the refused write took nothing
  }

  TEST_CASE("end checks the image as written to flash and closes the update either way") {
    Device d(app_image("V1.0.0"));
    const auto img = app_image("V1.1.0");
    const Slot next = d.slots->next_update();
    REQUIRE(d.slots->begin(next, img.size()) == SlotError::Ok);
    REQUIRE(d.slots->write(img.data(), img.size() - 1) == SlotError::Ok);  // one byte short
    CHECK(d.slots->end() == SlotError::InvalidImage);
    CHECK(d.slots->write(img.data(), 1) == SlotError::Busy);  // closed
    CHECK(d.slots->end() == SlotError::Busy);
    CHECK(d.write_image(next, img) == SlotError::Ok);
    AppDescriptor app;
    REQUIRE(d.slots->describe(next, app));
    CHECK(std::string(app.version) == "V1.1.0");
    // end() does not select the slot.
    CHECK(d.slots->boot().index == 0);
  }

  TEST_CASE("end refuses an image below the anti-rollback floor") {
    Device d(app_image("V1.0.0", 2));
    d.board.efuse.value = 2;
    CHECK(d.write_image(d.slots->next_update(), app_image("V1.1.0", 1)) == SlotError::InvalidImage);
    CHECK(d.write_image(d.slots->next_update(), app_image("V1.1.0", 2)) == SlotError::Ok);
  }

  TEST_CASE("a failed flash write fails the update: later writes and end fail too") {
    Device d(app_image("V1.0.0"));
    const auto img = app_image("V1.1.0");
    REQUIRE(d.slots->begin(d.slots->next_update(), img.size()) == SlotError::Ok);
    d.board.flash.cut_at(3);  // the second sector's erase
    CHECK(d.slots->write(img.data(), 3 * 4096) == SlotError::Flash);
    d.board.flash.power_on();
    CHECK(d.slots->write(img.data() + 3 * 4096, 4096) == SlotError::Flash);
    CHECK(d.slots->end() == SlotError::Flash);
    // A new update starts clean.
    CHECK(d.write_image(d.slots->next_update(), img) == SlotError::Ok);
  }

  TEST_CASE("a failed flash write in end's last sector fails end") {
    Device d(app_image("V1.0.0"));
    const auto img = app_image("V1.1.0");
    REQUIRE(img.size() % 4096 != 0);
    REQUIRE(d.slots->begin(d.slots->next_update(), img.size()) == SlotError::Ok);
    REQUIRE(d.slots->write(img.data(), img.size()) == SlotError::Ok);
    d.board.flash.cut_at(1);
    CHECK(d.slots->end() == SlotError::Flash);
  }

  TEST_CASE("abort drops the update; the slot can be written again") {
    Device d(app_image("V1.0.0"));
    const auto img = app_image("V1.1.0");
    REQUIRE(d.slots->begin(d.slots->next_update(), img.size()) == SlotError::Ok);
    REQUIRE(d.slots->write(img.data(), 5000) == SlotError::Ok);
    d.slots->abort();
    CHECK(d.slots->write(img.data(), 1) == SlotError::Busy);
    d.slots->abort();  // nothing open: no effect
    CHECK(d.write_image(d.slots->next_update(), img) == SlotError::Ok);
  }

  TEST_CASE("set_boot checks the image again and writes otadata") {
    Device d(app_image("V1.0.0"));
    const Slot next = d.slots->next_update();
    CHECK(d.slots->set_boot(next) == SlotError::InvalidImage);  // erased
    CHECK(d.slots->set_boot(Slot{}) == SlotError::NoSlot);
    REQUIRE(d.write_image(next, app_image("V1.1.0")) == SlotError::Ok);
    d.board.flash.cut_at(1);
    CHECK(d.slots->set_boot(next) == SlotError::Flash);
    d.board.flash.power_on();
    CHECK(d.slots->boot().index == 0);  // the cut write left the old selection
    REQUIRE(d.slots->set_boot(next) == SlotError::Ok);
    CHECK(d.slots->boot().index == 1);
    d.reset();
    CHECK(d.running_version() == "V1.1.0");
  }

  TEST_CASE("mark_running_valid confirms a pending image, raises the floor, and writes nothing otherwise") {
    Device d(app_image("V1.0.0"));
    CHECK_FALSE(d.slots->running_pending_verify());
    uint64_t ops = d.board.flash.operations();
    CHECK(d.slots->mark_running_valid() == SlotError::Ok);
    CHECK(d.board.flash.operations() == ops);

    d.install(app_image("V1.1.0", 4));
    d.reset();
    REQUIRE(d.slots->running_pending_verify());
    d.board.flash.cut_at(1);
    CHECK(d.slots->mark_running_valid() == SlotError::Flash);
    CHECK(d.slots->running_pending_verify());
    CHECK(d.board.efuse.value == 0);
    d.board.flash.power_on();
    CHECK(d.slots->mark_running_valid() == SlotError::Ok);
    CHECK_FALSE(d.slots->running_pending_verify());
    CHECK(d.board.efuse.value == 4);
    ops = d.board.flash.operations();
    CHECK(d.slots->mark_running_valid() == SlotError::Ok);
    CHECK(d.board.flash.operations() == ops);
    d.reset();
    CHECK(d.running_version() == "V1.1.0");
    CHECK_FALSE(d.slots->running_pending_verify());
  }

  TEST_CASE("rollback retires a pending image so the previous one boots") {
    Device d(app_image("V1.0.0"));
    CHECK(d.slots->rollback() == SlotError::NotPending);
    d.install(app_image("V1.1.0"));
    d.reset();
    REQUIRE(d.slots->running_pending_verify());
    d.board.flash.cut_at(2);
    CHECK(d.slots->rollback() == SlotError::Flash);
    d.board.flash.power_on();
    REQUIRE(d.slots->rollback() == SlotError::Ok);
    CHECK_FALSE(d.slots->running_pending_verify());
    CHECK(d.slots->rollback() == SlotError::NotPending);
    CHECK(d.slots->boot().index == 0);
    d.reset();
    CHECK(d.running_version() == "V1.0.0");
    d.reset();
    CHECK(d.running_version() == "V1.0.0");
  }

  TEST_CASE("rollback is refused when no other slot holds a bootable image") {
    Device d(app_image("V1.0.0"));
    d.install(app_image("V1.1.0"));
    d.reset();
    REQUIRE(d.slots->running_pending_verify());
    // The old image is gone (say the flash wore out under it).
    const std::vector<uint8_t> zeros(4096, 0);
    d.board.flash.put(0x10000, zeros.data(), zeros.size());
    CHECK(d.slots->rollback() == SlotError::NoSlot);
    CHECK(d.slots->running_pending_verify());
  }
}
