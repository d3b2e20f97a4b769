#pragma once
// A small HTTP/1.1 GET client over a port::Stream: redirects, Range, Content-Length and
// chunked bodies, bounded buffers. One request per connection (Connection: close), which
// is what esp_http_client does for OTA downloads too.
//
// The owner lends the receive buffer (its size bounds what one read takes from the network)
// and a clock, by which the silence of the server is measured across calls: take_body() can
// wait briefly and come back empty-handed (kPending) so a caller's loop stays live, while a
// server silent for timeout_ms in total is still a Timeout.
#include <cstddef>
#include <cstdint>

#include "vt132/core/net/transfer_guard.hpp"
#include "vt132/core/net/url.hpp"
#include "vt132/core/port/network.hpp"
#include "vt132/core/port/system.hpp"

namespace vt132::core {

enum class HttpError {
  Ok,
  BadUrl,
  Resolve,
  Connect,
  Tls,
  Timeout,
  Closed,          // the connection ended early (body shorter than announced, no headers)
  Protocol,        // not HTTP, a header line or header count over the limit, a bad chunk
  TooManyRedirects,
  Insecure,        // a redirect from https:// to plain http://
  TooSlow,         // the TransferGuard ended the transfer (rate floor or deadline)
};

struct HttpResponse {
  int status = 0;
  int64_t content_length = -1;  // -1: not given
  bool chunked = false;
  char content_type[48] = {};
  int64_t range_start = -1;     // from Content-Range on a 206
  int64_t range_total = -1;
};

constexpr size_t kMaxHeaderLine = kMaxUrlLength + 32;
// GitHub's API and asset hosts send about 30 header lines; more than this is not a server
// we can talk to, and reading on would let it keep us busy for as long as it likes.
constexpr size_t kMaxHeaderLines = 100;

class HttpClient {
 public:
  static constexpr int kMaxRedirects = 5;

  // take_body() answers this when nothing arrived within its short wait: not an error.
  static constexpr int kPending = -2;

  // rx (rx_cap bytes, at least 1) must outlive the client.
  HttpClient(port::Network& net, port::Clock& clock, uint32_t timeout_ms, uint8_t* rx, size_t rx_cap)
      : net_(net), clock_(clock), timeout_ms_(timeout_ms), rx_(rx), rx_cap_(rx_cap) {}
  ~HttpClient() { close(); }
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  // Every byte received from now on is accounted to `guard` (nullptr: only the per-read
  // timeout applies). The guard must outlive the client's use of it.
  void set_guard(TransferGuard* guard) { guard_ = guard; }
  // The User-Agent of every request from now on (ota/user_agent.hpp; nullptr: "VT132"). The
  // text must outlive the client's use of it and hold no CR or LF.
  void set_user_agent(const char* user_agent) { user_agent_ = user_agent ? user_agent : "VT132"; }
  // GETs url (following redirects); with range_from > 0 asks for "bytes=range_from-".
  // A redirect never leaves https for http (Insecure).
  // On Ok the headers of the final response are in `out` and the body can be read.
  HttpError get(const char* url, uint64_t range_from, HttpResponse& out);
  // >0 bytes of body, 0 at its end, <0 on error (last_error() says which). Waits for the
  // network up to the read timeout.
  int read_body(uint8_t* out, size_t cap);
  // The next body bytes in place: >0 bytes at `data` (at most `max`, valid until the next
  // call), 0 at the end, <0 on error, kPending when the receive buffer was empty and nothing
  // arrived within wait_ms while the server's silence is still under the read timeout.
  // Only the first network read of a call waits this short: once bytes have come, the rest
  // of a chunk-size line is read with the full timeout (a line is a few bytes).
  int take_body(const uint8_t*& data, size_t max, uint32_t wait_ms);
  HttpError last_error() const { return error_; }
  // The URL of the final response after redirects.
  const char* url() const { return url_; }
  void close();

 private:
  HttpError request(const Url& url, uint64_t range_from);
  HttpError read_headers(HttpResponse& out, bool& redirect);
  HttpError read_line(char* line, size_t cap, size_t& len);
  int fill(uint32_t wait_ms);
  int fill() { return fill(timeout_ms_); }
  int take_raw(const uint8_t*& data, size_t max);
  bool next_chunk();
  bool resolve_location(const char* location);

  port::Network& net_;
  port::Clock& clock_;
  uint32_t timeout_ms_;
  TransferGuard* guard_ = nullptr;
  const char* user_agent_ = "VT132";
  port::Stream* stream_ = nullptr;
  HttpError error_ = HttpError::Ok;
  char url_[kMaxUrlLength + 1] = {};
  char line_[kMaxHeaderLine + 1] = {};
  uint8_t* rx_;
  size_t rx_cap_;
  size_t rx_pos_ = 0;
  size_t rx_len_ = 0;
  bool chunked_ = false;
  int64_t body_left_ = -1;   // Content-Length bodies; -1 reads to close
  uint64_t chunk_left_ = 0;
  bool after_chunk_ = false;
  bool body_done_ = false;
  bool peer_closed_ = false;
  uint32_t last_rx_ms_ = 0;  // when the server last sent a byte (or the request went out)
};

const char* describe(HttpError error);

}  // namespace vt132::core
