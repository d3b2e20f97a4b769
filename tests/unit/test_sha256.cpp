#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "vt132/core/sha256.hpp"

using vt132::core::Sha256;

namespace {
std::string hex_of(const std::string& s) {
  char out[65];
  vt132::core::sha256_to_hex(Sha256::of(reinterpret_cast<const uint8_t*>(s.data()), s.size()), out);
  return out;
}
}  // namespace

TEST_SUITE("sha256") {
  TEST_CASE("matches the FIPS 180-4 example digests") {
    CHECK(hex_of("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    CHECK(hex_of("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    CHECK(hex_of("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq") ==
          "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  }

  TEST_CASE("a million 'a' hashed in uneven chunks equals the reference digest") {
    std::vector<uint8_t> chunk(997, 'a');
    Sha256 h;
    size_t left = 1000000;
    while (left > 0) {
      const size_t n = left < chunk.size() ? left : chunk.size();
      h.update(chunk.data(), n);
      left -= n;
    }
    char out[65];
    vt132::core::sha256_to_hex(h.finish(), out);
    CHECK(std::string(out) == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
  }

  TEST_CASE("messages around the 55/56/64-byte padding boundaries hash the same streamed or whole") {
    for (size_t len : {55u, 56u, 57u, 63u, 64u, 65u, 119u, 120u, 128u}) {
      std::vector<uint8_t> msg(len);
      for (size_t i = 0; i < len; ++i) msg[i] = static_cast<uint8_t>(i * 7 + 3);
      Sha256 h;
      for (uint8_t b : msg) h.update(&b, 1);
      CHECK(h.finish() == Sha256::of(msg.data(), msg.size()));
    }
    CHECK(hex_of(std::string(56, 'a')) ==
          "b35439a4ac6f0948b6d6f9e3c6af0f5f590ce20f1bde7090ef7970686ec6738a");
  }
}
