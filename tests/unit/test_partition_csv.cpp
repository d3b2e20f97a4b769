#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "vt132/core/partition_csv.hpp"
#include "vt132/core/partition_table.hpp"

using namespace vt132::core;

namespace {

// The VT132 layout exactly as the modem spec prints it.
const char* const kSpecCsv =
    "# Name,   Type, SubType, Offset,   Size\n"
    "nvs,      data, nvs,     0x9000,   0x5000\n"
    "otadata,  data, ota,     0xe000,   0x2000\n"
    "app0,     app,  ota_0,   0x10000,  0x140000\n"
    "app1,     app,  ota_1,   0x150000, 0x140000\n"
    "spiffs,   data, spiffs,  0x290000, 0x170000\n";

const char* const kCanonicalDefault =
    "# Name, Type, SubType, Offset, Size, Flags\n"
    "nvs,     data, nvs,    0x9000,   0x5000\n"
    "otadata, data, ota,    0xe000,   0x2000\n"
    "app0,    app,  ota_0,  0x10000,  0x140000\n"
    "app1,    app,  ota_1,  0x150000, 0x140000\n"
    "spiffs,  data, spiffs, 0x290000, 0x170000\n";

struct Parsed {
  CsvError error;
  PartitionTable table;
  CsvProblem problem;
  std::string message;
};

Parsed parse(const std::string& text, uint32_t flash_size = 0) {
  Parsed r;
  CsvOptions options;
  options.flash_size = flash_size;
  r.error = parse_partition_csv(text, r.table, r.problem, options);
  char buf[256];
  format_csv_problem(r.problem, buf, sizeof buf);
  r.message = buf;
  return r;
}

std::string format(const PartitionTable& t) {
  std::vector<char> buf(8192);
  size_t length = 0;
  CsvProblem p;
  REQUIRE(format_partition_csv(t, buf.data(), buf.size(), length, p) == CsvError::Ok);
  return std::string(buf.data(), length);
}

// Five mandatory columns with the given offset/size, for the number and placement tests.
std::string line(const std::string& name, const std::string& type, const std::string& subtype,
                 const std::string& offset, const std::string& size, const std::string& flags = "") {
  return name + ", " + type + ", " + subtype + ", " + offset + ", " + size +
         (flags.empty() ? "" : ", " + flags) + "\n";
}

}  // namespace

