#include "vt132/host/flash_bundle.hpp"

#include <zip.h>

#include <cstdio>
#include <ctime>
#include <memory>
#include <set>

#include "vt132/core/app_image.hpp"
#include "vt132/host/error.hpp"
#include "vt132/host/flash_layout.hpp"
#include "vt132/host/image_report.hpp"

namespace vt132::host {
namespace core = vt132::core;

namespace {

constexpr uint32_t kFactoryOffset = 0;

std::string hex_offset(uint32_t offset) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "0x%x", offset);
  return buf;
}

// The header fields esptool's --flash_mode/--flash_freq/--flash_size take, by their names.
FlashSettings settings_of(const core::ImageHeader& h, const std::string& what) {
  static constexpr const char* kModes[] = {"qio", "qout", "dio", "dout"};
  FlashSettings s;
  if (h.spi_mode >= sizeof kModes / sizeof kModes[0]) {
    throw Error(what + ": flash mode " + core::spi_mode_name(h.spi_mode) +
                " in its header is not one esptool writes (qio, qout, dio, dout)");
  }
  s.mode = kModes[h.spi_mode];
  switch (h.spi_speed) {
    case 0x0: s.frequency = "40m"; break;
    case 0x1: s.frequency = "26m"; break;
    case 0x2: s.frequency = "20m"; break;
    case 0xF: s.frequency = "80m"; break;
    default: throw Error(what + ": unknown flash frequency code " + std::to_string(h.spi_speed) + " in its header");
  }
  if (h.flash_size > 7) {
    throw Error(what + ": unknown flash size code " + std::to_string(h.flash_size) + " in its header");
  }
  s.size_name = core::flash_size_name(h.flash_size);
  s.size = kMinFlashSize << h.flash_size;
  return s;
}

std::string stem_of(const std::string& name) {
  const size_t dot = name.rfind('.');
  return dot == std::string::npos || dot == 0 ? name : name.substr(0, dot);
}

std::string flash_args_text(const FlashSettings& s, const std::vector<FlashBundleFile>& parts) {
  std::string out = "--flash_mode " + s.mode + " --flash_freq " + s.frequency + " --flash_size " + s.size_name + "\n";
  for (const FlashBundleFile& f : parts) out += hex_offset(f.offset) + " " + f.name + "\n";
  return out;
}

std::string what_it_is(const FlashBundleFile& f, const std::string& app_name) {
  if (f.name == "bootloader.bin") return "second-stage bootloader";
  if (f.name == "partition-table.bin") return "partition table";
  if (f.name == "ota_data_initial.bin") return "erased OTA data: the first app boots";
  if (f.name == app_name) return "the app";
  return "the whole flash";
}

std::string flashing_md_text(const FlashBundleInputs& in, const FlashBundle& b) {
  const std::string& s_mode = b.settings.mode;
  std::string md = "# Flashing VT132 " + in.version + " over USB serial\n\n";
  md +=
      "These files put VT132 " + in.version + " on an ESP32 for the first time, or bring back one whose\n"
      "flash is broken. Later releases install over the air. You need esptool\n"
      "(`pip install esptool`) and the board's serial port (PORT below: /dev/ttyUSB0, COM3, ...).\n\n"
      "## The files\n\n"
      "| file | offset | bytes | what |\n"
      "| --- | --- | --- | --- |\n";
  std::vector<const FlashBundleFile*> all;
  for (const FlashBundleFile& f : b.parts) all.push_back(&f);
  all.push_back(&b.factory);
  for (const FlashBundleFile* f : all) {
    md += "| " + f->name + " | " + hex_offset(f->offset) + " | " + std::to_string(f->bytes.size()) + " | " +
          what_it_is(*f, in.app_name) + " |\n";
  }
  md += "\nThe flash settings, from the bootloader's header: mode " + s_mode + ", frequency " +
        b.settings.frequency + ", size " + b.settings.size_name + ".\n\n";
  md += "## Either: the separate files (keeps the settings stored on the device)\n\n```\nesptool.py --chip esp32 --port PORT --baud 460800 write_flash";
  md += " --flash_mode " + s_mode + " --flash_freq " + b.settings.frequency + " --flash_size " + b.settings.size_name;
  for (const FlashBundleFile& f : b.parts) md += " \\\n    " + hex_offset(f.offset) + " " + f.name;
  md += "\n```\n\nor the same from `flash_args`, run in this folder:\n\n```\n"
        "esptool.py --chip esp32 --port PORT --baud 460800 write_flash @flash_args\n```\n\n";
  md += "## Or: the factory image (the whole " + b.settings.size_name +
        " flash; erases the stored settings too)\n\n```\nesptool.py --chip esp32 --port PORT --baud 460800 write_flash " +
        hex_offset(b.factory.offset) + " " + b.factory.name + "\n```\n\n";
  md += "## The partition table\n\n```\n" + partition_table_csv(in.table) + "```\n";
  return md;
}

struct ZipDiscard {
  void operator()(zip_t* z) const noexcept { zip_discard(z); }
};
struct ZipSourceFree {
  void operator()(zip_source_t* s) const noexcept { zip_source_free(s); }
};

[[noreturn]] void zip_fail(const std::string& step, zip_t* z) {
  throw Error("cannot build " + std::string(kFlashBundleAssetName) + ": " + step + ": " +
              (z != nullptr ? zip_strerror(z) : "out of memory"));
}

// The DOS time every entry gets. libzip stores a time_t as local time, so this time_t is
// made from local fields: the stored fields are 2000-01-01 00:00 in every time zone.
time_t fixed_entry_time() {
  std::tm tm{};
  tm.tm_year = 100;
  tm.tm_mday = 1;
  tm.tm_isdst = -1;
  return std::mktime(&tm);
}

