#pragma once
// TCP and TLS byte streams (esp_tls / lwIP sockets on the device, OpenSSL and BSD sockets in
// the sim). HTTP, redirects and Range are done by the core on top of this, so every port
// shares one HTTP implementation and the port stays a thin wrapper.
#include <cstddef>
#include <cstdint>

namespace vt132::core::port {

enum class NetError { Ok, Resolve, Connect, Tls, Timeout, Closed, NoMemory };

class Stream {
 public:
  virtual ~Stream() = default;
  // >0: bytes read; 0: nothing within timeout_ms; <0: closed by the peer or failed.
  // timeout_ms bounds the whole call, also when a TLS record arrives a byte at a time.
  virtual int read(uint8_t* buf, size_t cap, uint32_t timeout_ms) = 0;
  // Writes everything or fails (false).
  virtual bool write(const uint8_t* data, size_t len) = 0;
};

class Network {
 public:
  virtual ~Network() = default;
  // A connected stream, or nullptr with `err` set. With tls, the server certificate must
  // chain to the port's trusted roots and match host. The connect and the TLS handshake
  // each end within timeout_ms (Timeout otherwise). The stream lives until close().
  virtual Stream* connect(const char* host, uint16_t port, bool tls, uint32_t timeout_ms,
                          NetError& err) = 0;
  virtual void close(Stream* stream) = 0;

  // Answer mode: listen for one incoming TCP call on port (0 stops listening); accept()
  // returns a waiting caller or nullptr without blocking.
  virtual bool listen(uint16_t port) = 0;
  virtual Stream* accept() = 0;
};

}  // namespace vt132::core::port
