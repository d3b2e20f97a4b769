#pragma once
// A port::Network for unit tests of the core's HTTP layer: each connection serves the next
// canned response, a few bytes per read, and records the request it was sent. A test clock
// can be moved by every read, and a stream can go silent part-way, as a stalled server does.
// (Integration tests use real TLS servers instead: tests/integration/sim/.)
#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "vt132/core/port/network.hpp"
#include "vt132/core/port/system.hpp"

namespace vt132::test {

// A 200 answer with a Content-Length body, as a server sends an asset.
inline std::string ok_response(const std::string& body) {
  return "HTTP/1.1 200 OK\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
}
inline std::string ok_response(const std::vector<uint8_t>& body) {
  return ok_response(std::string(body.begin(), body.end()));
}

// A clock the test moves. Counts sleeps, so a test can prove code never sleeps.
struct FakeClock : core::port::Clock {
  uint32_t now = 1000;
  int64_t unix_seconds = 0;
  int sleeps = 0;
  uint32_t millis() override { return now; }
  int64_t unix_time() override { return unix_seconds; }
  void sleep_ms(uint32_t ms) override {
    now += ms;
    ++sleeps;
  }
};

// What the streams of one ScriptedNet saw.
struct ReadLog {
  size_t reads = 0;
  uint32_t longest_wait_ms = 0;  // the largest timeout a read was given
};

struct ScriptedStream : core::port::Stream {
  std::string response;
  size_t pos = 0;
  std::string request;
  size_t piece = 7;
  FakeClock* clock = nullptr;
  uint32_t ms_per_read = 0;
  bool silent_at_end = false;  // then reads past the end time out (0) instead of closing
  size_t silent_from = SIZE_MAX;  // reads from this offset on are silent (0), until the end
  bool silence_takes_time = false;  // a silent read moves the clock by its whole timeout
  ReadLog* log = nullptr;
  int read(uint8_t* buf, size_t cap, uint32_t timeout_ms) override {
    if (log) {
      ++log->reads;
      log->longest_wait_ms = std::max(log->longest_wait_ms, timeout_ms);
    }
    if (clock) clock->now += ms_per_read;
    if (pos >= silent_from || (pos == response.size() && silent_at_end)) {
      if (clock && silence_takes_time) clock->now += timeout_ms;
      return 0;
    }
    if (pos == response.size()) return -1;
    const size_t n = std::min<size_t>({cap, piece, response.size() - pos});
    response.copy(reinterpret_cast<char*>(buf), n, pos);
    pos += n;
    return static_cast<int>(n);
  }
  bool write(const uint8_t* d, size_t n) override {
    request.append(reinterpret_cast<const char*>(d), n);
    return true;
  }
};

struct ScriptedNet : core::port::Network {
  std::vector<std::string> responses;
  std::vector<std::string> hosts;
  std::vector<std::string> requests;  // of the closed connections, in order
  ScriptedStream* open = nullptr;
  size_t connects = 0;
  // Copied into each stream.
  size_t piece = 7;
  FakeClock* clock = nullptr;
  uint32_t ms_per_read = 0;
  bool silent_at_end = false;
  size_t silent_from = SIZE_MAX;
  bool silence_takes_time = false;
  ReadLog log;

  core::port::Stream* connect(const char* host, uint16_t port, bool tls, uint32_t,
                              core::port::NetError& err) override {
    if (responses.empty()) {
      err = core::port::NetError::Connect;
      return nullptr;
    }
    ++connects;
    hosts.push_back(std::string(tls ? "tls:" : "tcp:") + host + ":" + std::to_string(port));
    open = new ScriptedStream;
    open->response = responses.front();
    open->piece = piece;
    open->clock = clock;
    open->ms_per_read = ms_per_read;
    open->silent_at_end = silent_at_end;
    open->silent_from = silent_from;
    open->silence_takes_time = silence_takes_time;
    open->log = &log;
    responses.erase(responses.begin());
    return open;
  }
  void close(core::port::Stream* s) override {
    requests.push_back(static_cast<ScriptedStream*>(s)->request);
    if (s == open) open = nullptr;
    delete s;
  }
  bool listen(uint16_t) override { return false; }
  core::port::Stream* accept() override { return nullptr; }
};

}  // namespace vt132::test
