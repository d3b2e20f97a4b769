#include <doctest/doctest.h>

#include <cstring>
#include <string>
#include <vector>

#include "vt132/core/app_image.hpp"
#include "vt132/host/image_builder.hpp"

namespace core = vt132::core;
using vt132::host::build_image;
using vt132::host::ImageSpec;

namespace {

struct Parsed {
  core::ImageError error;
  core::ImageInfo info;
  core::ImageProblem problem;
};

Parsed parse(const std::vector<uint8_t>& image, const core::ImagePolicy& policy = {}) {
  Parsed p;
  p.error = core::parse_image(core::ByteView{image.data(), image.size()}, policy, p.info, p.problem);
  return p;
}

std::string message(const core::ImageProblem& problem) {
  char buf[256];
  core::format_image_problem(problem, buf, sizeof buf);
  return buf;
}

ImageSpec small_spec() {
  ImageSpec spec;
  spec.segments = {{0x3f400020, 0x120}, {0x3ffb0000, 0x40}, {0x40080000, 0x84}, {0x400d0020, 0x200}};
  return spec;
}

}  // namespace

TEST_SUITE("app_image") {
  TEST_CASE("a built image parses back to exactly what the spec wrote") {
    ImageSpec spec = small_spec();
    spec.version = "V1.4.0-beta.4";
    spec.secure_version = 3;
    spec.idf_ver = "v4.0.2";
    spec.chip_id = 9;
    const auto image = build_image(spec);
    const Parsed p = parse(image);
    REQUIRE(p.error == core::ImageError::Ok);
    CHECK(p.info.header.segment_count == 4);
    CHECK(p.info.header.chip_id == 9);
    CHECK(p.info.header.spi_mode == 2);
    CHECK(p.info.header.spi_speed == 0xF);
    CHECK(p.info.header.flash_size == 2);
    CHECK(p.info.header.hash_appended);
    REQUIRE(p.info.segment_count == 4);
    for (size_t i = 0; i < spec.segments.size(); ++i) {
      CHECK(p.info.segments[i].load_addr == spec.segments[i].load_addr);
      CHECK(p.info.segments[i].length == spec.segments[i].length);
    }
    CHECK(p.info.segments[0].data_offset == core::kAppDescOffset);
    REQUIRE(p.info.has_app_desc);
    CHECK(std::string(p.info.app.version) == "V1.4.0-beta.4");
    CHECK(std::string(p.info.app.project_name) == "VT132");
    CHECK(std::string(p.info.app.idf_ver) == "v4.0.2");
    CHECK(p.info.app.secure_version == 3);
    CHECK(p.info.checksum_stored == p.info.checksum_computed);
    CHECK(p.info.sha256_stored == p.info.sha256_computed);
    CHECK(p.info.image_size == image.size());
    CHECK(image.size() % 16 == 0);  // 16-aligned up to the checksum, plus the 32-byte hash
    CHECK(p.info.sha256_stored == core::Sha256::of(image.data(), p.info.checksum_offset + 1));
    CHECK(p.info.file_sha256 == core::Sha256::of(image.data(), image.size()));
  }

  TEST_CASE("streaming in chunks of any size gives the same result as the whole buffer") {
    const auto image = build_image(small_spec());
    const Parsed whole = parse(image);
    for (size_t chunk : {1u, 3u, 7u, 24u, 64u, 1000u}) {
      core::ImageStream stream;
      for (size_t at = 0; at < image.size(); at += chunk) {
        const size_t n = std::min(chunk, image.size() - at);
        REQUIRE(stream.feed(image.data() + at, n) == core::ImageError::Ok);
      }
      REQUIRE(stream.finish() == core::ImageError::Ok);
      CHECK(stream.info().sha256_computed == whole.info.sha256_computed);
      CHECK(stream.info().file_sha256 == whole.info.file_sha256);
      CHECK(stream.info().checksum_offset == whole.info.checksum_offset);
      CHECK(std::string(stream.info().app.version) == "V1.0.0");
    }
  }

  TEST_CASE("every single flipped bit inside the image is caught") {
    const auto image = build_image(small_spec());
    for (size_t at = 0; at < image.size(); ++at) {
      for (uint8_t bit : {0x01, 0x80}) {
        auto bad = image;
        bad[at] ^= bit;
        const Parsed p = parse(bad);
        INFO("offset " << at << " bit " << int(bit));
        CHECK(p.error != core::ImageError::Ok);
      }
    }
  }

  TEST_CASE("each corruption class is named by its own message") {
    const auto good = build_image(small_spec());
    const Parsed info = parse(good);
    const size_t cks = info.info.checksum_offset;

    auto bad = good;
    bad[0] = 0xE8;
    CHECK(message(parse(bad).problem) == "bad magic 0xe8 at offset 0 (an app image starts with 0xe9)");

    bad = good;
    bad[1] = 0;
    CHECK(message(parse(bad).problem) == "image header declares no segments");

    bad = good;
    bad[1] = 17;
    CHECK(message(parse(bad).problem) == "image header declares 17 segments (at most 16)");

    bad = good;
    bad[12] = 5;  // esp32c3
    core::ImagePolicy esp32_only;
    esp32_only.expected_chip = core::kChipEsp32;
    CHECK(message(parse(bad, esp32_only).problem) ==
          "wrong chip: image is for esp32c3 (chip id 5), expected esp32");

    bad = good;
    bad[23] = 0;
    CHECK(message(parse(bad).problem) == "no appended SHA-256: header byte 23 is 0 (expected 1)");

    bad = good;
    bad[24 + 4] ^= 0x02;  // first segment length no longer a multiple of 4
    CHECK(message(parse(bad).problem) ==
          "segment 0 at offset 24 has invalid length 290 (must be a multiple of 4 and below 16 MiB)");

    bad = good;
    bad[0x20] ^= 0xFF;  // app descriptor magic
    CHECK(message(parse(bad).problem) ==
          "no app descriptor: magic 0xabcd54cd at offset 0x20 (expected 0xabcd5432)");

    bad = good;
    bad[0x20 + 300] ^= 0x10;  // segment data: the checksum notices first
    CHECK(message(parse(bad).problem) ==
          "checksum mismatch at offset " + std::to_string(cks) + ": stored 0x" +
              [&] { char b[8]; std::snprintf(b, sizeof b, "%02x", good[cks]); return std::string(b); }() +
              ", computed 0x" +
              [&] { char b[8]; std::snprintf(b, sizeof b, "%02x", good[cks] ^ 0x10); return std::string(b); }());

    bad = good;
    bad[4] ^= 0x01;  // entry address: outside the checksum, inside the hash
    CHECK(message(parse(bad).problem) == "SHA-256 mismatch: the hash stored at offset " +
                                             std::to_string(cks + 1) + " does not match the image");
  }

  TEST_CASE("truncation at every segment boundary is caught with its offset") {
    const auto image = build_image(small_spec());
    const Parsed whole = parse(image);
    for (size_t i = 0; i < whole.info.segment_count; ++i) {
      const size_t header_at = whole.info.segments[i].data_offset - core::kSegmentHeaderSize;
      const size_t data_at = whole.info.segments[i].data_offset;
      const uint32_t len = whole.info.segments[i].length;
      INFO("segment " << i);

      auto cut = std::vector<uint8_t>(image.begin(), image.begin() + header_at);
      Parsed p = parse(cut);
      CHECK(p.error == core::ImageError::Truncated);
      CHECK(message(p.problem) == "truncated at offset " + std::to_string(header_at) + " (in a segment header)");

      cut.assign(image.begin(), image.begin() + header_at + 3);
      CHECK(parse(cut).error == core::ImageError::Truncated);

      cut.assign(image.begin(), image.begin() + data_at + len / 2);
      p = parse(cut);
      CHECK(p.error == core::ImageError::SegmentOverrunsFile);
      CHECK(message(p.problem) == "segment " + std::to_string(i) + " overruns file: " + std::to_string(len) +
                                      " bytes declared at offset " + std::to_string(data_at) +
                                      ", file ends at " + std::to_string(data_at + len / 2));
    }
    const size_t cks = whole.info.checksum_offset;
    std::vector<uint8_t> cut(image.begin(), image.begin() + cks);
    CHECK(message(parse(cut).problem) == "truncated at offset " + std::to_string(cks) + " (before the checksum byte)");
    cut.assign(image.begin(), image.end() - 1);
    CHECK(message(parse(cut).problem) ==
          "truncated at offset " + std::to_string(image.size() - 1) + " (in the appended SHA-256)");
    CHECK(message(parse({}).problem) == "truncated at offset 0 (in the image header)");
  }

  TEST_CASE("the app descriptor is known once its 256 bytes have arrived, before its segment ends") {
    const auto image = build_image(small_spec());
    core::ImageStream stream;
    REQUIRE(stream.feed(image.data(), core::kAppDescOffset + core::kAppDescSize) == core::ImageError::Ok);
    CHECK(stream.info().has_app_desc);
    CHECK(std::string(stream.info().app.version) == "V1.0.0");
    core::ImageStream wrong;
    auto bad = image;
    bad[core::kAppDescOffset] ^= 0xFF;
    CHECK(wrong.feed(bad.data(), core::kAppDescOffset + core::kAppDescSize) == core::ImageError::NoAppDescriptor);
  }

  TEST_CASE("a wrong chip is reported from the header alone, before any segment arrives") {
    ImageSpec spec = small_spec();
    spec.chip_id = 0x0D;
    const auto image = build_image(spec);
    core::ImagePolicy policy;
    policy.expected_chip = core::kChipEsp32;
    core::ImageStream stream(policy);
    CHECK(stream.feed(image.data(), core::kImageHeaderSize) == core::ImageError::WrongChip);
  }

  TEST_CASE("an image larger than the partition is refused as soon as a segment header says so") {
    const auto image = build_image(small_spec());
    core::ImagePolicy policy;
    policy.max_size = 0x300;  // the 4th segment (0x200 bytes at 540) ends past it
    core::ImageStream stream(policy);
    const size_t fourth_header_end = parse(image).info.segments[3].data_offset;
    CHECK(stream.feed(image.data(), fourth_header_end) == core::ImageError::TooLarge);
    CHECK(stream.bytes_seen() == fourth_header_end);
  }

  TEST_CASE("an endless body is cut at the size limit") {
    const auto image = build_image(small_spec());
    core::ImagePolicy policy;
    policy.max_size = image.size() + 100;
    core::ImageStream stream(policy);
    REQUIRE(stream.feed(image.data(), image.size()) == core::ImageError::Ok);
    std::vector<uint8_t> junk(4096, 0);
    CHECK(stream.feed(junk.data(), junk.size()) == core::ImageError::TooLarge);
    CHECK(stream.bytes_seen() == image.size() + 100);
    CHECK(stream.feed(junk.data(), junk.size()) == core::ImageError::TooLarge);
    CHECK(stream.bytes_seen() == image.size() + 100);
  }

  TEST_CASE("bytes after the hash are reported as trailing, not as part of the image") {
    auto image = build_image(small_spec());
    const size_t size = image.size();
    image.resize(size + 4096, 0xFF);
    const Parsed p = parse(image);
    CHECK(p.error == core::ImageError::Ok);
    CHECK(p.info.image_size == size);
    CHECK(p.info.trailing_bytes == 4096);
    CHECK(p.info.file_sha256 == core::Sha256::of(image.data(), image.size()));
  }

  TEST_CASE("an image without appended hash is accepted only when the policy allows it") {
    ImageSpec spec = small_spec();
    spec.hash_appended = false;
    const auto image = build_image(spec);
    core::ImagePolicy lenient;
    lenient.require_hash = false;
    const Parsed p = parse(image, lenient);
    CHECK(p.error == core::ImageError::Ok);
    CHECK(p.info.image_size == image.size());
    CHECK(parse(image).error == core::ImageError::NoAppendedHash);
  }

  TEST_CASE("a bootloader-like image without descriptor parses when the policy does not require one") {
    ImageSpec spec = small_spec();
    spec.with_app_desc = false;
    const auto image = build_image(spec);
    core::ImagePolicy bootloader;
    bootloader.require_app_desc = false;
    CHECK(parse(image, bootloader).error == core::ImageError::Ok);
    CHECK_FALSE(parse(image, bootloader).info.has_app_desc);
    CHECK(parse(image).error == core::ImageError::NoAppDescriptor);
  }

  TEST_CASE("a first segment too short for the descriptor is named as such") {
    ImageSpec spec = small_spec();
    spec.with_app_desc = false;
    spec.segments[0].length = 0x40;
    const auto image = build_image(spec);
    CHECK(message(parse(image).problem) == "no app descriptor: the first segment has 64 bytes, fewer than its 256");
  }

  TEST_CASE("any non-zero hash flag means an appended hash, as the bootloader reads it") {
    auto image = build_image(small_spec());
    image[23] = 2;
    const Parsed p = parse(image);
    CHECK(p.info.header.hash_appended);
    CHECK(p.error == core::ImageError::Sha256Mismatch);  // the flag byte is itself hashed
    core::ImageProblem problem;
    REQUIRE(core::finalize_image(image.data(), image.size(), problem) == core::ImageError::Ok);
    CHECK(parse(image).error == core::ImageError::Ok);
  }

  TEST_CASE("stamping writes version and secure_version and leaves a valid image") {
    const auto original = build_image(small_spec());
    auto image = original;
    core::ImageProblem problem;
    REQUIRE(core::stamp_image(image.data(), image.size(), "V1.8.0-rc.1", 7, problem) == core::ImageError::Ok);
    const Parsed p = parse(image);
    REQUIRE(p.error == core::ImageError::Ok);
    CHECK(std::string(p.info.app.version) == "V1.8.0-rc.1");
    CHECK(p.info.app.secure_version == 7);
    // Only the descriptor fields, the checksum byte and the hash may change.
    for (size_t i = 0; i < image.size(); ++i) {
      const bool in_version = i >= 0x20 + 16 && i < 0x20 + 48;
      const bool in_secure = i >= 0x20 + 4 && i < 0x20 + 8;
      const bool in_footer = i >= p.info.checksum_offset;
      if (!in_version && !in_secure && !in_footer) REQUIRE(image[i] == original[i]);
    }
    REQUIRE(core::stamp_image(image.data(), image.size(), "V2.0.0", core::kKeepSecureVersion, problem) ==
            core::ImageError::Ok);
    CHECK(parse(image).info.app.secure_version == 7);
  }

  TEST_CASE("stamping refuses values that do not fit and damaged inputs") {
    auto image = build_image(small_spec());
    core::ImageProblem problem;
    const std::string too_long(32, '1');
    CHECK(core::stamp_image(image.data(), image.size(), too_long.c_str(), 0, problem) ==
          core::ImageError::InvalidStamp);
    CHECK(core::stamp_image(image.data(), image.size(), "V1.0.0", int64_t{1} << 32, problem) ==
          core::ImageError::InvalidStamp);
    image[100] ^= 1;
    CHECK(core::stamp_image(image.data(), image.size(), "V1.0.0", 0, problem) ==
          core::ImageError::ChecksumMismatch);
  }

  TEST_CASE("names of chips, SPI modes, speeds and flash sizes") {
    CHECK(std::string(core::chip_name(0)) == "esp32");
    CHECK(std::string(core::chip_name(0x10)) == "esp32h2");
    CHECK(std::string(core::chip_name(0x77)) == "unknown");
    uint16_t id = 99;
    CHECK(core::chip_id_from_name("esp32s3", id));
    CHECK(id == 9);
    CHECK_FALSE(core::chip_id_from_name("esp8266", id));
    CHECK(std::string(core::spi_mode_name(2)) == "DIO");
    CHECK(std::string(core::spi_speed_name(0xF)) == "80MHz");
    CHECK(std::string(core::flash_size_name(2)) == "4MB");
    CHECK(std::string(core::flash_size_name(9)) == "unknown");
  }
}
