#pragma once
// Everything the server can be told, from flags or the --config file (same key names).
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace vt132::server {

struct ServerConfig {
  std::filesystem::path data_dir;
  std::string listen = "0.0.0.0:8443";  // HTTPS
  std::string http_listen;              // plain HTTP, off unless given
  std::filesystem::path tls_cert;       // both empty: DATA/tls, created on first start
  std::filesystem::path tls_key;
  std::vector<std::string> tls_names;   // extra names for a generated certificate
  std::string repo;                     // OWNER/NAME served at /{asset} (older firmware)
  std::string public_url;               // overrides the Host header in generated URLs
  uint64_t max_upload_bytes = 20u << 20;  // the largest app partition (16 MiB) plus room
  // Memory ceiling (docs/security.md): about 24 MB + listeners x max_threads x
  // (32 x max_request_head + 256 KiB): the library's header map for a head of 5-byte header
  // lines, TLS state, connection_io's buffers (a 4 KiB read block and at most 16 KiB of
  // response, connection_io.hpp) and stack per connection. Defaults: 216 MB for HTTPS alone, 408 MB with
  // plain HTTP too. Queued connections wait in the kernel and cost no more than a socket.
  size_t max_threads = 256;             // per listener; one per connection (httplib's model)
  size_t max_queue = 512;               // accepted connections waiting for a thread
  int worker_idle_timeout_s = 30;       // an idle thread ends after this long
  size_t max_request_head = 16 * 1024;  // request line + headers (+ TLS handshake) per request
  size_t max_headers = 100;             // header fields per request
  int request_head_timeout_s = 30;      // from a request's first byte to its last header
  int read_timeout_s = 20;
  int write_timeout_s = 30;
  int keep_alive_timeout_s = 10;
  size_t keep_alive_max = 10000;
  // SO_SNDBUF for connections, 0 = the kernel's autotuning. A bound keeps kernel memory per
  // slow client small (autotuning can buffer a whole image per connection).
  int send_buffer = 0;
  int shutdown_grace_s = 20;            // in-flight requests get this long after SIGTERM
  std::string log_level = "info";
  bool access_log = true;
  // --mirror (mirror.hpp): keep a local copy of an upstream repository's releases.
  std::string mirror;                              // OWNER/NAME; empty: off
  std::string upstream = "https://api.github.com";
  int mirror_interval_s = 3600;
  std::string upstream_token_env;                  // names the variable holding a token
  std::filesystem::path upstream_cacert;           // empty: the system store
  std::filesystem::path trust_key;                 // empty: upstream digests only
  bool mirror_prune = false;
  // --export-dir (export_refresher.hpp): keep a static export here current; empty: off.
  std::filesystem::path export_dir;
  // The devices list (devices.hpp): off, no device id or client address is stored.
  bool device_log = true;
};

struct HostPort {
  std::string host;
  int port = 0;
};
// "0.0.0.0:8443", "[::1]:8443", "localhost:80"; throws host::Error naming the value.
HostPort parse_host_port(const std::string& text, const std::string& option);

}  // namespace vt132::server
