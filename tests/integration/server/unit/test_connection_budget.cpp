// The plain-HTTP framing of connection_budget.hpp: where a request head ends, as the library
// sees it (a line that is exactly CRLF), across any split of the bytes.
#include <doctest/doctest.h>

#include <string>

#include "connection_budget.hpp"

using vt132::server::head_prefix;
using vt132::server::kHeadEnded;
using vt132::server::kHeadStart;

namespace {

// Feeds `text` in pieces of `step` bytes; returns how many bytes belong to the head, or
// std::string::npos when it has not ended.
size_t head_length(const std::string& text, size_t step) {
  int state = kHeadStart;
  for (size_t at = 0; at < text.size(); at += step) {
    const size_t n = std::min(step, text.size() - at);
    const size_t taken = head_prefix(text.data() + at, n, state);
    if (state == kHeadEnded) return at + taken;
  }
  return std::string::npos;
}

}  // namespace

TEST_SUITE("server_connection_budget") {
  TEST_CASE("a head ends after the first empty CRLF line, whatever the split; what follows is not taken") {
    const std::string head = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";
    for (size_t step = 1; step <= head.size() + 10; ++step) {
      CAPTURE(step);
      CHECK(head_length(head + "GET /next HTTP/1.1\r\n\r\n", step) == head.size());
      CHECK(head_length(head + "body", step) == head.size());
    }
    CHECK(head_length("GET / HTTP/1.1\r\n\r\n", 100) == 18);
  }

  TEST_CASE("bare LF, CR CR LF and a CRLF inside a line do not end a head (the library skips such lines)") {
    CHECK(head_length("GET / HTTP/1.1\n\nHost: x\r\n", 1) == std::string::npos);
    CHECK(head_length("GET / HTTP/1.1\r\n\r\r\nX: y\r\n", 3) == std::string::npos);
    CHECK(head_length("GET / HTTP/1.1\r\nX: a\rb\r\n", 2) == std::string::npos);
    CHECK(head_length("GET / HTTP/1.1\r\n\r\r\nX: y\r\n\r\n", 3) == 27);
  }

  TEST_CASE("an empty first line is a head of its own, as the library reads it") {
    CHECK(head_length("\r\nGET / HTTP/1.1\r\n\r\n", 1) == 2);
  }
}
