#pragma once
// TCP and TLS streams on the device: esp_tls for https:// (server certificates checked
// against ESP-IDF's certificate bundle, or the LAN CA built in from Kconfig), plain lwIP
// sockets for http://, ATD calls and answer mode. Every read, write, connect and handshake
// ends by its deadline, as port::Network documents: sockets are non-blocking and each wait
// is a select() bounded by the time left. Name resolution (getaddrinfo, also inside
// esp_tls) is the exception: lwIP's DNS timer bounds it, not timeout_ms.
#include <cstdint>

#include "port/embedded_pem.hpp"
#include "vt132/core/port/network.hpp"

namespace vt132::espport {

class EspNetwork final : public core::port::Network {
 public:
  // lan_ca: an extra trusted root for a LAN release server (empty: none). It is tried only
  // when the certificate bundle does not vouch for the server, so public hosts are never
  // checked against it alone.
  explicit EspNetwork(const PemText& lan_ca);
  ~EspNetwork() override;
  EspNetwork(const EspNetwork&) = delete;
  EspNetwork& operator=(const EspNetwork&) = delete;

  core::port::Stream* connect(const char* host, uint16_t port, bool tls, uint32_t timeout_ms,
                              core::port::NetError& err) override;
  void close(core::port::Stream* stream) override;
  bool listen(uint16_t port) override;
  core::port::Stream* accept() override;

 private:
  core::port::Stream* connect_tls(const char* host, uint16_t port, uint32_t timeout_ms,
                                  core::port::NetError& err);

  PemText lan_ca_;
  int listen_fd_ = -1;
  uint16_t listen_port_ = 0;
};

}  // namespace vt132::espport
