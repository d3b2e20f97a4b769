// The core's heap returns to its baseline after every command, and stays small.
#include <doctest/doctest.h>

#include <regex>

#include "support/fixture.hpp"

using simtest::Fixture;
using simtest::ReleaseOptions;

namespace {
struct HeapLine {
  size_t outstanding = 0;
  size_t blocks = 0;
  size_t peak = 0;
};

std::vector<HeapLine> heap_lines(const std::string& log) {
  static const std::regex line("heap outstanding=(\\d+) blocks=(\\d+) peak=(\\d+)");
  std::vector<HeapLine> out;
  for (auto it = std::sregex_iterator(log.begin(), log.end(), line); it != std::sregex_iterator(); ++it) {
    out.push_back({std::stoul((*it)[1]), std::stoul((*it)[2]), std::stoul((*it)[3])});
  }
  return out;
}
}  // namespace

TEST_SUITE("memory") {
  TEST_CASE("after AT+U?, AT+U^ and failed updates nothing stays allocated; peak at most 16 KiB") {
    Fixture f;
    f.publish(Fixture::image("V1.1.0", 0, 1100 * 1024));
    auto sim = f.start_online(f.latest_url());
    for (int i = 0; i < 3; ++i) CHECK(sim->command("AT+U?").find("[NEWER]") != std::string::npos);
    CHECK(sim->command("AT+U^").find("\r\nOK\r\n") != std::string::npos);
    // A failing install and a failing query, then ordinary modem use.
    ReleaseOptions expired;
    expired.tag = "V1.2.0";
    expired.expires_in = -10;
    f.publish(Fixture::image("V1.2.0"), expired);
    CHECK(sim->command("AT+U?").find("[NEWER]") != std::string::npos);
    CHECK(sim->command("AT+U!").find("UPDATE FAILED: EXPIRED") != std::string::npos);
    CHECK(sim->command("AT+U=" + f.https->url("/nothing")).find("OK") != std::string::npos);
    CHECK(sim->command("AT+U?").find("UPDATE FAILED: HTTP 404") != std::string::npos);
    CHECK(sim->command("ATI1") == "ATI1\r\r\nV1.0.0\r\n\r\nOK\r\n");
    sim->finish();
    const auto lines = heap_lines(sim->stderr_text());
    REQUIRE(lines.size() >= 10);
    size_t peak = 0;
    for (const auto& l : lines) {
      CHECK(l.outstanding == 0);
      CHECK(l.blocks == 0);
      peak = std::max(peak, l.peak);
    }
    MESSAGE("peak core heap during query + 1.1 MB update: " << peak << " bytes");
    CHECK(peak > 0);
    CHECK(peak <= 16 * 1024);
  }
}
