#include "port/host_system.hpp"

#include <openssl/pem.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <thread>

namespace vt132::hostport {

uint32_t HostClock::millis() {
  using namespace std::chrono;
  return static_cast<uint32_t>(duration_cast<milliseconds>(steady_clock::now().time_since_epoch()).count());
}

int64_t HostClock::unix_time() { return static_cast<int64_t>(std::time(nullptr)); }

void HostClock::sleep_ms(uint32_t ms) { std::this_thread::sleep_for(std::chrono::milliseconds(ms)); }

void HostWifi::join(const char* ssid, const char* /*password*/) {
  using core::port::WifiStatus;
  if (!ssid[0]) status_ = WifiStatus::NoSsid;
  else status_ = fail_ ? WifiStatus::ConnectFailed : WifiStatus::Connected;
}

void HostWifi::leave() { status_ = core::port::WifiStatus::Disconnected; }

void HostWifi::ip_address(char out[16]) {
  std::snprintf(out, 16, "%s", status_ == core::port::WifiStatus::Connected ? "127.0.0.1" : "0.0.0.0");
}

void HostWifi::mac(uint8_t out[6]) { std::memcpy(out, mac_.data(), mac_.size()); }

bool sim_mac(const std::string& text, const std::string& flash_path, std::array<uint8_t, 6>& out) {
  if (!text.empty()) {
    unsigned b[6];
    char end = 0;
    if (std::sscanf(text.c_str(), "%2x:%2x:%2x:%2x:%2x:%2x%c", &b[0], &b[1], &b[2], &b[3], &b[4], &b[5], &end) != 6 ||
        text.size() != 17) {
      return false;
    }
    for (size_t i = 0; i < 6; ++i) out[i] = static_cast<uint8_t>(b[i]);
    return true;
  }
  std::error_code ec;
  const std::string path = std::filesystem::absolute(flash_path, ec).lexically_normal().string();
  const core::Sha256Digest d = core::Sha256::of(reinterpret_cast<const uint8_t*>(path.data()), path.size());
  // Espressif's OUI, as a real VT132's ESP32 has, and three bytes that name the file.
  out = {0x24, 0x0a, 0xc4, d[0], d[1], d[2]};
  return true;
}

FileSecureCounter::FileSecureCounter(std::string path) : path_(std::move(path)) {
  std::ifstream in(path_);
  unsigned long v = 0;
  if (in >> v) value_ = static_cast<uint32_t>(v);
}

void FileSecureCounter::raise_to(uint32_t value) {
  if (value <= value_) return;  // an eFuse bit once burnt stays burnt
  value_ = value;
  std::ofstream(path_, std::ios::trunc) << value_ << '\n';
}

OpenSslVerifier::OpenSslVerifier(const std::string& public_pem_path) {
  FILE* f = std::fopen(public_pem_path.c_str(), "r");
  if (f) {
    key_ = PEM_read_PUBKEY(f, nullptr, nullptr, nullptr);
    std::fclose(f);
  }
  if (!key_ || EVP_PKEY_get_base_id(key_) != EVP_PKEY_EC || EVP_PKEY_get_bits(key_) != 256) {
    std::fprintf(stderr, "vt132-sim: %s is not an ECDSA P-256 public key (PEM)\n", public_pem_path.c_str());
    std::exit(2);
  }
}

OpenSslVerifier::~OpenSslVerifier() { EVP_PKEY_free(key_); }

bool OpenSslVerifier::verify(const core::Sha256Digest& digest, const uint8_t* der_sig, size_t sig_len) {
  EVP_PKEY_CTX* ctx = EVP_PKEY_CTX_new(key_, nullptr);
  const bool ok = ctx && EVP_PKEY_verify_init(ctx) == 1 &&
                  EVP_PKEY_verify(ctx, der_sig, sig_len, digest.data(), digest.size()) == 1;
  EVP_PKEY_CTX_free(ctx);
  return ok;
}

void* MallocAllocator::allocate(size_t size) { return std::malloc(size); }
void MallocAllocator::release(void* p, size_t /*size*/) { std::free(p); }

}  // namespace vt132::hostport