TEST_SUITE("partition_csv") {
  TEST_CASE("the modem spec CSV parses to the VT132 default table") {
    const Parsed r = parse(kSpecCsv, kVt132FlashSize);
    REQUIRE(r.error == CsvError::Ok);
    CHECK(r.table == vt132_default_partitions());
  }

  TEST_CASE("default table round trip: CSV -> binary -> CSV gives the canonical CSV") {
    const Parsed r = parse(kSpecCsv);
    REQUIRE(r.error == CsvError::Ok);
    std::vector<uint8_t> area(kPartitionTableSize);
    PartitionProblem pp;
    REQUIRE(serialize_partition_table(r.table, area.data(), area.size(), pp) == PartitionError::Ok);
    PartitionTable from_binary;
    REQUIRE(parse_partition_table({area.data(), area.size()}, from_binary, pp) == PartitionError::Ok);
    const std::string csv = format(from_binary);
    CHECK(csv == kCanonicalDefault);
    const Parsed again = parse(csv);
    REQUIRE(again.error == CsvError::Ok);
    CHECK(again.table == vt132_default_partitions());
  }

  TEST_CASE("comments, blank lines, whitespace, CRLF, a BOM and an empty Flags column are fine") {
    const std::string text =
        "\xEF\xBB\xBF# ESP-IDF Partition Table\r\n"
        "\r\n"
        "   # indented comment\n"
        "\t nvs ,\tdata,nvs , 0x9000 ,0x5000,\r\n"
        "\n"
        "otadata,data,ota,0xe000,0x2000,   \n"
        "app0,app,ota_0,0x10000,0x140000\n"
        "app1,  app,  ota_1, 0x150000, 0x140000\n"
        "spiffs, data, spiffs, 0x290000, 0x170000";  // no final newline
    const Parsed r = parse(text);
    REQUIRE(r.error == CsvError::Ok);
    CHECK(r.table == vt132_default_partitions());
  }

  TEST_CASE("type, subtype and flag names are case-insensitive") {
    const Parsed r = parse(line("x", "DATA", "NVS", "0x9000", "4K", "ReadOnly"));
    REQUIRE(r.error == CsvError::Ok);
    CHECK(r.table.entries[0].subtype == kDataSubtypeNvs);
    CHECK(r.table.entries[0].flags == kPartFlagReadOnly);
  }

  TEST_CASE("offsets and sizes accept hex, decimal and K/M suffixes") {
    const Parsed r = parse(line("a", "data", "nvs", "36864", "0x1000") +
                           line("b", "data", "nvs", "40K", "4k") +
                           line("c", "app", "factory", "0X10000", "1M") +
                           line("d", "data", "fat", "0x110000", "0x10K"));
    REQUIRE(r.error == CsvError::Ok);
    CHECK(r.table.entries[0].offset == 0x9000);
    CHECK(r.table.entries[1].offset == 0xA000);
    CHECK(r.table.entries[1].size == 0x1000);
    CHECK(r.table.entries[2].offset == 0x10000);
    CHECK(r.table.entries[2].size == 0x100000);
    CHECK(r.table.entries[3].size == 0x4000);
  }

  TEST_CASE("an empty offset places the partition after the previous one, aligned") {
    const Parsed r = parse(line("nvs", "data", "nvs", "", "0x1800") +      // first: 0x9000
                           line("otadata", "data", "ota", "", "0x2000") +  // 0xa800 -> 0xb000
                           line("app0", "app", "ota_0", "", "1M") +        // 0xd000 -> 0x10000
                           line("phy", "data", "phy", "", "4K") +          // 0x110000
                           line("app1", "app", "ota_1", "", "1M") +        // 0x111000 -> 0x120000
                           line("fixed", "data", "spiffs", "0x300000", "64K") +
                           line("after", "data", "nvs", "", "4K"));        // 0x310000
    REQUIRE(r.error == CsvError::Ok);
    CHECK(r.table.entries[0].offset == 0x9000);
    CHECK(r.table.entries[1].offset == 0xB000);
    CHECK(r.table.entries[2].offset == 0x10000);
    CHECK(r.table.entries[3].offset == 0x110000);
    CHECK(r.table.entries[4].offset == 0x120000);
    CHECK(r.table.entries[6].offset == 0x310000);
  }

  TEST_CASE("an automatic offset beyond 4 GiB is an error, not a wrap") {
    const Parsed r = parse(line("a", "data", "nvs", "0xFFFFF000", "0x1000") +
                           line("b", "data", "nvs", "", "4K"));
    CHECK(r.error == CsvError::NumberTooLarge);
    CHECK(r.message == "line 2: automatic offset 0x100000000 is beyond 4 GiB");
  }

  TEST_CASE("numeric types and subtypes, and every subtype name") {
    const Parsed r = parse(line("custom", "0x40", "0x01", "0x9000", "4K") +
                           line("dec", "64", "2", "", "4K") +
                           line("f", "app", "factory", "0x10000", "64K") +
                           line("t", "app", "test", "", "64K") +
                           line("o15", "app", "ota_15", "", "64K") +
                           line("cd", "data", "coredump", "", "4K") +
                           line("nk", "data", "nvs_keys", "", "4K") +
                           line("ef", "data", "efuse", "", "4K") +
                           line("un", "data", "undefined", "", "4K") +
                           line("ht", "data", "esphttpd", "", "4K") +
                           line("lf", "data", "littlefs", "", "4K") +
                           line("num", "data", "0x99", "", "4K"));
    // ota_15 without ota_0..ota_14 breaks the slot rule; check names before layout.
    REQUIRE(r.error == CsvError::Layout);
    CHECK(r.problem.layout.error == PartitionError::OtaSlotGap);
    CHECK(r.message == "line 5: partition 4 (\"o15\") is ota_15; with 1 OTA app partition the "
                       "slots must be ota_0..ota_0");

    const Parsed ok = parse(line("custom", "0x40", "0x01", "0x9000", "4K") +
                            line("dec", "64", "2", "", "4K") + line("t", "app", "test", "0x10000", "64K") +
                            line("cd", "data", "coredump", "", "4K") +
                            line("nk", "data", "nvs_keys", "", "4K") +
                            line("ef", "data", "efuse", "", "4K") +
                            line("un", "data", "undefined", "", "4K") +
                            line("ht", "data", "esphttpd", "", "4K") +
                            line("lf", "data", "littlefs", "", "4K") +
                            line("num", "data", "0x99", "", "4K"));
    REQUIRE(ok.error == CsvError::Ok);
    const PartitionTable& t = ok.table;
    CHECK(t.entries[0].type == 0x40);
    CHECK(t.entries[0].subtype == 0x01);
    CHECK(t.entries[1].type == 64);
    CHECK(t.entries[2].subtype == kAppSubtypeTest);
    CHECK(t.entries[3].subtype == kDataSubtypeCoredump);
    CHECK(t.entries[4].subtype == kDataSubtypeNvsKeys);
    CHECK(t.entries[5].subtype == kDataSubtypeEfuse);
    CHECK(t.entries[6].subtype == kDataSubtypeUndefined);
    CHECK(t.entries[7].subtype == kDataSubtypeEsphttpd);
    CHECK(t.entries[8].subtype == kDataSubtypeLittlefs);
    CHECK(t.entries[9].subtype == 0x99);
    // And back: names where known, hex where not.
    CHECK(parse(format(t)).table == t);
  }

  TEST_CASE("flags: encrypted, readonly, both joined with ':'") {
    const Parsed r = parse(line("a", "data", "nvs", "0x9000", "4K", "encrypted") +
                           line("b", "data", "nvs", "", "4K", "readonly") +
                           line("c", "data", "nvs", "", "4K", " readonly : encrypted ") +
                           line("d", "data", "nvs", "", "4K", ""));
    REQUIRE(r.error == CsvError::Ok);
    CHECK(r.table.entries[0].flags == kPartFlagEncrypted);
    CHECK(r.table.entries[1].flags == kPartFlagReadOnly);
    CHECK(r.table.entries[2].flags == (kPartFlagEncrypted | kPartFlagReadOnly));
    CHECK(r.table.entries[3].flags == 0);
  }

  TEST_CASE("canonical format writes hex types, flags column only where needed, and parses back") {
    const Parsed r = parse(line("nvs", "data", "nvs", "0x9000", "0x5000", "readonly") +
                           line("custom", "0x40", "0x07", "", "4K") +
                           line("keys", "data", "nvs_keys", "", "4K", "encrypted:readonly"));
    REQUIRE(r.error == CsvError::Ok);
    const std::string csv = format(r.table);
    CHECK(csv ==
          "# Name, Type, SubType, Offset, Size, Flags\n"
          "nvs,    data, nvs,      0x9000, 0x5000, readonly\n"
          "custom, 0x40, 0x07,     0xe000, 0x1000\n"
          "keys,   data, nvs_keys, 0xf000, 0x1000, encrypted:readonly\n");
    CHECK(parse(csv).table == r.table);
  }

  TEST_CASE("an unknown subtype names its line and the text") {
    const Parsed r = parse(std::string("# Name, Type, SubType, Offset, Size\n"
                                       "nvs,     data, nvs,   0x9000,  0x5000\n"
                                       "\n"
                                       "app9,    app,  ota_99, ,        1M\n"));
    CHECK(r.error == CsvError::UnknownSubtype);
    CHECK(r.problem.line == 4);
    CHECK(r.message == "line 4: unknown subtype \"ota_99\"");
  }

  TEST_CASE("a data subtype name on an app line is unknown, and so is any name on a custom type") {
    CHECK(parse(line("x", "app", "nvs", "0x10000", "64K")).error == CsvError::UnknownSubtype);
    CHECK(parse(line("x", "0x40", "nvs", "0x9000", "4K")).error == CsvError::UnknownSubtype);
  }

  TEST_CASE("field errors carry the line number and the offending text") {
    struct Case {
      std::string text;
      CsvError error;
      const char* message;
    };
    const Case cases[] = {
        {line("x", "bin", "nvs", "0x9000", "4K"), CsvError::UnknownType,
         "line 1: unknown type \"bin\" (expected app, data or a number)"},
        {line("x", "0x100", "nvs", "0x9000", "4K"), CsvError::NumberTooLarge,
         "line 1: type \"0x100\" is too large (at most 255)"},
        {line("x", "1x", "nvs", "0x9000", "4K"), CsvError::BadNumber,
         "line 1: bad type \"1x\" (expected a name, decimal or 0x-hex)"},
        {line("x", "data", "", "0x9000", "4K"), CsvError::MissingSubtype, "line 1: missing subtype"},
        {line("x", "data", "256", "0x9000", "4K"), CsvError::NumberTooLarge,
         "line 1: subtype \"256\" is too large (at most 255)"},
        {line("x", "data", "nvs", "0x9G00", "4K"), CsvError::BadNumber,
         "line 1: bad offset \"0x9G00\" (expected decimal or 0x-hex, optionally with K or M)"},
        {line("x", "data", "nvs", "0x", "4K"), CsvError::BadNumber,
         "line 1: bad offset \"0x\" (expected decimal or 0x-hex, optionally with K or M)"},
        {line("x", "data", "nvs", "0x9000", "K"), CsvError::BadNumber,
         "line 1: bad size \"K\" (expected decimal or 0x-hex, optionally with K or M)"},
        {line("x", "data", "nvs", "0x9000", "-4K"), CsvError::BadNumber,
         "line 1: bad size \"-4K\" (expected decimal or 0x-hex, optionally with K or M)"},
        {line("x", "data", "nvs", "0x9000", "4G"), CsvError::BadNumber,
         "line 1: bad size \"4G\" (expected decimal or 0x-hex, optionally with K or M)"},
        {line("x", "data", "nvs", "0x100000000", "4K"), CsvError::NumberTooLarge,
         "line 1: offset \"0x100000000\" is too large (at most 0xffffffff)"},
        {line("x", "data", "nvs", "0x9000", "4096M"), CsvError::NumberTooLarge,
         "line 1: size \"4096M\" is too large (at most 0xffffffff)"},
        {line("x", "data", "nvs", "0x9000", "99999999999999999999999"), CsvError::NumberTooLarge,
         "line 1: size \"99999999999999999999999\" is too large (at most 0xffffffff)"},
        {line("x", "data", "nvs", "0x9000", ""), CsvError::MissingSize, "line 1: missing size"},
        {line("x", "data", "nvs", "0x9000", "4K", "secret"), CsvError::UnknownFlag,
         "line 1: unknown flag \"secret\" (expected encrypted or readonly, joined with ':')"},
        {line("x", "data", "nvs", "0x9000", "4K", "readonly:"), CsvError::UnknownFlag,
         "line 1: unknown flag \"\" (expected encrypted or readonly, joined with ':')"},
        {"x, data, nvs, 0x9000\n", CsvError::TooFewFields,
         "line 1: 4 fields, expected Name, Type, SubType, Offset, Size[, Flags]"},
        {"x, data, nvs, 0x9000, 4K, , extra\n", CsvError::TooManyFields,
         "line 1: more than 6 fields (Name, Type, SubType, Offset, Size, Flags)"},
        {line("", "data", "nvs", "0x9000", "4K"), CsvError::BadName, "line 1: bad name \"\": empty"},
        {line("seventeen_chars_x", "data", "nvs", "0x9000", "4K"), CsvError::BadName,
         "line 1: bad name \"seventeen_chars_x\": longer than 16 bytes"},
        {line("a#b", "data", "nvs", "0x9000", "4K"), CsvError::BadName,
         "line 1: bad name \"a#b\": use printable ASCII without , # \" or surrounding spaces"},
        {"# only a comment\n\n", CsvError::NoPartitions, "no partitions found"},
        {"", CsvError::NoPartitions, "no partitions found"},
    };
    for (const Case& c : cases) {
      CAPTURE(c.text);
      const Parsed r = parse(c.text);
      CHECK(r.error == c.error);
      CHECK(r.message == c.message);
    }
  }

  TEST_CASE("the error line counts comments and blank lines") {
    const Parsed r = parse("# header\n\n# more\n" + line("nvs", "data", "nvs", "0x9000", "4K") +
                           "\n" + line("bad", "data", "nope", "", "4K"));
    CHECK(r.problem.line == 6);
    CHECK(r.message == "line 6: unknown subtype \"nope\"");
  }

  TEST_CASE("lines longer than 256 bytes are rejected, comments included") {
    const std::string ok_comment = "#" + std::string(255, 'x') + "\n";
    const std::string long_comment = "#" + std::string(256, 'x') + "\n";
    const std::string body = line("nvs", "data", "nvs", "0x9000", "4K");
    CHECK(parse(ok_comment + body).error == CsvError::Ok);
    const Parsed r = parse(body + long_comment);
    CHECK(r.error == CsvError::LineTooLong);
    CHECK(r.message == "line 2: line longer than 256 bytes");
  }

  TEST_CASE("control characters mean the input is not a text CSV") {
    std::string binary = line("nvs", "data", "nvs", "0x9000", "4K");
    binary += std::string("\xAA\x50\x01\x02", 4) + std::string(1, '\0') + "\n";
    const Parsed r = parse(binary);
    CHECK(r.error == CsvError::ControlCharacter);
    CHECK(r.problem.line == 2);
    CHECK(r.message == "line 2: control character 0x01 at column 3 (not a text file?)");
  }

  TEST_CASE("more than 95 partitions are rejected at the 96th line") {
    std::string text;
    for (int i = 0; i < 96; ++i) text += line("p" + std::to_string(i), "data", "0x40", "", "4K");
    const Parsed r = parse(text);
    CHECK(r.error == CsvError::TooManyPartitions);
    CHECK(r.message == "line 96: more than 95 partitions");
    text.resize(text.rfind("p95"));
    CHECK(parse(text).error == CsvError::Ok);
  }

  TEST_CASE("layout errors point at the line of the offending partition") {
    std::string text = kSpecCsv;
    const size_t at = text.find("0x150000");
    text.replace(at, 8, "0x140000");
    const Parsed r = parse("# leading comment\n" + text);
    CHECK(r.error == CsvError::Layout);
    CHECK(r.problem.line == 6);
    CHECK(r.message == "line 6: partition 3 (\"app1\") overlaps partition 2 (\"app0\")");
  }

  TEST_CASE("layout is validated, including duplicate names and the flash size") {
    const Parsed dup = parse(line("a", "data", "nvs", "0x9000", "4K") + line("a", "data", "nvs", "", "4K"));
    CHECK(dup.error == CsvError::Layout);
    CHECK(dup.message == "line 2: partition 1 (\"a\") has the same label as partition 0");

    const Parsed low = parse(line("early", "data", "nvs", "0x8000", "4K"));
    CHECK(low.problem.layout.error == PartitionError::OverlapsTable);

    const Parsed mis = parse(line("app0", "app", "ota_0", "0x11000", "1M"));
    CHECK(mis.message == "line 1: partition 0 (\"app0\") offset 0x11000 is not a multiple of 0x10000");

    CHECK(parse(kSpecCsv, kVt132FlashSize).error == CsvError::Ok);
    const Parsed small = parse(kSpecCsv, 2u << 20);
    CHECK(small.error == CsvError::Layout);
    CHECK(small.message ==
          "line 5: partition 3 (\"app1\") ends at 0x290000, beyond the 0x200000-byte flash");
  }

  TEST_CASE("long offending text is cut in the message") {
    const Parsed r = parse(line("x", "data", "nvs", "0x9000", "4K", std::string(40, 'z')));
    CHECK(r.error == CsvError::UnknownFlag);
    CHECK(r.message == "line 1: unknown flag \"" + std::string(32, 'z') +
                           "...\" (expected encrypted or readonly, joined with ':')");
  }

  TEST_CASE("format reports the size it needs when the buffer is too small") {
    const std::string full = format(vt132_default_partitions());
    std::vector<char> buf(full.size());  // one short: no room for the NUL
    size_t length = 99;
    CsvProblem p;
    CHECK(format_partition_csv(vt132_default_partitions(), buf.data(), buf.size(), length, p) ==
          CsvError::BufferTooSmall);
    CHECK(length == 0);
    CHECK(p.value == full.size() + 1);
    CHECK(buf.back() == '\0');
    std::vector<char> exact(full.size() + 1);
    CHECK(format_partition_csv(vt132_default_partitions(), exact.data(), exact.size(), length, p) ==
          CsvError::Ok);
    CHECK(length == full.size());
    CHECK(format_partition_csv(vt132_default_partitions(), nullptr, 0, length, p) ==
          CsvError::BufferTooSmall);
  }

  TEST_CASE("format refuses labels and flags the CSV cannot carry") {
    PartitionTable t = vt132_default_partitions();
    set_label(t.entries[2], "app,0");
    std::vector<char> buf(4096);
    size_t length = 0;
    CsvProblem p;
    CHECK(format_partition_csv(t, buf.data(), buf.size(), length, p) == CsvError::Unrepresentable);
    char msg[200];
    format_csv_problem(p, msg, sizeof msg);
    CHECK(std::string(msg) ==
          "cannot write partition 2 (\"app,0\") as CSV: label has a character that is not allowed");

    t = vt132_default_partitions();
    t.entries[1].flags = 0x8;
    CHECK(format_partition_csv(t, buf.data(), buf.size(), length, p) == CsvError::Unrepresentable);
    format_csv_problem(p, msg, sizeof msg);
    CHECK(std::string(msg) == "cannot write partition 1 (\"otadata\") as CSV: unknown flags 0x8");
  }

  TEST_CASE("type and subtype names for the canonical form") {
    CHECK(std::string(partition_type_name(kPartTypeApp)) == "app");
    CHECK(partition_type_name(0x40) == nullptr);
    CHECK(std::string(partition_subtype_name(kPartTypeApp, 0x1F)) == "ota_15");
    CHECK(std::string(partition_subtype_name(kPartTypeData, kDataSubtypeFat)) == "fat");
    CHECK(partition_subtype_name(kPartTypeApp, 0x30) == nullptr);
    CHECK(partition_subtype_name(0x40, 0x00) == nullptr);
  }
}
