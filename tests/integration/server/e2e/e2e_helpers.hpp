#pragma once
// What the server end-to-end tests share: test images, the publish steps through the API, and
// raw sockets and TLS handshakes for what httplib's client cannot send.
#include <httplib.h>

#include <chrono>
#include <cstdint>
#include <string>
#include <thread>

#include <nlohmann/json.hpp>

#include "server_process.hpp"

namespace vt132::test {

extern const std::string kRepo;     // /repos/vt132/firmware
extern const std::string kApi;      // /api/v3 + kRepo
extern const std::string kUploads;  // /api/uploads + kRepo

// A format-valid VT132-like app image of about `size` bytes.
std::string image(const std::string& version, uint32_t size, uint32_t seed = 1);
nlohmann::json body_json(const httplib::Result& res);
uint64_t create_release(const ServerProcess& s, const std::string& tag, bool draft);
httplib::Result upload(const ServerProcess& s, uint64_t id, const std::string& name, const std::string& bytes);
void publish(const ServerProcess& s, uint64_t id);
// A published release V1.0.0 with VT132.bin; returns the image bytes.
std::string publish_v1(const ServerProcess& s, uint32_t size = 1100 * 1024);

// Checks `pred` every 20 ms until it holds or `limit` has passed; returns its last answer.
// For events the server shows only in its log or its files.
template <typename Pred>
bool wait_until(Pred pred, std::chrono::seconds limit) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline) {
    if (pred()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return pred();
}

// A TCP connection to 127.0.0.1:port with a 20 s receive timeout (and SO_RCVBUF when > 0).
int connect_loopback(int port, int rcvbuf = 0);
void send_all(int fd, const std::string& data);
// Tries a TLS handshake limited to [min, max] with `ciphers` (TLS 1.2 and below) and, when
// given, `tls13_suites` in that order; returns the cipher agreed or "".
std::string handshake(int port, int min_version, int max_version, const char* ciphers,
                      const char* tls13_suites = nullptr);

}  // namespace vt132::test
