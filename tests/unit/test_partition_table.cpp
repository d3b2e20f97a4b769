#include <doctest/doctest.h>

#include <cstring>
#include <string>
#include <vector>

#include "vt132/core/bytes.hpp"
#include "vt132/core/md5.hpp"
#include "vt132/core/partition_table.hpp"

using namespace vt132::core;

namespace {

PartitionEntry entry(uint8_t type, uint8_t subtype, uint32_t offset, uint32_t size,
                     const char* label, uint32_t flags = 0) {
  PartitionEntry e;
  e.type = type;
  e.subtype = subtype;
  e.offset = offset;
  e.size = size;
  REQUIRE(set_label(e, label));
  e.flags = flags;
  return e;
}

PartitionTable table_of(std::initializer_list<PartitionEntry> entries) {
  PartitionTable t;
  for (const PartitionEntry& e : entries) t.entries[t.count++] = e;
  return t;
}

std::vector<uint8_t> serialize(const PartitionTable& t) {
  std::vector<uint8_t> area(kPartitionTableSize);
  PartitionProblem p;
  REQUIRE(serialize_partition_table(t, area.data(), area.size(), p) == PartitionError::Ok);
  return area;
}

std::string message(const PartitionProblem& p) {
  char buf[256];
  format_partition_problem(p, buf, sizeof buf);
  return buf;
}

PartitionError parse(const std::vector<uint8_t>& area, PartitionTable& t, PartitionProblem& p,
                     const PartitionParseOptions& options = {}) {
  return parse_partition_table({area.data(), area.size()}, t, p, options);
}

// Re-seals the MD5 entry at `slot` after a test edited the entries before it.
void reseal(std::vector<uint8_t>& area, size_t slot) {
  const Md5Digest d = Md5::of(area.data(), slot * kPartitionEntrySize);
  std::memcpy(area.data() + slot * kPartitionEntrySize + 16, d.data(), d.size());
}

PartitionError validate(const PartitionTable& t, PartitionProblem& p, uint32_t flash = 0) {
  return validate_partition_table(t, flash, p);
}

std::string hex(const uint8_t* p, size_t n) {
  static const char* digits = "0123456789abcdef";
  std::string s;
  for (size_t i = 0; i < n; ++i) {
    s += digits[p[i] >> 4];
    s += digits[p[i] & 15];
  }
  return s;
}

}  // namespace

