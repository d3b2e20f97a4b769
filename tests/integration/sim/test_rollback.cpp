// A new image that never confirms itself is rolled back by the bootloader.
#include <doctest/doctest.h>

#include <fstream>

#include "support/fixture.hpp"

using simtest::Fixture;

TEST_SUITE("rollback") {
  TEST_CASE("a new image that crashes before confirming boots the old one again") {
    Fixture f;
    f.publish(Fixture::image("V1.1.0"));
    auto sim = f.start_online(f.latest_url());
    sim->command("AT+U?");
    REQUIRE(sim->command("AT+U^").find("\r\nOK\r\n") != std::string::npos);
    sim->finish();
    CHECK(f.running_after_restart({"--crash-new-image"}) == "VT132 V1.0.0 app0");
    auto again = f.start();
    CHECK(again->command("AT+U$") ==
          "AT+U$\r\r\n"
          "RUNNING [app0] [VT132 V1.0.0] [00010000:0014ffff]\r\n"
          "BOOT    [app0] [VT132 V1.0.0] [00010000:0014ffff]\r\n"
          "\r\nOK\r\n");
    again->finish();
    const std::string text = again->stderr_text();
    CHECK(text.find("new image crashed before confirming itself") != std::string::npos);
    CHECK(text.find("rolled back") != std::string::npos);
  }

  TEST_CASE("a confirmed image keeps booting and raises the anti-rollback floor") {
    Fixture f;
    simtest::ReleaseOptions o;
    o.manifest_secure_version = 3;
    f.publish(Fixture::image("V1.1.0", 3), o);
    auto sim = f.start_online(f.latest_url());
    sim->command("AT+U?");
    REQUIRE(sim->command("AT+U^").find("\r\nOK\r\n") != std::string::npos);
    sim->finish();
    CHECK(f.running_after_restart() == "VT132 V1.1.0 app1");
    CHECK(f.running_after_restart() == "VT132 V1.1.0 app1");
    std::ifstream efuse(f.flash.string() + ".efuse");
    int floor = 0;
    efuse >> floor;
    CHECK(floor == 3);
  }
}
