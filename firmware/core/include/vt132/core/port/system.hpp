#pragma once
// The small services the modem needs besides serial, flash and network; each maps onto
// one ESP-IDF facility (esp_timer, NVS, esp_wifi, eFuse, mbedTLS ECDSA, heap_caps).
#include <cstddef>
#include <cstdint>

#include "vt132/core/sha256.hpp"

namespace vt132::core::port {

class Clock {
 public:
  virtual ~Clock() = default;
  virtual uint32_t millis() = 0;
  // Unix seconds, or 0 when the device does not know the time (no SNTP yet).
  virtual int64_t unix_time() = 0;
  virtual void sleep_ms(uint32_t ms) = 0;
};

// NVS-like string store. Values are short text (at most kMaxSettingValue bytes).
constexpr size_t kMaxSettingValue = 256;
class Settings {
 public:
  virtual ~Settings() = default;
  // False when the key is absent; out is always NUL-terminated.
  virtual bool load(const char* key, char* out, size_t cap) = 0;
  virtual bool store(const char* key, const char* value) = 0;
};

enum class WifiStatus { NotStarted, Idle, NoSsid, Connected, ConnectFailed, ConnectionLost, Disconnected };

class Wifi {
 public:
  virtual ~Wifi() = default;
  // Starts joining; the outcome shows in status() (asynchronous on the device).
  virtual void join(const char* ssid, const char* password) = 0;
  virtual void leave() = 0;
  virtual WifiStatus status() = 0;
  virtual void ip_address(char out[16]) = 0;   // "0.0.0.0" when not joined
  // The station MAC (esp_read_mac(ESP_MAC_WIFI_STA)): AT+W# shows it, and the User-Agent
  // carries a hash of it as the device's id (ota/user_agent.hpp).
  virtual void mac(uint8_t out[6]) = 0;
};

// The anti-rollback floor (the secure_version eFuse): it only ever goes up.
class SecureCounter {
 public:
  virtual ~SecureCounter() = default;
  virtual uint32_t floor() = 0;
  virtual void raise_to(uint32_t value) = 0;
};

// Release signature check with the public key compiled into the firmware.
class SignatureVerifier {
 public:
  virtual ~SignatureVerifier() = default;
  // True only for a valid DER ECDSA P-256 signature over the message with this digest.
  virtual bool verify(const Sha256Digest& digest, const uint8_t* der_sig, size_t sig_len) = 0;
};

// Heap for the core's per-command working memory (heap_caps_malloc on the device).
class Allocator {
 public:
  virtual ~Allocator() = default;
  virtual void* allocate(size_t size) = 0;
  virtual void release(void* p, size_t size) = 0;
};

}  // namespace vt132::core::port
