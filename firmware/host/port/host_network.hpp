#pragma once
// TCP and TLS for the sim: BSD sockets and OpenSSL. TLS trusts only the CA certificates
// compiled into the sim (certs/*.pem at build time) and those given with --ca, never the
// host's system store: that is what a device with compiled-in roots does.
#include <openssl/ssl.h>

#include <memory>
#include <string>
#include <vector>

#include "vt132/core/port/network.hpp"

namespace vt132::hostport {

class HostNetwork : public core::port::Network {
 public:
  explicit HostNetwork(const std::vector<std::string>& extra_ca_files);
  ~HostNetwork() override;

  core::port::Stream* connect(const char* host, uint16_t port, bool tls, uint32_t timeout_ms,
                              core::port::NetError& err) override;
  void close(core::port::Stream* stream) override;
  bool listen(uint16_t port) override;
  core::port::Stream* accept() override;

  size_t open_streams() const { return open_; }

 private:
  SSL_CTX* ctx_ = nullptr;
  int listen_fd_ = -1;
  uint16_t listen_port_ = 0;
  size_t open_ = 0;
};

}  // namespace vt132::hostport