TEST_SUITE("partition_table") {
  TEST_CASE("VT132 default layout matches the modem spec and validates on 4 MiB") {
    const PartitionTable& t = vt132_default_partitions();
    REQUIRE(t.count == 5);
    CHECK(t.entries[0] == entry(kPartTypeData, kDataSubtypeNvs, 0x9000, 0x5000, "nvs"));
    CHECK(t.entries[1] == entry(kPartTypeData, kDataSubtypeOta, 0xE000, 0x2000, "otadata"));
    CHECK(t.entries[2] == entry(kPartTypeApp, 0x10, 0x10000, 0x140000, "app0"));
    CHECK(t.entries[3] == entry(kPartTypeApp, 0x11, 0x150000, 0x140000, "app1"));
    CHECK(t.entries[4] == entry(kPartTypeData, kDataSubtypeSpiffs, 0x290000, 0x170000, "spiffs"));
    PartitionProblem p;
    CHECK(validate(t, p, kVt132FlashSize) == PartitionError::Ok);
  }

  TEST_CASE("serialized default table has the ESP-IDF byte layout and MD5") {
    const std::vector<uint8_t> area = serialize(vt132_default_partitions());
    // Expected bytes computed independently (Python struct + hashlib).
    CHECK(hex(area.data(), 32) ==
          "aa50010200900000005000006e76730000000000000000000000000000000000");
    const uint8_t* md5_entry = area.data() + 5 * 32;
    CHECK(hex(md5_entry, 16) == "ebebffffffffffffffffffffffffffff");
    CHECK(hex(md5_entry + 16, 16) == "28f14c0945017760a107065db97a2507");
    for (size_t i = 6 * 32; i < kPartitionTableSize; ++i) REQUIRE(area[i] == 0xFF);
  }

  TEST_CASE("binary round trip returns the same table") {
    const PartitionTable& t = vt132_default_partitions();
    PartitionTable back;
    PartitionProblem p;
    REQUIRE(parse(serialize(t), back, p) == PartitionError::Ok);
    CHECK(back == t);
    CHECK(validate(back, p, kVt132FlashSize) == PartitionError::Ok);
  }

  TEST_CASE("a whole 4 KiB sector read from flash parses: bytes past 0xC00 are ignored") {
    std::vector<uint8_t> sector = serialize(vt132_default_partitions());
    sector.resize(0x1000, 0x00);  // not even 0xFF: beyond the table area nothing is read
    PartitionTable t;
    PartitionProblem p;
    CHECK(parse(sector, t, p) == PartitionError::Ok);
    CHECK(t == vt132_default_partitions());
  }

  TEST_CASE("MD5 mismatch is rejected") {
    std::vector<uint8_t> area = serialize(vt132_default_partitions());
    area[2 * 32 + 8] ^= 0x01;  // app0 size
    PartitionTable t;
    PartitionProblem p;
    CHECK(parse(area, t, p) == PartitionError::Md5Mismatch);
    CHECK(p.index == 5);
    CHECK(message(p) == "partition table MD5 mismatch (entry 5 at offset 0xa0)");
  }

  TEST_CASE("an entry with bad magic is reported with its index and offset") {
    std::vector<uint8_t> area = serialize(vt132_default_partitions());
    store_le16(area.data() + 2 * 32, 0x1234);
    PartitionTable t;
    PartitionProblem p;
    CHECK(parse(area, t, p) == PartitionError::BadMagic);
    CHECK(p.index == 2);
    CHECK(p.byte_offset == 0x40);
    CHECK(message(p) == "entry 2 has bad magic 0x1234 at offset 0x40");
  }

  TEST_CASE("parse leaves the output table untouched on failure") {
    std::vector<uint8_t> area = serialize(vt132_default_partitions());
    area[0] = 0;
    PartitionTable t = table_of({entry(kPartTypeData, 1, 0x9000, 0x1000, "keep")});
    PartitionProblem p;
    CHECK(parse(area, t, p) != PartitionError::Ok);
    CHECK(t.count == 1);
    CHECK(std::string(t.entries[0].label) == "keep");
  }

  TEST_CASE("a label with bytes after its NUL terminator is rejected") {
    std::vector<uint8_t> area = serialize(vt132_default_partitions());
    area[2 * 32 + 12 + 6] = 'x';  // "app0\0\0x..."
    reseal(area, 5);
    PartitionTable t;
    PartitionProblem p;
    CHECK(parse(area, t, p) == PartitionError::LabelGarbage);
    CHECK(p.index == 2);
    CHECK(message(p) == "entry 2 at offset 0x40: label \"app0\" has bytes after its terminating NUL");
  }

  TEST_CASE("a 16-character label fills the field without a NUL and is accepted") {
    PartitionTable t =
        table_of({entry(kPartTypeData, kDataSubtypeNvs, 0x9000, 0x1000, "sixteen_chars_ok")});
    const std::vector<uint8_t> area = serialize(t);
    CHECK(area[12 + 15] == 'k');
    PartitionTable back;
    PartitionProblem p;
    REQUIRE(parse(area, back, p) == PartitionError::Ok);
    CHECK(std::string(back.entries[0].label) == "sixteen_chars_ok");
    CHECK(back == t);
  }

  TEST_CASE("an MD5 entry whose padding is not 0xFF is rejected") {
    std::vector<uint8_t> area = serialize(vt132_default_partitions());
    area[5 * 32 + 4] = 0x00;
    PartitionTable t;
    PartitionProblem p;
    CHECK(parse(area, t, p) == PartitionError::BadMd5Entry);
    CHECK(p.byte_offset == 0xa0);
  }

  TEST_CASE("bytes after the MD5 entry must be erased") {
    std::vector<uint8_t> area = serialize(vt132_default_partitions());
    area[0x200] = 0x00;
    PartitionTable t;
    PartitionProblem p;
    CHECK(parse(area, t, p) == PartitionError::NotErased);
    CHECK(p.byte_offset == 0x200);
    CHECK(message(p) ==
          "byte 0x00 at offset 0x200 after the end of the partition table (expected 0xff)");
  }

  TEST_CASE("a table without an MD5 entry is rejected unless MD5 is optional") {
    // Decision: ESP-IDF can build tables with MD5 disabled, but its default bootloader
    // requires the entry; so do we, and a caller may opt out for such builds.
    std::vector<uint8_t> area = serialize(vt132_default_partitions());
    std::memset(area.data() + 5 * 32, 0xFF, 32);
    PartitionTable t;
    PartitionProblem p;
    CHECK(parse(area, t, p) == PartitionError::NoMd5);
    CHECK(message(p) == "partition table has no MD5 entry (entry 5 at offset 0xa0)");

    PartitionParseOptions lenient;
    lenient.require_md5 = false;
    REQUIRE(parse(area, t, p, lenient) == PartitionError::Ok);
    CHECK(t == vt132_default_partitions());

    area[5 * 32 + 20] = 0x00;  // the end marker itself must be erased too
    CHECK(parse(area, t, p, lenient) == PartitionError::NotErased);
  }

  TEST_CASE("95 partitions fit; a 96th entry is too many") {
    PartitionTable full;
    for (size_t i = 0; i < kMaxPartitions; ++i) {
      const std::string label = "p" + std::to_string(i);
      full.entries[i] = entry(kPartTypeData, 0x40, static_cast<uint32_t>(0x9000 + i * 0x1000),
                              0x1000, label.c_str());
    }
    full.count = kMaxPartitions;
    std::vector<uint8_t> area = serialize(full);
    PartitionTable back;
    PartitionProblem p;
    REQUIRE(parse(area, back, p) == PartitionError::Ok);
    CHECK(back == full);
    CHECK(validate(back, p) == PartitionError::Ok);

    // Overwrite the MD5 entry with a 96th partition: no room for the MD5 any more.
    std::memcpy(area.data() + 95 * 32, area.data(), 32);
    CHECK(parse(area, back, p) == PartitionError::TooManyEntries);
    CHECK(p.index == 95);

    PartitionTable over = full;
    over.count = kMaxPartitions + 1;
    std::vector<uint8_t> out(kPartitionTableSize);
    CHECK(serialize_partition_table(over, out.data(), out.size(), p) ==
          PartitionError::TooManyEntries);
    CHECK(validate(over, p) == PartitionError::TooManyEntries);
  }

  TEST_CASE("input shorter than the table is truncated, precisely") {
    const std::vector<uint8_t> area = serialize(vt132_default_partitions());
    PartitionTable t;
    PartitionProblem p;
    const std::vector<uint8_t> cut(area.begin(), area.begin() + 100);
    CHECK(parse(cut, t, p) == PartitionError::Truncated);
    CHECK(p.index == 3);
    CHECK(message(p) ==
          "partition table truncated: entry 3 at offset 0x60 needs 128 bytes, input has 100");
    CHECK(parse_partition_table({nullptr, 0}, t, p) == PartitionError::Truncated);
    // Ending right after the MD5 entry is enough.
    const std::vector<uint8_t> just(area.begin(), area.begin() + 6 * 32);
    CHECK(parse(just, t, p) == PartitionError::Ok);
  }

  TEST_CASE("overlapping partitions are named with their labels") {
    PartitionTable t = vt132_default_partitions();
    t.entries[3].offset = 0x140000;  // app1 starts inside app0
    PartitionProblem p;
    CHECK(validate(t, p) == PartitionError::Overlap);
    CHECK(p.index == 3);
    CHECK(p.other == 2);
    CHECK(message(p) == "partition 3 (\"app1\") overlaps partition 2 (\"app0\")");
  }

  TEST_CASE("adjacent partitions do not overlap") {
    PartitionTable t = table_of({entry(kPartTypeData, 2, 0x9000, 0x1000, "a"),
                                 entry(kPartTypeData, 2, 0xA000, 0x1000, "b")});
    PartitionProblem p;
    CHECK(validate(t, p) == PartitionError::Ok);
  }

  TEST_CASE("app offsets must be 64 KiB aligned, data offsets 4 KiB") {
    PartitionProblem p;
    PartitionTable t = vt132_default_partitions();
    t.entries[2].offset = 0x18000;
    CHECK(validate(t, p) == PartitionError::Misaligned);
    CHECK(message(p) == "partition 2 (\"app0\") offset 0x18000 is not a multiple of 0x10000");

    t = vt132_default_partitions();
    t.entries[0].offset = 0x9800;
    CHECK(validate(t, p) == PartitionError::Misaligned);
    CHECK(p.expected == 0x1000);

    t = vt132_default_partitions();
    t.entries[4].offset = 0x291000;  // data: 4 KiB is enough
    t.entries[4].size = 0x160000;
    CHECK(validate(t, p, kVt132FlashSize) == PartitionError::Ok);
  }

  TEST_CASE("nothing may start below 0x9000, where the table's sector ends") {
    PartitionTable t = table_of({entry(kPartTypeData, 2, 0x8000, 0x1000, "nvs")});
    PartitionProblem p;
    CHECK(validate(t, p) == PartitionError::OverlapsTable);
    CHECK(message(p) == "partition 0 (\"nvs\") at 0x8000 overlaps the partition table "
                        "(the first free offset is 0x9000)");
  }

  TEST_CASE("labels must be unique, non-empty and CSV-safe") {
    PartitionProblem p;
    PartitionTable t = vt132_default_partitions();
    set_label(t.entries[3], "app0");
    CHECK(validate(t, p) == PartitionError::DuplicateLabel);
    CHECK(message(p) == "partition 3 (\"app0\") has the same label as partition 2");

    t = vt132_default_partitions();
    set_label(t.entries[1], "");
    CHECK(validate(t, p) == PartitionError::EmptyLabel);
    CHECK(message(p) == "partition 1: empty label");

    t = vt132_default_partitions();
    set_label(t.entries[1], "ota,data");
    CHECK(validate(t, p) == PartitionError::BadLabel);
    CHECK(p.value == ',');

    t = vt132_default_partitions();
    set_label(t.entries[1], "bin\x01");
    CHECK(validate(t, p) == PartitionError::BadLabel);
    CHECK(message(p) == "partition 1 (\"bin\\x01\"): label has character 0x01 "
                        "(allowed: printable ASCII except , # \")");

    t = vt132_default_partitions();
    set_label(t.entries[1], "otadata ");
    CHECK(validate(t, p) == PartitionError::BadLabel);
    CHECK(message(p) == "partition 1 (\"otadata \"): label has leading or trailing space");

    t = vt132_default_partitions();
    std::memset(t.entries[1].label, 'x', sizeof t.entries[1].label);  // no NUL at all
    CHECK(validate(t, p) == PartitionError::LabelTooLong);
    std::vector<uint8_t> out(kPartitionTableSize);
    CHECK(serialize_partition_table(t, out.data(), out.size(), p) == PartitionError::LabelTooLong);
  }

  TEST_CASE("check_label and set_label enforce the 16-byte limit") {
    CHECK(check_label("app0") == PartitionError::Ok);
    CHECK(check_label("my app") == PartitionError::Ok);
    CHECK(check_label("") == PartitionError::EmptyLabel);
    CHECK(check_label("seventeen_chars_x") == PartitionError::LabelTooLong);
    CHECK(check_label("#x") == PartitionError::BadLabel);
    CHECK(check_label("a\"b") == PartitionError::BadLabel);
    PartitionEntry e;
    CHECK(set_label(e, "sixteen_chars_ok"));
    CHECK_FALSE(set_label(e, "seventeen_chars_x"));
    CHECK(std::string(e.label) == "sixteen_chars_ok");
  }

  TEST_CASE("size zero, 32-bit overflow and the flash bound are rejected") {
    PartitionProblem p;
    PartitionTable t = vt132_default_partitions();
    t.entries[4].size = 0;
    CHECK(validate(t, p) == PartitionError::ZeroSize);

    t = vt132_default_partitions();
    t.entries[4].offset = 0xFFFF0000;
    t.entries[4].size = 0x20000;
    CHECK(validate(t, p) == PartitionError::EndOverflow);
    CHECK(message(p) == "partition 4 (\"spiffs\") ends at 0x100010000, beyond 4 GiB");

    t = vt132_default_partitions();
    t.entries[4].size = 0x171000;
    CHECK(validate(t, p) == PartitionError::Ok);  // no flash size given: unbounded
    CHECK(validate(t, p, kVt132FlashSize) == PartitionError::BeyondFlash);
    CHECK(message(p) == "partition 4 (\"spiffs\") ends at 0x401000, beyond the 0x400000-byte flash");
  }

  TEST_CASE("flag bits other than encrypted and readonly are rejected") {
    PartitionTable t = vt132_default_partitions();
    t.entries[0].flags = kPartFlagEncrypted | kPartFlagReadOnly;
    PartitionProblem p;
    CHECK(validate(t, p) == PartitionError::Ok);
    t.entries[0].flags = 0x5;
    CHECK(validate(t, p) == PartitionError::UnknownFlags);
    CHECK(message(p) == "partition 0 (\"nvs\") has unknown flags 0x4");
  }

  TEST_CASE("OTA slots must be unique and numbered from ota_0 without gaps") {
    PartitionProblem p;
    PartitionTable t = vt132_default_partitions();
    t.entries[3].subtype = 0x10;
    CHECK(validate(t, p) == PartitionError::DuplicateOtaSlot);
    CHECK(p.other == 2);

    t = vt132_default_partitions();
    t.entries[3].subtype = 0x12;  // ota_0 and ota_2: slot 1 would not exist
    CHECK(validate(t, p) == PartitionError::OtaSlotGap);
    CHECK(message(p) == "partition 3 (\"app1\") is ota_2; with 2 OTA app partitions the slots "
                        "must be ota_0..ota_1");
  }

  TEST_CASE("one otadata partition of exactly 0x2000 bytes") {
    PartitionProblem p;
    PartitionTable t = vt132_default_partitions();
    t.entries[1].size = 0x1000;
    CHECK(validate(t, p) == PartitionError::BadOtadataSize);

    t = vt132_default_partitions();
    t.entries[4] = entry(kPartTypeData, kDataSubtypeOta, 0x290000, 0x2000, "otadata2");
    CHECK(validate(t, p) == PartitionError::MultipleOtadata);
    CHECK(p.other == 1);
  }

  TEST_CASE("lookups find partitions by label, type/subtype and OTA slot") {
    const PartitionTable& t = vt132_default_partitions();
    REQUIRE(find_partition(t, "app1") != nullptr);
    CHECK(find_partition(t, "app") == nullptr);
    CHECK(find_partition(t, "") == nullptr);
    REQUIRE(find_partition(t, kPartTypeData, kDataSubtypeSpiffs) != nullptr);
    CHECK(std::string(find_partition(t, kPartTypeData, kDataSubtypeSpiffs)->label) == "spiffs");
    CHECK(find_partition(t, kPartTypeApp, kAppSubtypeFactory) == nullptr);
    CHECK(ota_app_count(t) == 2);
    REQUIRE(find_ota_slot(t, 0) != nullptr);
    CHECK(std::string(find_ota_slot(t, 0)->label) == "app0");
    CHECK(std::string(find_ota_slot(t, 1)->label) == "app1");
    CHECK(find_ota_slot(t, 2) == nullptr);
    CHECK(find_ota_slot(t, 99) == nullptr);
    REQUIRE(find_otadata(t) != nullptr);
    CHECK(find_otadata(t)->offset == 0xE000);
  }

  TEST_CASE("serialize refuses a buffer smaller than the table area") {
    std::vector<uint8_t> out(kPartitionTableSize - 1);
    PartitionProblem p;
    CHECK(serialize_partition_table(vt132_default_partitions(), out.data(), out.size(), p) ==
          PartitionError::BufferTooSmall);
    CHECK(message(p) == "output buffer of 3071 bytes too small, need 3072");
  }

  TEST_CASE("an empty table serializes to just the MD5 entry of no bytes") {
    PartitionTable t;
    const std::vector<uint8_t> area = serialize(t);
    CHECK(hex(area.data() + 16, 16) == "d41d8cd98f00b204e9800998ecf8427e");
    PartitionTable back;
    PartitionProblem p;
    REQUIRE(parse(area, back, p) == PartitionError::Ok);
    CHECK(back.count == 0);
  }

  TEST_CASE("problem messages are truncated safely to the caller's buffer") {
    PartitionTable t = vt132_default_partitions();
    t.entries[3].offset = 0x140000;
    PartitionProblem p;
    REQUIRE(validate(t, p) == PartitionError::Overlap);
    char tiny[12];
    const size_t n = format_partition_problem(p, tiny, sizeof tiny);
    CHECK(n == sizeof tiny - 1);
    CHECK(std::string(tiny) == "partition 3");
    CHECK(format_partition_problem(p, nullptr, 0) == 0);
  }

  TEST_CASE("every error kind has a description") {
    for (int e = 0; e <= static_cast<int>(PartitionError::BufferTooSmall); ++e) {
      CHECK(std::string(describe(static_cast<PartitionError>(e))) != "unknown error");
    }
  }
}
