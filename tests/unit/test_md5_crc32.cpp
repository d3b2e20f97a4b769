#include <doctest/doctest.h>

#include <algorithm>
#include <cstring>
#include <string>
#include <vector>

#include "vt132/core/bytes.hpp"
#include "vt132/core/crc32.hpp"
#include "vt132/core/md5.hpp"

using vt132::core::crc32;
using vt132::core::crc32_update;
using vt132::core::Md5;

namespace {

const uint8_t* bytes(const std::string& s) { return reinterpret_cast<const uint8_t*>(s.data()); }

std::string md5_hex(const std::string& s) {
  char out[33];
  vt132::core::md5_to_hex(Md5::of(bytes(s), s.size()), out);
  return out;
}

uint32_t zlib_style_crc_of_le32(uint32_t value, uint32_t start) {
  uint8_t le[4];
  vt132::core::store_le32(le, value);
  return crc32_update(start, le, sizeof le);
}

}  // namespace

TEST_SUITE("md5_crc32") {
  TEST_CASE("crc32 of the standard check string is 0xCBF43926") {
    const std::string check = "123456789";
    CHECK(crc32(bytes(check), check.size()) == 0xCBF43926u);
    CHECK(crc32(nullptr, 0) == 0u);
  }

  TEST_CASE("crc32 with start 0xFFFFFFFF gives the otadata CRCs from the spec") {
    // zlib.crc32(le32(seq), 0xFFFFFFFF): the start value is inverted on entry, so the
    // register begins at 0 rather than the usual 0xFFFFFFFF.
    CHECK(zlib_style_crc_of_le32(1, 0xFFFFFFFF) == 0x4743989Au);
    CHECK(zlib_style_crc_of_le32(2, 0xFFFFFFFF) == 0x55F63774u);
    // ...which differs from the plain CRC-32 of the same bytes.
    CHECK(zlib_style_crc_of_le32(1, 0) == 0x99F8B879u);
  }

  TEST_CASE("crc32_update continues a CRC across chunks like one call over the whole") {
    std::string data;
    for (int i = 0; i < 1000; ++i) data.push_back(static_cast<char>(i * 7 + 3));
    const uint32_t whole = crc32(bytes(data), data.size());
    for (size_t split : {size_t{0}, size_t{1}, size_t{13}, size_t{500}, size_t{999}, size_t{1000}}) {
      const uint32_t first = crc32_update(0, bytes(data), split);
      CHECK(crc32_update(first, bytes(data) + split, data.size() - split) == whole);
    }
  }

  TEST_CASE("md5 matches the RFC 1321 test suite") {
    CHECK(md5_hex("") == "d41d8cd98f00b204e9800998ecf8427e");
    CHECK(md5_hex("a") == "0cc175b9c0f1b6a831c399e269772661");
    CHECK(md5_hex("abc") == "900150983cd24fb0d6963f7d28e17f72");
    CHECK(md5_hex("message digest") == "f96b697d7cb7938d525a2f31aaf161d0");
    CHECK(md5_hex("abcdefghijklmnopqrstuvwxyz") == "c3fcd3d76192e4007dfb496cca67e13b");
    CHECK(md5_hex("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789") ==
          "d174ab98d277d9f5a5611c2c9f419d9f");
    CHECK(md5_hex("1234567890123456789012345678901234567890123456789012345678901234567890123456"
                  "7890") == "57edf4a22be3c955ac49da2e2107b67a");
  }

  TEST_CASE("md5 streamed in uneven chunks equals md5 of the whole, around padding boundaries") {
    for (size_t len : {size_t{55}, size_t{56}, size_t{57}, size_t{63}, size_t{64}, size_t{65},
                       size_t{119}, size_t{120}, size_t{128}, size_t{3072}}) {
      std::vector<uint8_t> data(len);
      for (size_t i = 0; i < len; ++i) data[i] = static_cast<uint8_t>(i * 31 + len);
      const auto whole = Md5::of(data.data(), data.size());
      for (size_t chunk : {size_t{1}, size_t{7}, size_t{64}, size_t{100}}) {
        Md5 h;
        for (size_t at = 0; at < len; at += chunk) h.update(data.data() + at, std::min(chunk, len - at));
        CHECK(h.finish() == whole);
      }
    }
  }

  TEST_CASE("md5 reset starts a new hash") {
    Md5 h;
    h.update(bytes(std::string("garbage")), 7);
    h.finish();
    h.reset();
    h.update(bytes(std::string("abc")), 3);
    char out[33];
    vt132::core::md5_to_hex(h.finish(), out);
    CHECK(std::string(out) == "900150983cd24fb0d6963f7d28e17f72");
  }
}
