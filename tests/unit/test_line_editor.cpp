#include <doctest/doctest.h>

#include <string>

#include "vt132/core/at/line_editor.hpp"

using vt132::core::LineEditor;

namespace {
struct Capture : vt132::core::port::Serial {
  std::string out;
  size_t read(uint8_t*, size_t) override { return 0; }
  void write(const uint8_t* d, size_t n) override { out.append(reinterpret_cast<const char*>(d), n); }
};

// Feeds text; returns the events as letters: L line, R repeat, E error.
std::string feed(LineEditor& ed, const std::string& text, Capture& echo, bool echo_on = true) {
  std::string events;
  for (char c : text) {
    switch (ed.feed(static_cast<uint8_t>(c), echo_on, echo)) {
      case LineEditor::Event::Line: events += 'L'; break;
      case LineEditor::Event::Repeat: events += 'R'; break;
      case LineEditor::Event::Error: events += 'E'; break;
      case LineEditor::Event::None: break;
    }
  }
  return events;
}
}  // namespace

TEST_SUITE("line_editor") {
  TEST_CASE("CR completes a line, LF is ignored, the typed text is echoed") {
    LineEditor ed;
    Capture echo;
    CHECK(feed(ed, "ATI1\n\r", echo) == "L");
    CHECK(std::string(ed.line()) == "ATI1");
    CHECK(echo.out == "ATI1\r");
  }

  TEST_CASE("backspace edits the command but never the AT prefix") {
    LineEditor ed;
    Capture echo;
    CHECK(feed(ed, "ATIX\b1\r", echo) == "L");
    CHECK(std::string(ed.line()) == "ATI1");
    CHECK(feed(ed, "AT\b\b\bE0\r", echo) == "L");
    CHECK(std::string(ed.line()) == "ATE0");
  }

  TEST_CASE("anything but an upper-case AT prefix is an error at once") {
    LineEditor ed;
    Capture echo;
    CHECK(feed(ed, "a", echo) == "E");
    CHECK(feed(ed, "AX", echo) == "E");
    CHECK(feed(ed, "A\r", echo) == "E");
  }

  TEST_CASE("A/ repeats the previous line without CR") {
    LineEditor ed;
    Capture echo;
    feed(ed, "ATI3\r", echo);
    CHECK(feed(ed, "A/", echo) == "R");
    CHECK(std::string(ed.line()) == "ATI3");
  }

  TEST_CASE("a line over 80 characters is an error and is discarded") {
    LineEditor ed;
    Capture echo;
    const std::string longline = "AT" + std::string(79, 'E');
    CHECK(feed(ed, longline + "\r", echo) == "E");
    CHECK(feed(ed, "AT" + std::string(78, 'E') + "\r", echo) == "L");
  }

  TEST_CASE("echo off echoes nothing") {
    LineEditor ed;
    Capture echo;
    CHECK(feed(ed, "AT\r", echo, false) == "L");
    CHECK(echo.out.empty());
  }
}