void add_entry(zip_t* z, const std::string& name, const std::vector<uint8_t>& bytes, time_t mtime) {
  zip_source_t* src = zip_source_buffer(z, bytes.data(), bytes.size(), 0);
  if (src == nullptr) zip_fail(name, z);
  const zip_int64_t index = zip_file_add(z, name.c_str(), src, ZIP_FL_ENC_UTF_8);
  if (index < 0) {
    zip_source_free(src);
    zip_fail(name, z);
  }
  const auto i = static_cast<zip_uint64_t>(index);
  if (zip_set_file_compression(z, i, ZIP_CM_DEFLATE, 9) != 0 || zip_file_set_mtime(z, i, mtime, 0) != 0 ||
      zip_file_set_external_attributes(z, i, 0, ZIP_OPSYS_UNIX, 0100644u << 16) != 0) {
    zip_fail(name, z);
  }
}

// The zip made in memory: entries in the order given, each deflated, 0644, fixed time.
std::vector<uint8_t> zip_files(const std::vector<std::pair<std::string, const std::vector<uint8_t>*>>& files) {
  zip_error_t error;
  zip_error_init(&error);
  std::unique_ptr<zip_source_t, ZipSourceFree> buffer(zip_source_buffer_create(nullptr, 0, 0, &error));
  if (!buffer) zip_fail("buffer", nullptr);
  std::unique_ptr<zip_t, ZipDiscard> z(zip_open_from_source(buffer.get(), ZIP_TRUNCATE, &error));
  if (!z) {
    const std::string why = zip_error_strerror(&error);
    zip_error_fini(&error);
    throw Error("cannot build " + std::string(kFlashBundleAssetName) + ": " + why);
  }
  zip_source_keep(buffer.get());  // zip_close must leave it for us to read
  const time_t mtime = fixed_entry_time();
  for (const auto& [name, bytes] : files) add_entry(z.get(), name, *bytes, mtime);
  if (zip_close(z.get()) != 0) zip_fail("close", z.get());
  (void)z.release();  // closed, so freed

  zip_stat_t st;
  zip_stat_init(&st);
  if (zip_source_stat(buffer.get(), &st) != 0 || (st.valid & ZIP_STAT_SIZE) == 0 ||
      zip_source_open(buffer.get()) != 0) {
    throw Error("cannot build " + std::string(kFlashBundleAssetName) + ": cannot read it back");
  }
  std::vector<uint8_t> out(st.size);
  const zip_int64_t got = zip_source_read(buffer.get(), out.data(), out.size());
  zip_source_close(buffer.get());
  if (got != static_cast<zip_int64_t>(out.size())) {
    throw Error("cannot build " + std::string(kFlashBundleAssetName) + ": short read");
  }
  return out;
}

}  // namespace

FlashSettings check_bootloader(const std::vector<uint8_t>& bytes, const std::string& what) {
  core::ImagePolicy policy;
  policy.expected_chip = core::kChipEsp32;
  policy.require_app_desc = false;
  policy.require_hash = false;
  policy.max_size = core::kPartitionTableOffset - kBootloaderOffset;
  const ImageReport report = examine_image(bytes, policy);
  if (!report.valid()) throw Error(what + ": " + report.problem_text());
  if (report.info.has_app_desc) {
    throw Error(what + ": has an app descriptor (version " + report.info.app.version +
                "): an app image, not a bootloader (ESP-IDF builds it as build/bootloader/bootloader.bin)");
  }
  return settings_of(report.info.header, what);
}

FlashBundle build_flash_bundle(const FlashBundleInputs& in) {
  FlashBundle b;
  b.settings = check_bootloader(in.bootloader, "bootloader");

  FactoryInputs factory;
  factory.bootloader = in.bootloader;
  factory.app = in.app;
  factory.table = in.table;
  factory.flash_size = b.settings.size;
  FactoryLayout layout{};
  b.factory = {stem_of(in.app_name) + "-factory.bin", kFactoryOffset, build_factory_image(factory, &layout)};

  b.parts.push_back({"bootloader.bin", kBootloaderOffset, in.bootloader});
  b.parts.push_back({"partition-table.bin", core::kPartitionTableOffset, partition_table_binary(in.table)});
  // Written erased, as in the factory image: a device that ran another app before boots this one.
  if (const core::PartitionEntry* otadata = core::find_partition(in.table, core::kPartTypeData, core::kDataSubtypeOta)) {
    b.parts.push_back({"ota_data_initial.bin", otadata->offset, std::vector<uint8_t>(otadata->size, 0xFF)});
  }
  b.parts.push_back({in.app_name, layout.app_offset, in.app});
  std::set<std::string> names{"FLASHING.md", "flash_args", b.factory.name};
  for (const FlashBundleFile& f : b.parts) {
    if (!names.insert(f.name).second) throw Error("app name " + in.app_name + " is one of the bundle's own files");
  }

  b.flash_args = flash_args_text(b.settings, b.parts);
  b.flashing_md = flashing_md_text(in, b);
  const std::vector<uint8_t> args(b.flash_args.begin(), b.flash_args.end());
  const std::vector<uint8_t> md(b.flashing_md.begin(), b.flashing_md.end());
  std::vector<std::pair<std::string, const std::vector<uint8_t>*>> entries;
  entries.emplace_back("FLASHING.md", &md);
  entries.emplace_back("flash_args", &args);
  for (const FlashBundleFile& f : b.parts) entries.emplace_back(f.name, &f.bytes);
  entries.emplace_back(b.factory.name, &b.factory.bytes);
  b.zip = zip_files(entries);
  return b;
}

}  // namespace vt132::host
