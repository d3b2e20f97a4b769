// A download that breaks off resumes where it stopped, with or without Range support.
#include <doctest/doctest.h>

#include <algorithm>

#include "support/fixture.hpp"

using simtest::Fixture;
using simtest::Route;

namespace {
int count_with(const std::vector<std::string>& log, const std::string& needle) {
  return static_cast<int>(std::count_if(log.begin(), log.end(),
                                        [&](const std::string& r) { return r.find(needle) != std::string::npos; }));
}
}  // namespace

TEST_SUITE("resume") {
  TEST_CASE("a dropped connection resumes with Range from the last written byte") {
    Fixture f;
    const std::string img = Fixture::image("V1.1.0", 0, 600 * 1024);
    f.publish(img);
    Route r;
    r.body = img;
    r.drop_after = 250000;
    r.drops_left = 2;
    f.https->set("/dl/V1.1.0/VT132.bin", r);
    auto sim = f.start_online(f.latest_url());
    CHECK(sim->command("AT+U?") == "AT+U?\r\r\nV1.1.0 [NEWER]\r\n\r\nOK\r\n");
    const std::string up = sim->command("AT+U^");
    CHECK(up == "AT+U^\r\r\n" + std::string(img.size() / 65536, '.') + "\r\n\r\nOK\r\n");
    const auto log = f.https->requests();
    CHECK(count_with(log, "GET /dl/V1.1.0/VT132.bin Range: bytes=250000-") == 1);
    CHECK(count_with(log, "GET /dl/V1.1.0/VT132.bin Range: bytes=500000-") == 1);
    sim->finish();
    CHECK(f.running_after_restart() == "VT132 V1.1.0 app1");
  }

  TEST_CASE("a server that ignores Range is read again from zero, skipping what was written") {
    Fixture f;
    const std::string img = Fixture::image("V1.1.0", 0, 600 * 1024);
    f.publish(img);
    Route r;
    r.body = img;
    r.ignore_range = true;  // like `openssl s_server -WWW`
    r.drop_after = 300000;
    r.drops_left = 1;
    f.https->set("/dl/V1.1.0/VT132.bin", r);
    auto sim = f.start_online(f.latest_url());
    sim->command("AT+U?");
    CHECK(sim->command("AT+U^").find("\r\n\r\nOK\r\n") != std::string::npos);
    CHECK(count_with(f.https->requests(), "Range: bytes=300000-") == 1);
    sim->finish();
    CHECK(f.running_after_restart() == "VT132 V1.1.0 app1");
  }

  TEST_CASE("retries are bounded: a link that keeps dropping fails and leaves the boot slot alone") {
    Fixture f;
    const std::string img = Fixture::image("V1.1.0", 0, 600 * 1024);
    f.publish(img);
    Route r;
    r.body = img;
    r.drop_after = 1000;  // each retry gets only a little further
    r.drops_left = 1000;
    f.https->set("/dl/V1.1.0/VT132.bin", r);
    auto sim = f.start_online(f.latest_url());
    sim->command("AT+U?");
    CHECK(sim->command("AT+U^") == "AT+U^\r\r\nUPDATE FAILED: NETWORK\r\n\r\nERROR\r\n");
    CHECK(count_with(f.https->requests(), "VT132.bin") == 6);  // the first try and 5 resumes
    CHECK(sim->command("AT+U$").find("BOOT    [app0] [VT132 V1.0.0]") != std::string::npos);
  }
}
