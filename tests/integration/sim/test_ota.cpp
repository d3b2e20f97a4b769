// The OTA flow a user runs: AT+U? then AT+U^, against GitHub-shaped JSON and plain images.
#include <doctest/doctest.h>

#include <csignal>
#include <algorithm>
#include <fstream>
#include <iterator>
#include <regex>

#include "support/fixture.hpp"

using simtest::Fixture;
using simtest::ReleaseOptions;
using simtest::Route;
using simtest::TestServer;

namespace {
int dots(const std::string& s) { return static_cast<int>(std::count(s.begin(), s.end(), '.')); }
}  // namespace

TEST_SUITE("ota") {
  TEST_CASE("query says NEWER, upgrade prints a dot per 64 KiB, selects app1, and a reset runs it") {
    Fixture f;
    const std::string v11 = Fixture::image("V1.1.0", 0, 1200 * 1024);  // a real VT132 is ~1.1 MB
    f.publish(v11);
    auto sim = f.start_online(f.latest_url());
    CHECK(sim->command("AT&W") == "AT&W\r\r\nOK\r\n");  // the URL survives the reset below
    CHECK(sim->command("AT+U?") == "AT+U?\r\r\nV1.1.0 [NEWER]\r\n\r\nOK\r\n");
    const std::string up = sim->command("AT+U^");
    CHECK(up == "AT+U^\r\r\n" + std::string(v11.size() / 65536, '.') + "\r\n\r\nOK\r\n");
    CHECK(dots(up) == 18);
    CHECK(sim->command("AT+U$") ==
          "AT+U$\r\r\n"
          "RUNNING [app0] [VT132 V1.0.0] [00010000:0014ffff]\r\n"
          "BOOT    [app1] [VT132 V1.1.0] [00150000:0028ffff]\r\n"
          "\r\nOK\r\n");
    CHECK(sim->command("ATI1") == "ATI1\r\r\nV1.0.0\r\n\r\nOK\r\n");  // still the old firmware
    // The reset button: the bootloader now starts the new image.
    sim->signal(SIGUSR1);
    sim->read_until("never", 1500);
    CHECK(sim->command("ATI1") == "ATI1\r\r\nV1.1.0\r\n\r\nOK\r\n");
    CHECK(sim->command("AT+U$").find("RUNNING [app1] [VT132 V1.1.0] [00150000:0028ffff]") != std::string::npos);
    // Wi-Fi is never joined by default, not even after a reset.
    CHECK(sim->command("AT+W+") == "AT+W+\r\r\nWIFI CONNECTED\r\n\r\nOK\r\n");
    CHECK(sim->command("AT+U?") == "AT+U?\r\r\nV1.1.0 [SAME]\r\n\r\nOK\r\n");
    CHECK(sim->command("AT+U^") == "AT+U^\r\r\nERROR\r\n");
    CHECK(sim->finish() == 0);
    CHECK(f.running_after_restart() == "VT132 V1.1.0 app1");
  }

  TEST_CASE("AT+U! installs an older image, AT+U^ refuses it") {
    Fixture f;
    f.publish(Fixture::image("V0.9.0"), ReleaseOptions{"V0.9.0"});
    auto sim = f.start_online(f.latest_url());
    CHECK(sim->command("AT+U?") == "AT+U?\r\r\nV0.9.0 [OLDER]\r\n\r\nOK\r\n");
    CHECK(sim->command("AT+U^") == "AT+U^\r\r\nERROR\r\n");
    CHECK(sim->command("AT+U!") == "AT+U!\r\r\n...\r\n\r\nOK\r\n");
    sim->finish();
    CHECK(f.running_after_restart() == "VT132 V0.9.0 app1");
  }

  TEST_CASE("a URL serving an image directly over plain HTTP is told apart by its first byte") {
    Fixture f;
    TestServer plain;
    Route r;
    r.body = Fixture::image("V1.2.0");
    plain.set("/VT132.bin", r);
    // Without a signed manifest only a build that does not require signatures accepts it.
    auto sim = f.start_online(plain.url("/VT132.bin"), {}, false);
    CHECK(sim->command("AT+U?") == "AT+U?\r\r\nV1.2.0 [NEWER]\r\n\r\nOK\r\n");
    CHECK(sim->command("AT+U^") == "AT+U^\r\r\n...\r\n\r\nOK\r\n");
    sim->finish();
    CHECK(f.running_after_restart() == "VT132 V1.2.0 app1");
  }

  TEST_CASE("a build that requires signatures refuses a direct image without a manifest") {
    Fixture f;
    TestServer plain;
    Route r;
    r.body = Fixture::image("V1.2.0");
    plain.set("/VT132.bin", r);
    auto sim = f.start_online(plain.url("/VT132.bin"));
    CHECK(sim->command("AT+U?") == "AT+U?\r\r\nV1.2.0 [NEWER]\r\n\r\nOK\r\n");
    CHECK(sim->command("AT+U^") == "AT+U^\r\r\nUPDATE FAILED: SIGNATURE\r\n\r\nERROR\r\n");
  }

  TEST_CASE("a release JSON over plain http is refused: only a direct image may use http") {
    Fixture f;
    const std::string json = f.publish(Fixture::image("V1.1.0"));
    TestServer plain;
    Route r;
    r.body = json;
    r.content_type = "application/json";
    plain.set("/latest", r);
    auto sim = f.start_online(plain.url("/latest"));
    CHECK(sim->command("AT+U?") == "AT+U?\r\r\nUPDATE FAILED: HTTPS REQUIRED\r\n\r\nERROR\r\n");
  }

  TEST_CASE("redirects to another host are followed") {
    Fixture f;
    f.publish(Fixture::image("V1.1.0"));
    TestServer plain;
    Route redirect;
    redirect.redirect_to = f.latest_url();
    plain.set("/latest", redirect);
    auto sim = f.start_online(plain.url("/latest"));
    CHECK(sim->command("AT+U?") == "AT+U?\r\r\nV1.1.0 [NEWER]\r\n\r\nOK\r\n");
  }

  TEST_CASE("prereleases are offered only after the user opts in with S40=1") {
    Fixture f;
    ReleaseOptions beta;
    beta.tag = "V1.2.0-beta.1";
    beta.prerelease = true;
    f.publish(Fixture::image("V1.2.0-beta.1"), beta);
    auto sim = f.start_online(f.latest_url());
    CHECK(sim->command("AT+U?") == "AT+U?\r\r\nUPDATE FAILED: NO RELEASE\r\n\r\nERROR\r\n");
    CHECK(sim->command("AT+U^") == "AT+U^\r\r\nERROR\r\n");
    // GitHub's .../latest never names a prerelease, so the opted-in query reads the list.
    CHECK(sim->command("ATS40=1") == "ATS40=1\r\r\nOK\r\n");
    CHECK(sim->command("AT+U?") == "AT+U?\r\r\nV1.2.0-beta.1 [NEWER]\r\n\r\nOK\r\n");
    CHECK(f.https->requests().back() == "GET /repos/o/r/releases");
    CHECK(sim->command("AT+U^") == "AT+U^\r\r\n...\r\n\r\nOK\r\n");
  }

  TEST_CASE("a release without the image asset says NO IMAGE IN RELEASE, not NO RELEASE") {
    Fixture f;
    ReleaseOptions o;
    o.image_asset = "VT132-S3.bin";  // another board's firmware only
    f.publish(Fixture::image("V1.1.0"), o);
    auto sim = f.start_online(f.latest_url());
    CHECK(sim->command("AT+U?") == "AT+U?\r\r\nUPDATE FAILED: NO IMAGE IN RELEASE\r\n\r\nERROR\r\n");
  }

  TEST_CASE("an HTTPS server whose CA the device does not trust fails with TLS") {
    Fixture f;
    Fixture other;  // a second, unrelated local CA
    other.publish(Fixture::image("V1.1.0"));
    auto sim = f.start_online(other.latest_url());
    CHECK(sim->command("AT+U?") == "AT+U?\r\r\nUPDATE FAILED: TLS\r\n\r\nERROR\r\n");
  }

  TEST_CASE("a missing release answers with its HTTP status") {
    Fixture f;
    auto sim = f.start_online(f.https->url("/repos/o/none/releases/latest"));
    CHECK(sim->command("AT+U?") == "AT+U?\r\r\nUPDATE FAILED: HTTP 404\r\n\r\nERROR\r\n");
  }

  TEST_CASE("AT+U= with nothing restores the GitHub default URL") {
    Fixture f;
    auto sim = f.start_online("http://127.0.0.1:5500/VT132.bin");
    CHECK(sim->command("AT+U=") == "AT+U=\r\r\nOK\r\n");
    sim->command("AT&W");
    sim->finish();
    std::ifstream nvs(f.flash.string() + ".nvs");
    std::string text((std::istreambuf_iterator<char>(nvs)), std::istreambuf_iterator<char>());
    CHECK(text.find("url=\n") != std::string::npos);
  }
}
