#pragma once
// The sim's clock, Wi-Fi, anti-rollback eFuse, signature key and heap.
#include <openssl/evp.h>

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
// sim was told to fail it (to reach NO DIALTONE paths).
class HostWifi : public core::port::Wifi {
 public:
  explicit HostWifi(bool fail_joins) : fail_(fail_joins) {}
  void join(const char* ssid, const char* password) override;
  void leave() override;
  core::port::WifiStatus status() override { return status_; }
  void ip_address(char out[16]) override;
  void mac_address(char out[18]) override;

 private:
  bool fail_;
  core::port::WifiStatus status_ = core::port::WifiStatus::NotStarted;
};

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
