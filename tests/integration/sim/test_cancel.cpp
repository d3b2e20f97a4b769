// The serial port stays live during AT+U^: a key pressed during the download cancels it
// (UPDATE CANCELLED, ERROR), the old image stays selected and boots; untouched, the dots keep
// coming and the update ends as before.
#include <doctest/doctest.h>

#include <chrono>

#include "support/fixture.hpp"

using simtest::Fixture;
using simtest::paced;
using simtest::Route;
using simtest::SimProcess;

namespace {

using SteadyClock = std::chrono::steady_clock;

double seconds_since(SteadyClock::time_point t0) {
  return std::chrono::duration<double>(SteadyClock::now() - t0).count();
}

void expect_old_image_kept(Fixture& f, SimProcess& sim) {
  CHECK(sim.command("AT+U$") ==
        "AT+U$\r\r\n"
        "RUNNING [app0] [VT132 V1.0.0] [00010000:0014ffff]\r\n"
        "BOOT    [app0] [VT132 V1.0.0] [00010000:0014ffff]\r\n"
        "\r\nOK\r\n");
  CHECK(sim.command("ATI1") == "ATI1\r\r\nV1.0.0\r\n\r\nOK\r\n");  // the modem works on
  sim.finish();
  // The cancelled update gave back all its memory.
  const std::string log = sim.stderr_text();
  CHECK(log.substr(log.rfind("heap outstanding=")).rfind("heap outstanding=0 blocks=0", 0) == 0);
  CHECK(f.running_after_restart() == "VT132 V1.0.0 app0");
}

}  // namespace

TEST_SUITE("cancel") {
  TEST_CASE("a key pressed during AT+U^ cancels the download: UPDATE CANCELLED, ERROR, the old image boots") {
    Fixture f;
    const std::string img = Fixture::image("V1.1.0", 0, 1200 * 1024);
    f.publish(img);
    // Two dots' worth at once, then 4 KiB every 100 ms: about half a minute to the end.
    f.https->set("/dl/V1.1.0/VT132.bin", paced(img, 128 * 1024, 4096, 100));
    auto sim = f.start_online(f.latest_url());
    CHECK(sim->command("AT+U?") == "AT+U?\r\r\nV1.1.0 [NEWER]\r\n\r\nOK\r\n");
    sim->send("AT+U^\r");
    CHECK(sim->read_until("..", 30000) == "AT+U^\r\r\n..");
    const auto pressed = SteadyClock::now();
    sim->send(" ");
    const std::string answer = sim->read_until("ERROR\r\n", 30000);
    const double s = seconds_since(pressed);
    MESSAGE("cancelled " << s << " s after the key");
    CHECK(answer.find("\r\nUPDATE CANCELLED\r\n\r\nERROR\r\n") != std::string::npos);
    CHECK(answer.find("OK") == std::string::npos);
    CHECK(s < 5);  // the rest of the download would take about 25 s
    expect_old_image_kept(f, *sim);
  }

  TEST_CASE("a key cancels at once while the server is silent, not after the read timeout") {
    Fixture f;
    const std::string img = Fixture::image("V1.1.0", 0, 600 * 1024);
    f.publish(img);
    // 128 KiB, then one byte every 2.5 s: each read of the modem would sit out its whole
    // timeout (the fixture's 3 s) if nothing else could end it.
    f.https->set("/dl/V1.1.0/VT132.bin", paced(img, 128 * 1024, 1, 2500));
    auto sim = f.start_online(f.latest_url());
    CHECK(sim->command("AT+U?").find("[NEWER]") != std::string::npos);
    sim->send("AT+U^\r");
    CHECK(sim->read_until("..", 30000) == "AT+U^\r\r\n..");
    const auto pressed = SteadyClock::now();
    sim->send("x");
    const std::string answer = sim->read_until("ERROR\r\n", 30000);
    const double s = seconds_since(pressed);
    MESSAGE("cancelled a stalled download " << s << " s after the key");
    CHECK(answer == "\r\nUPDATE CANCELLED\r\n\r\nERROR\r\n");
    CHECK(s < 1.5);
    expect_old_image_kept(f, *sim);
  }

  TEST_CASE("untouched, the dots keep coming one by one and the update ends with OK; a CR LF terminal does not cancel") {
    Fixture f;
    const std::string img = Fixture::image("V1.1.0", 0, 600 * 1024);
    f.publish(img);
    f.https->set("/dl/V1.1.0/VT132.bin", paced(img, 0, 16 * 1024, 100));  // about 4 s
    auto sim = f.start_online(f.latest_url());
    CHECK(sim->command("AT+U?").find("[NEWER]") != std::string::npos);
    sim->send("AT+U^\r\n");  // the LF after the CR is no key
    std::string out = sim->read_until("\r\r\n", 30000);
    const size_t want = img.size() / 65536;
    for (size_t i = 0; i < want; ++i) {
      const std::string dot = sim->read_until(".", 30000);
      CHECK(dot == ".");  // each dot on its own, before the answer
      out += dot;
    }
    out += sim->read_until("OK\r\n", 30000);
    CHECK(out == "AT+U^\r\r\n" + std::string(want, '.') + "\r\n\r\nOK\r\n");
    CHECK(sim->command("AT+U$").find("BOOT    [app1] [VT132 V1.1.0]") != std::string::npos);
    sim->finish();
    CHECK(f.running_after_restart() == "VT132 V1.1.0 app1");
  }
}
