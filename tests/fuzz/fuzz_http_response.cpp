// The core HTTP client on an arbitrary server answer, delivered in arbitrary pieces: it must
// never read out of bounds, never hand out more body than was sent, and always end (bounded
// header lines, header count and redirects).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>

#include "vt132/core/net/http_client.hpp"

namespace {

using namespace vt132::core;

// Serves the same input on every connection (so redirects loop until the client's limit),
// `piece` bytes per read.
struct InputStream : port::Stream {
  const uint8_t* data;
  size_t size;
  size_t piece;
  size_t pos = 0;
  int read(uint8_t* buf, size_t cap, uint32_t) override {
    if (pos == size) return -1;
    size_t n = size - pos < piece ? size - pos : piece;
    if (n > cap) n = cap;
    std::memcpy(buf, data + pos, n);
    pos += n;
    return static_cast<int>(n);
  }
  bool write(const uint8_t*, size_t) override { return true; }
};

struct InputNet : port::Network {
  const uint8_t* data;
  size_t size;
  size_t piece;
  InputStream stream;
  port::Stream* connect(const char*, uint16_t, bool, uint32_t, port::NetError&) override {
    stream.data = data;
    stream.size = size;
    stream.piece = piece;
    stream.pos = 0;
    return &stream;
  }
  void close(port::Stream*) override {}
  bool listen(uint16_t) override { return false; }
  port::Stream* accept() override { return nullptr; }
};

// Time stands still: every silent read is a whole read timeout.
struct NoClock : port::Clock {
  uint32_t millis() override { return 0; }
  int64_t unix_time() override { return 0; }
  void sleep_ms(uint32_t) override {}
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  InputNet net;
  net.piece = 1 + data[0] % 32;  // the first byte picks the chunking
  net.data = data + 1;
  net.size = size - 1;
  NoClock clock;
  uint8_t rx[1024];
  HttpClient client(net, clock, 1000, rx, sizeof rx);
  HttpResponse resp;
  if (client.get("https://h.example/a", 0, resp) != HttpError::Ok) return 0;
  size_t body = 0;
  uint8_t buf[64];
  for (int n; (n = client.read_body(buf, sizeof buf)) > 0;) body += static_cast<size_t>(n);
  if (body > net.size) abort();
  return 0;
}
