#include <doctest/doctest.h>

#include <cstring>
#include <string>
#include <vector>

#include "vt132/core/boot/bootloader.hpp"
#include "vt132/core/boot/ota_select.hpp"
#include "vt132/core/boot/slot_writer.hpp"
#include "vt132/core/partition_table.hpp"
#include "vt132/host/image_builder.hpp"

namespace boot = vt132::core::boot;
using vt132::core::port::kFlashSectorSize;

namespace {

// NOR flash in RAM: erase to 0xFF, writes may only clear bits.
struct RamFlash : vt132::core::port::Flash {
  std::vector<uint8_t> mem = std::vector<uint8_t>(4u << 20, 0xFF);
  int ops = 0;
  uint32_t size() const override { return static_cast<uint32_t>(mem.size()); }
  bool read(uint32_t a, void* out, size_t n) override {
    std::memcpy(out, mem.data() + a, n);
    return true;
  }
  bool erase_sector(uint32_t a) override {
    ++ops;
    std::memset(mem.data() + a, 0xFF, kFlashSectorSize);
    return true;
  }
  bool write(uint32_t a, const void* d, size_t n) override {
    ++ops;
    const auto* p = static_cast<const uint8_t*>(d);
    for (size_t i = 0; i < n; ++i) {
      if ((mem[a + i] & p[i]) != p[i]) return false;
      mem[a + i] = p[i];
    }
    return true;
  }
};

struct Efuse : vt132::core::port::SecureCounter {
  uint32_t value = 0;
  uint32_t floor() override { return value; }
  void raise_to(uint32_t v) override { value = v > value ? v : value; }
};

void put_entry(vt132::core::PartitionTable& t, const char* label, uint8_t type, uint8_t sub, uint32_t off,
               uint32_t size) {
  auto& e = t.entries[t.count++];
  e.type = type;
  e.subtype = sub;
  e.offset = off;
  e.size = size;
  std::strcpy(e.label, label);
}

std::vector<uint8_t> image(const std::string& version, uint32_t secure_version = 0) {
  vt132::host::ImageSpec spec;
  spec.version = version;
  spec.secure_version = secure_version;
  spec.segments = vt132::host::ImageSpec::vt132_like_segments(40 * 1024);
  return vt132::host::build_image(spec);
}

struct Board {
  RamFlash flash;
  Efuse efuse;
  boot::PartitionMap map;
  Board() {
    vt132::core::PartitionTable t;
    put_entry(t, "nvs", 1, 2, 0x9000, 0x5000);
    put_entry(t, "otadata", 1, 0, 0xe000, 0x2000);
    put_entry(t, "app0", 0, 0x10, 0x10000, 0x140000);
    put_entry(t, "app1", 0, 0x11, 0x150000, 0x140000);
    vt132::core::PartitionProblem problem;
    REQUIRE(vt132::core::serialize_partition_table(t, flash.mem.data() + 0x8000, vt132::core::kPartitionTableSize,
                                                   problem) == vt132::core::PartitionError::Ok);
    const auto v1 = image("V1.0.0");
    std::memcpy(flash.mem.data() + 0x10000, v1.data(), v1.size());
    REQUIRE(boot::read_partition_map(flash, map));
  }
  void install(int slot, const std::vector<uint8_t>& img) {
    uint8_t page[kFlashSectorSize];
    boot::SlotWriter w(flash, page);
    w.start(*map.ota_app(slot));
    REQUIRE(w.write(img.data(), img.size()));
    REQUIRE(w.flush());
    REQUIRE(boot::select_slot_for_boot(flash, *map.otadata(), slot, 2));
  }
  boot::BootResult boot_once() { return boot::run_bootloader(flash, map, efuse); }
};

}  // namespace

TEST_SUITE("bootloader") {
  TEST_CASE("blank otadata boots the first slot holding a valid image") {
    Board b;
    const auto r = b.boot_once();
    REQUIRE(r.booted);
    CHECK(r.slot == 0);
    CHECK(std::string(r.app.version) == "V1.0.0");
    CHECK(r.entry_sector == -1);
  }

  TEST_CASE("a new image boots pending verify and stays once confirmed") {
    Board b;
    b.install(1, image("V1.1.0"));
    auto r = b.boot_once();
    REQUIRE(r.booted);
    CHECK(r.slot == 1);
    CHECK(r.pending_verify);
    REQUIRE(boot::confirm_app(b.flash, b.map, r, b.efuse));
    r = b.boot_once();
    CHECK(r.slot == 1);
    CHECK_FALSE(r.pending_verify);
  }

  TEST_CASE("a reset before the new image confirms itself rolls back to the old slot") {
    Board b;
    b.install(1, image("V1.1.0"));
    CHECK(b.boot_once().pending_verify);
    const auto r = b.boot_once();  // never confirmed
    CHECK(r.slot == 0);
    CHECK(r.rolled_back);
    CHECK(b.boot_once().slot == 0);
  }

  TEST_CASE("an image below the anti-rollback floor is refused") {
    Board b;
    b.efuse.value = 2;
    const auto old_fw = image("V1.0.0", 2);
    std::memcpy(b.flash.mem.data() + 0x10000, old_fw.data(), old_fw.size());
    b.install(1, image("V1.1.0", 1));
    const auto r = b.boot_once();
    CHECK(r.slot == 0);
    CHECK(r.rolled_back);
  }

  TEST_CASE("a selected slot whose image is damaged falls back") {
    Board b;
    b.install(1, image("V1.1.0"));
    b.flash.mem[0x150000 + 5000] ^= 0x01;  // writes only clear bits; tests may do anything
    const auto r = b.boot_once();
    CHECK(r.slot == 0);
  }

  TEST_CASE("a partition table with a wrong MD5 is not booted from") {
    Board b;
    b.flash.mem[0x8000 + 4 * 32 + 20] ^= 0xFF;
    boot::PartitionMap map;
    CHECK_FALSE(boot::read_partition_map(b.flash, map));
  }

  TEST_CASE("selecting a slot writes the sector that does not hold the active entry") {
    Board b;
    b.install(1, image("V1.1.0"));
    boot::OtaSelect sel;
    REQUIRE(boot::read_ota_select(b.flash, *b.map.otadata(), sel));
    CHECK(sel.active() == 0);
    CHECK(sel.sector[0].ota_seq == 2);
    b.install(0, image("V1.2.0"));
    REQUIRE(boot::read_ota_select(b.flash, *b.map.otadata(), sel));
    CHECK(sel.active() == 1);
    CHECK(sel.sector[1].ota_seq == 3);
    CHECK(sel.sector[0].ota_seq == 2);  // the previous selection is still intact
  }
}
