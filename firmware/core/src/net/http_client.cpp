#include "vt132/core/net/http_client.hpp"

#include <cstdio>
#include <cstring>

namespace vt132::core {
namespace {

char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

// "Name: value" with a case-insensitive name; returns the value with spaces skipped.
const char* header_value(const char* line, const char* name) {
  for (; *name; ++line, ++name) {
    if (lower(*line) != *name) return nullptr;
  }
  if (*line != ':') return nullptr;
  ++line;
  while (*line == ' ' || *line == '\t') ++line;
  return line;
}

bool parse_u64(const char*& p, uint64_t& out, int base = 10) {
  out = 0;
  const char* start = p;
  for (;; ++p) {
    int d;
    if (*p >= '0' && *p <= '9') d = *p - '0';
    else if (base == 16 && lower(*p) >= 'a' && lower(*p) <= 'f') d = lower(*p) - 'a' + 10;
    else break;
    if (out > (UINT64_MAX - static_cast<uint64_t>(d)) / static_cast<uint64_t>(base)) return false;
    out = out * static_cast<uint64_t>(base) + static_cast<uint64_t>(d);
  }
  return p != start;
}

bool contains_nocase(const char* hay, const char* needle) {
  const size_t n = std::strlen(needle);
  for (; *hay; ++hay) {
    size_t i = 0;
    while (i < n && hay[i] && lower(hay[i]) == needle[i]) ++i;
    if (i == n) return true;
  }
  return false;
}

HttpError from_net(port::NetError e) {
  switch (e) {
    case port::NetError::Resolve: return HttpError::Resolve;
    case port::NetError::Tls: return HttpError::Tls;
    case port::NetError::Timeout: return HttpError::Timeout;
    case port::NetError::Closed: return HttpError::Closed;
    default: return HttpError::Connect;
  }
}

}  // namespace

const char* describe(HttpError error) {
  switch (error) {
    case HttpError::Ok: return "OK";
    case HttpError::BadUrl: return "BAD URL";
    case HttpError::Resolve: return "HOST NOT FOUND";
    case HttpError::Connect: return "NO CONNECTION";
    case HttpError::Tls: return "TLS";
    case HttpError::Timeout: return "TIMEOUT";
    case HttpError::Closed: return "CONNECTION LOST";
    case HttpError::Protocol: return "BAD RESPONSE";
    case HttpError::TooManyRedirects: return "TOO MANY REDIRECTS";
    case HttpError::Insecure: return "HTTPS REQUIRED";
    case HttpError::TooSlow: return "TOO SLOW";
  }
  return "NETWORK";
}

void HttpClient::close() {
  if (stream_) net_.close(stream_);
  stream_ = nullptr;
  rx_pos_ = rx_len_ = 0;
  peer_closed_ = false;
}

HttpError HttpClient::get(const char* url, uint64_t range_from, HttpResponse& out) {
  if (std::strlen(url) > kMaxUrlLength) return error_ = HttpError::BadUrl;
  if (url != url_) std::memmove(url_, url, std::strlen(url) + 1);
  bool was_https = false;
  for (int hop = 0; hop <= kMaxRedirects; ++hop) {
    close();
    Url u;
    if (!parse_url(url_, u)) return error_ = HttpError::BadUrl;
    // What came over TLS so far would lose its protection if the rest came over plain HTTP.
    if (hop > 0 && was_https && !u.tls) return error_ = HttpError::Insecure;
    was_https = u.tls;
    HttpError e = request(u, range_from);
    if (e != HttpError::Ok) return error_ = e;
    out = HttpResponse{};
    bool redirect = false;
    e = read_headers(out, redirect);
    if (e != HttpError::Ok) return error_ = e;
    if (!redirect) {
      error_ = HttpError::Ok;
      return HttpError::Ok;
    }
  }
  close();
  return error_ = HttpError::TooManyRedirects;
}

HttpError HttpClient::request(const Url& u, uint64_t range_from) {
  port::NetError ne = port::NetError::Ok;
  stream_ = net_.connect(u.host, u.port, u.tls, timeout_ms_, ne);
  if (!stream_) return from_net(ne);
  last_rx_ms_ = clock_.millis();  // the server's silence counts from the request
  const bool default_port = u.port == (u.tls ? 443 : 80);
  const bool v6 = std::strchr(u.host, ':') != nullptr;
  char host[kMaxHostLength + 10];
  std::snprintf(host, sizeof host, v6 ? "[%s]" : "%s", u.host);
  if (!default_port) std::snprintf(host + std::strlen(host), 8, ":%u", u.port);
  // Written piecewise so the path (up to ~1 KiB) needs no second buffer.
  char range[48] = "";
  if (range_from > 0) {
    std::snprintf(range, sizeof range, "Range: bytes=%llu-\r\n", static_cast<unsigned long long>(range_from));
  }
  const char* parts[] = {"GET ",        u.path, " HTTP/1.1\r\nHost: ",  host, "\r\nUser-Agent: ",
                         user_agent_,   "\r\nAccept: */*\r\n", range, "Connection: close\r\n\r\n"};
  for (const char* part : parts) {
    if (!stream_->write(reinterpret_cast<const uint8_t*>(part), std::strlen(part))) return HttpError::Closed;
  }
  return HttpError::Ok;
}

// 1: bytes are buffered; 0: the peer closed (error_ Closed); -1: error_ says which;
// kPending: nothing within wait_ms, and the server has been silent for less than timeout_ms.
int HttpClient::fill(uint32_t wait_ms) {
  if (rx_pos_ < rx_len_) return 1;
  if (peer_closed_) return 0;
  // The read timeout is the server's silence in total, however many short waits it spans.
  const uint32_t silent = clock_.millis() - last_rx_ms_;
  const uint32_t left = silent < timeout_ms_ ? timeout_ms_ - silent : 0;
  const uint32_t wait = wait_ms < left ? wait_ms : left;
  const int n = stream_->read(rx_, rx_cap_, wait);
  if (n == 0) {
    // A silent read is worth a retry, unless the whole transfer is out of time anyway.
    if (guard_ && !guard_->received(0)) {
      error_ = HttpError::TooSlow;
      return -1;
    }
    if (wait < left) return kPending;
    error_ = HttpError::Timeout;
    last_rx_ms_ = clock_.millis();  // a caller that reads on gets a whole timeout again
    return -1;
  }
  if (n < 0) {
    peer_closed_ = true;
    error_ = HttpError::Closed;
    return 0;
  }
  last_rx_ms_ = clock_.millis();
  if (guard_ && !guard_->received(static_cast<size_t>(n))) {
    error_ = HttpError::TooSlow;
    return -1;
  }
  rx_pos_ = 0;
  rx_len_ = static_cast<size_t>(n);
  return 1;
}

HttpError HttpClient::read_line(char* line, size_t cap, size_t& len) {
  len = 0;
  bool overflow = false;
  for (;;) {
    if (fill() <= 0) return error_;
    const char c = static_cast<char>(rx_[rx_pos_++]);
    if (c == '\n') break;
    if (c == '\r') continue;
    if (len + 1 < cap) line[len++] = c;
    else overflow = true;
  }
  line[len] = '\0';
  return overflow ? HttpError::Protocol : HttpError::Ok;
}

bool HttpClient::resolve_location(const char* location) {
  const size_t n = std::strlen(location);
  if (location[0] == '/') {  // absolute path on the same origin
    Url u;
    if (!parse_url(url_, u)) return false;
    const size_t origin = static_cast<size_t>(u.path - url_);
    if (origin + n > kMaxUrlLength) return false;
    std::memcpy(url_ + origin, location, n + 1);
    return true;
  }
  if (n > kMaxUrlLength) return false;
  std::memcpy(url_, location, n + 1);
  return true;
}

HttpError HttpClient::read_headers(HttpResponse& out, bool& redirect) {
  size_t len = 0;
  HttpError e = read_line(line_, sizeof line_, len);
  if (e != HttpError::Ok) return e;
  if (std::strncmp(line_, "HTTP/1.", 7) != 0 || len < 12 || line_[8] != ' ') return HttpError::Protocol;
  const char* p = line_ + 9;
  uint64_t status = 0;
  if (!parse_u64(p, status) || status < 100 || status > 599) return HttpError::Protocol;
  out.status = static_cast<int>(status);
  redirect = status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
  bool have_location = false;
  for (size_t lines = 0;; ++lines) {
    e = read_line(line_, sizeof line_, len);
    if (e != HttpError::Ok) return e;
    if (len == 0) break;
    if (lines == kMaxHeaderLines) return HttpError::Protocol;
    const char* v;
    if ((v = header_value(line_, "content-length"))) {
      uint64_t n = 0;
      if (!parse_u64(v, n) || n > INT64_MAX) return HttpError::Protocol;
      out.content_length = static_cast<int64_t>(n);
    } else if ((v = header_value(line_, "transfer-encoding"))) {
      out.chunked = contains_nocase(v, "chunked");
    } else if ((v = header_value(line_, "content-type"))) {
      std::snprintf(out.content_type, sizeof out.content_type, "%s", v);
    } else if ((v = header_value(line_, "content-range"))) {
      uint64_t start = 0, end = 0, total = 0;
      if (std::strncmp(v, "bytes ", 6) == 0) {
        v += 6;
        if (parse_u64(v, start) && *v++ == '-' && parse_u64(v, end) && *v++ == '/') {
          out.range_start = static_cast<int64_t>(start);
          if (parse_u64(v, total)) out.range_total = static_cast<int64_t>(total);
        }
      }
    } else if (redirect && (v = header_value(line_, "location"))) {
      if (!resolve_location(v)) return HttpError::BadUrl;
      have_location = true;
    }
  }
  if (redirect && !have_location) return HttpError::Protocol;
  chunked_ = out.chunked;
  body_left_ = chunked_ ? -1 : out.content_length;
  chunk_left_ = 0;
  after_chunk_ = false;
  body_done_ = body_left_ == 0;
  return HttpError::Ok;
}

int HttpClient::take_raw(const uint8_t*& data, size_t max) {
  const int f = fill();
  if (f <= 0) return f < 0 ? -1 : 0;
  const size_t avail = rx_len_ - rx_pos_;
  const size_t n = avail < max ? avail : max;
  data = rx_ + rx_pos_;
  rx_pos_ += n;
  return static_cast<int>(n);
}

bool HttpClient::next_chunk() {
  size_t len = 0;
  if (after_chunk_) {  // the CRLF that closes the previous chunk's data
    after_chunk_ = false;
    if (read_line(line_, sizeof line_, len) != HttpError::Ok) return false;
    if (len != 0) {
      error_ = HttpError::Protocol;
      return false;
    }
  }
  if (read_line(line_, sizeof line_, len) != HttpError::Ok) return false;
  const char* p = line_;
  if (!parse_u64(p, chunk_left_, 16) || (*p != '\0' && *p != ';' && *p != ' ')) {
    error_ = HttpError::Protocol;
    return false;
  }
  if (chunk_left_ == 0) {  // last chunk: skip trailers up to the empty line, as many as headers
    for (size_t lines = 0;; ++lines) {
      if (read_line(line_, sizeof line_, len) != HttpError::Ok) return false;
      if (len == 0) break;
      if (lines == kMaxHeaderLines) {
        error_ = HttpError::Protocol;
        return false;
      }
    }
    body_done_ = true;
  }
  return true;
}

int HttpClient::read_body(uint8_t* out, size_t cap) {
  const uint8_t* data = nullptr;
  const int n = take_body(data, cap, timeout_ms_);
  if (n > 0) std::memcpy(out, data, static_cast<size_t>(n));
  return n;
}

int HttpClient::take_body(const uint8_t*& data, size_t max, uint32_t wait_ms) {
  if (!stream_ || body_done_) return 0;
  error_ = HttpError::Ok;
  if (max == 0) return 0;
  // The one short wait; whatever it brought (or a close) is then taken as usual.
  const int f = fill(wait_ms);
  if (f == kPending) return kPending;
  if (f < 0) return -1;
  if (chunked_ && chunk_left_ == 0) {
    if (!next_chunk()) {
      if (error_ == HttpError::Ok) error_ = HttpError::Closed;
      return -1;
    }
    if (body_done_) return 0;
  }
  size_t want = max;
  if (chunked_ && chunk_left_ < want) want = static_cast<size_t>(chunk_left_);
  if (body_left_ >= 0 && static_cast<uint64_t>(body_left_) < want) want = static_cast<size_t>(body_left_);
  error_ = HttpError::Ok;
  const int n = take_raw(data, want);
  if (n <= 0) {
    // Reading to the close is a normal end only for bodies without a length.
    if (n == 0 && !chunked_ && body_left_ < 0) {
      body_done_ = true;
      return 0;
    }
    if (error_ == HttpError::Ok) error_ = HttpError::Closed;
    return -1;
  }
  if (chunked_) {
    chunk_left_ -= static_cast<uint64_t>(n);
    after_chunk_ = chunk_left_ == 0;
  }
  if (body_left_ > 0) {
    body_left_ -= n;
    if (body_left_ == 0) body_done_ = true;
  }
  return n;
}

}  // namespace vt132::core
