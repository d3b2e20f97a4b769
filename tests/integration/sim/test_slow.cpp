// A slow or trickling server cannot keep the modem busy: each transfer has a rate floor over
// a window and a deadline proportional to its size (OtaOptions::transfer), set small here
// through the sim's flags so the tests take seconds. Failing them leaves the old image.
#include <doctest/doctest.h>

#include <chrono>

#include "support/fixture.hpp"

using simtest::Fixture;
using simtest::ReleaseOptions;
using simtest::Route;
using simtest::SimProcess;

namespace {

// A 1 s window with the default 1 KiB/s floor; the deadline is out of the way unless a test
// tightens it.
const std::vector<std::string> kFastWindow = {"--rate-window", "1000", "--min-rate", "1024"};

Route paced(const std::string& body, size_t after, size_t bytes, int ms) {
  Route r;
  r.body = body;
  r.pace_after = after;
  r.pace_bytes = bytes;
  r.pace_ms = ms;
  return r;
}

double seconds_for(SimProcess& sim, const std::string& cmd, std::string& answer) {
  const auto t0 = std::chrono::steady_clock::now();
  answer = sim.command(cmd, 120000);
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

void expect_old_image_kept(Fixture& f, SimProcess& sim) {
  CHECK(sim.command("AT+U$").find("BOOT    [app0] [VT132 V1.0.0]") != std::string::npos);
  sim.finish();
  CHECK(f.running_after_restart() == "VT132 V1.0.0 app0");
}

}  // namespace

TEST_SUITE("slow") {
  TEST_CASE("an image trickled at 2 bytes/s fails with TIMEOUT within the rate window, old image kept") {
    Fixture f;
    const std::string img = Fixture::image("V1.1.0");
    f.publish(img);
    // 128 KiB at once (two dots, half the slot written), then one byte every 500 ms.
    f.https->set("/dl/V1.1.0/VT132.bin", paced(img, 128 * 1024, 1, 500));
    auto sim = f.start_online(f.latest_url(), kFastWindow);
    CHECK(sim->command("AT+U?") == "AT+U?\r\r\nV1.1.0 [NEWER]\r\n\r\nOK\r\n");
    std::string up;
    const double s = seconds_for(*sim, "AT+U^", up);
    CHECK(up == "AT+U^\r\r\n..\r\nUPDATE FAILED: TIMEOUT\r\n\r\nERROR\r\n");
    MESSAGE("trickled download ended after " << s << " s");
    CHECK(s < 10);
    expect_old_image_kept(f, *sim);
  }

  TEST_CASE("a server that passes the rate floor but would miss the size deadline fails with TIMEOUT") {
    Fixture f;
    const std::string img = Fixture::image("V1.1.0");  // 200 KiB
    f.publish(img);
    // 4 KiB every 100 ms, about 40 KiB/s: five seconds for the image, well above the floor.
    f.https->set("/dl/V1.1.0/VT132.bin", paced(img, 0, 4096, 100));
    // The deadline: 500 ms plus the size at 100 KiB/s, about 2.5 s.
    auto extra = kFastWindow;
    extra.insert(extra.end(), {"--deadline-base", "500", "--deadline-rate", "102400"});
    auto sim = f.start_online(f.latest_url(), extra);
    CHECK(sim->command("AT+U?").find("[NEWER]") != std::string::npos);
    std::string up;
    const double s = seconds_for(*sim, "AT+U^", up);
    CHECK(up.find("\r\nUPDATE FAILED: TIMEOUT\r\n\r\nERROR\r\n") != std::string::npos);
    MESSAGE("paced download ended after " << s << " s");
    CHECK(s < 5);
    expect_old_image_kept(f, *sim);
  }

  TEST_CASE("a slow but steady link passes the default rules") {
    Fixture f;
    const std::string img = Fixture::image("V1.1.0");
    f.publish(img);
    f.https->set("/dl/V1.1.0/VT132.bin", paced(img, 0, 4096, 100));  // about 40 KiB/s
    auto sim = f.start_online(f.latest_url());
    CHECK(sim->command("AT+U?").find("[NEWER]") != std::string::npos);
    CHECK(sim->command("AT+U^", 120000) == "AT+U^\r\r\n...\r\n\r\nOK\r\n");
    sim->finish();
    CHECK(f.running_after_restart() == "VT132 V1.1.0 app1");
  }

  TEST_CASE("a release document trickled at 2 bytes/s fails the query with TIMEOUT") {
    Fixture f;
    const std::string json = f.publish(Fixture::image("V1.1.0"));
    Route r = paced(json, 100, 1, 500);
    r.content_type = "application/json";
    f.https->set("/repos/o/r/releases/latest", r);
    auto sim = f.start_online(f.latest_url(), kFastWindow);
    std::string answer;
    const double s = seconds_for(*sim, "AT+U?", answer);
    CHECK(answer == "AT+U?\r\r\nUPDATE FAILED: TIMEOUT\r\n\r\nERROR\r\n");
    CHECK(s < 10);
    CHECK(sim->command("AT+U^") == "AT+U^\r\r\nERROR\r\n");  // nothing was queried
  }

  TEST_CASE("a manifest trickled at 2 bytes/s fails with TIMEOUT before the image is fetched") {
    Fixture f;
    f.publish(Fixture::image("V1.1.0"));
    Route r = paced(f.last_manifest, 10, 1, 500);
    f.https->set("/dl/V1.1.0/vt132-manifest.json", r);
    auto sim = f.start_online(f.latest_url(), kFastWindow);
    CHECK(sim->command("AT+U?").find("[NEWER]") != std::string::npos);
    std::string up;
    const double s = seconds_for(*sim, "AT+U^", up);
    CHECK(up == "AT+U^\r\r\nUPDATE FAILED: TIMEOUT\r\n\r\nERROR\r\n");
    CHECK(s < 10);
    for (const auto& req : f.https->requests()) CHECK(req.find("VT132.bin") == std::string::npos);
    expect_old_image_kept(f, *sim);
  }
}
