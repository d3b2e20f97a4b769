#pragma once
// The sim's clock, Wi-Fi, anti-rollback eFuse, signature key and heap.
#include <openssl/evp.h>

#include <array>
#include <cstdint>
#include <string>

#include "vt132/core/port/system.hpp"

namespace vt132::hostport {

class HostClock : public core::port::Clock {
 public:
  uint32_t millis() override;
  int64_t unix_time() override;
  void sleep_ms(uint32_t ms) override;
};

// "Wi-Fi" is the host's own network: joining succeeds for any non-empty SSID, unless the
// sim was told to fail it (to reach NO DIALTONE paths). The MAC is the board's: see
// sim_mac() for where a sim gets its own.
class HostWifi : public core::port::Wifi {
 public:
  HostWifi(bool fail_joins, const std::array<uint8_t, 6>& mac) : fail_(fail_joins), mac_(mac) {}
  void join(const char* ssid, const char* password) override;
  void leave() override;
  core::port::WifiStatus status() override { return status_; }
  void ip_address(char out[16]) override;
  void mac(uint8_t out[6]) override;

 private:
  bool fail_;
  std::array<uint8_t, 6> mac_;
  core::port::WifiStatus status_ = core::port::WifiStatus::NotStarted;
};

// A sim's MAC: `text` ("24:0a:c4:12:34:56") when given, else one derived from the flash
// file's absolute path, so two sims on two flash files are two boards and the same file
// is the same board on every start. False when `text` is not six hex pairs.
bool sim_mac(const std::string& text, const std::string& flash_path, std::array<uint8_t, 6>& out);

// The secure_version eFuse, kept in a small text file beside the flash file.
class FileSecureCounter : public core::port::SecureCounter {
 public:
  explicit FileSecureCounter(std::string path);
  uint32_t floor() override { return value_; }
  void raise_to(uint32_t value) override;

 private:
  std::string path_;
  uint32_t value_ = 0;
};

// The release public key "compiled in" (loaded from --pubkey).
class OpenSslVerifier : public core::port::SignatureVerifier {
 public:
  explicit OpenSslVerifier(const std::string& public_pem_path);
  ~OpenSslVerifier() override;
  bool verify(const core::Sha256Digest& digest, const uint8_t* der_sig, size_t sig_len) override;

 private:
  EVP_PKEY* key_ = nullptr;
};

class MallocAllocator : public core::port::Allocator {
 public:
  void* allocate(size_t size) override;
  void release(void* p, size_t size) override;
};

}  // namespace vt132::hostport
