#include "vt132/host/image_report.hpp"

#include <cstdio>
#include <sstream>

#include "vt132/host/hex.hpp"

namespace vt132::host {

bool ImageReport::complete() const { return !core::is_structural(problem.error); }

std::string ImageReport::problem_text() const {
  char buf[256];
  core::format_image_problem(problem, buf, sizeof buf);
  return buf;
}

ImageReport examine_image(const std::vector<uint8_t>& bytes, const core::ImagePolicy& policy) {
  ImageReport r;
  r.file_size = bytes.size();
  core::parse_image(core::ByteView{bytes.data(), bytes.size()}, policy, r.info, r.problem);
  return r;
}

namespace {

std::string hex32(uint32_t v) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "0x%08x", v);
  return buf;
}

std::string hex8(uint8_t v) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "0x%02x", v);
  return buf;
}

nlohmann::json app_to_json(const core::AppDescriptor& app) {
  return {
      {"version", printable(app.version)},
      {"project_name", printable(app.project_name)},
      {"time", printable(app.time)},
      {"date", printable(app.date)},
      {"idf_ver", printable(app.idf_ver)},
      {"secure_version", app.secure_version},
      {"elf_sha256", to_hex(app.app_elf_sha256, sizeof app.app_elf_sha256)},
  };
}

}  // namespace

nlohmann::json report_to_json(const ImageReport& r) {
  const core::ImageInfo& info = r.info;
  const core::ImageHeader& h = info.header;
  nlohmann::json segments = nlohmann::json::array();
  for (size_t i = 0; i < info.segment_count; ++i) {
    segments.push_back({{"index", i},
                        {"load_addr", info.segments[i].load_addr},
                        {"length", info.segments[i].length},
                        {"file_offset", info.segments[i].data_offset}});
  }
  nlohmann::json j = {
      {"size", r.file_size},
      {"image_size", info.image_size},
      {"trailing_bytes", info.trailing_bytes},
      {"chip_id", h.chip_id},
      {"chip", core::chip_name(h.chip_id)},
      {"spi_mode", core::spi_mode_name(h.spi_mode)},
      {"spi_speed", core::spi_speed_name(h.spi_speed)},
      {"flash_size", core::flash_size_name(h.flash_size)},
      {"entry_addr", h.entry_addr},
      {"min_chip_rev_full", h.min_chip_rev_full},
      {"max_chip_rev_full", h.max_chip_rev_full},
      {"hash_appended", h.hash_appended},
      {"segments", segments},
      {"valid", r.valid()},
      {"problem", r.valid() ? nlohmann::json(nullptr) : nlohmann::json(r.problem_text())},
  };
  if (r.complete()) {
    j["checksum"] = {{"offset", info.checksum_offset},
                     {"stored", info.checksum_stored},
                     {"computed", info.checksum_computed},
                     {"valid", info.checksum_stored == info.checksum_computed}};
    j["sha256"] = {{"computed", to_hex(info.sha256_computed.data(), 32)},
                   {"stored", h.hash_appended ? nlohmann::json(to_hex(info.sha256_stored.data(), 32))
                                              : nlohmann::json(nullptr)},
                   {"valid", h.hash_appended && info.sha256_stored == info.sha256_computed}};
    j["file_sha256"] = to_hex(info.file_sha256.data(), 32);
  }
  j["app"] = info.has_app_desc ? app_to_json(info.app) : nlohmann::json(nullptr);
  return j;
}

std::string report_to_text(const ImageReport& r, const std::string& file_name) {
  const core::ImageInfo& info = r.info;
  const core::ImageHeader& h = info.header;
  std::ostringstream out;
  out << "File:           " << file_name << " (" << r.file_size << " bytes)\n";
  out << "Chip:           " << core::chip_name(h.chip_id) << " (chip id " << h.chip_id << ")\n";
  out << "Flash:          " << core::spi_mode_name(h.spi_mode) << ", " << core::spi_speed_name(h.spi_speed)
      << ", " << core::flash_size_name(h.flash_size) << "\n";
  out << "Entry point:    " << hex32(h.entry_addr) << "\n";
  out << "Segments:       " << info.segment_count << "\n";
  for (size_t i = 0; i < info.segment_count; ++i) {
    const core::SegmentInfo& s = info.segments[i];
    char line[96];
    std::snprintf(line, sizeof line, "  %2zu  load %s  length 0x%06x (%7u)  file offset 0x%06zx\n", i,
                  hex32(s.load_addr).c_str(), s.length, s.length, s.data_offset);
    out << line;
  }
  if (r.complete()) {
    const bool cks_ok = info.checksum_stored == info.checksum_computed;
    out << "Checksum:       " << hex8(info.checksum_stored) << " stored, " << hex8(info.checksum_computed)
        << " computed (" << (cks_ok ? "valid" : "INVALID") << ")\n";
    // Two different hashes: the one the image carries (over its bytes before it, checked by
    // the bootloader) and the whole file's (what sha256sum, SHA256SUMS and manifests name).
    const std::string computed = to_hex(info.sha256_computed.data(), 32);
    if (h.hash_appended) {
      const bool sha_ok = info.sha256_stored == info.sha256_computed;
      out << "Appended SHA-256: " << to_hex(info.sha256_stored.data(), 32) << " (stored at the image's end, over the "
          << "bytes before it; " << (sha_ok ? "valid" : "INVALID") << ")\n";
      if (!sha_ok) out << "                  " << computed << " computed over those bytes\n";
    } else {
      out << "Appended SHA-256: none (computed over the image: " << computed << ")\n";
    }
    out << "File SHA-256:     " << to_hex(info.file_sha256.data(), 32)
        << " (the whole file, as sha256sum, SHA256SUMS and the manifest show it)\n";
    if (info.trailing_bytes > 0) out << "Trailing bytes: " << info.trailing_bytes << " after the image\n";
  }
  if (info.has_app_desc) {
    const core::AppDescriptor& a = info.app;
    out << "App descriptor:\n";
    out << "  Project:        " << printable(a.project_name) << "\n";
    out << "  Version:        " << printable(a.version) << "\n";
    out << "  Secure version: " << a.secure_version << "\n";
    out << "  Compiled:       " << printable(a.date) << " " << printable(a.time) << "\n";
    out << "  IDF version:    " << printable(a.idf_ver) << "\n";
    out << "  ELF SHA-256:    " << to_hex(a.app_elf_sha256, sizeof a.app_elf_sha256) << "\n";
  } else {
    out << "App descriptor: none\n";
  }
  out << "Validation:     " << (r.valid() ? std::string("valid") : "INVALID: " + r.problem_text()) << "\n";
  return out.str();
}

}  // namespace vt132::host
