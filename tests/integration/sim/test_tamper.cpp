// Every way a release can be wrong is refused with its reason, and the old image still boots.
#include <doctest/doctest.h>

#include <fstream>

#include "support/fixture.hpp"
#include "vt132/host/signing.hpp"

using simtest::Fixture;
using simtest::ReleaseOptions;
using simtest::Route;
using simtest::SimProcess;
using simtest::TestServer;

namespace {

// Queries, upgrades, and checks the refusal leaves the board as it was.
void expect_refused(Fixture& f, SimProcess& sim, const std::string& reason, const std::string& verb = "AT+U^") {
  CHECK(sim.command("AT+U?").find("[NEWER]") != std::string::npos);
  CHECK(sim.command(verb).find("\r\nUPDATE FAILED: " + reason + "\r\n\r\nERROR\r\n") != std::string::npos);
  CHECK(sim.command("AT+U$").find("BOOT    [app0] [VT132 V1.0.0]") != std::string::npos);
  sim.finish();
  // Every allocation of the failed command was returned.
  const std::string log = sim.stderr_text();
  CHECK(log.substr(log.rfind("heap outstanding=")).rfind("heap outstanding=0 blocks=0", 0) == 0);
  CHECK(f.running_after_restart() == "VT132 V1.0.0 app0");
}

void replace_route_body(Fixture& f, const std::string& path, const std::string& body, bool endless = false) {
  Route r;
  r.body = body;
  r.endless = endless;
  f.https->set(path, r);
}

}  // namespace

TEST_SUITE("tamper") {
  TEST_CASE("a truncated image is refused") {
    Fixture f;
    const std::string img = Fixture::image("V1.1.0");
    f.publish(img);
    replace_route_body(f, "/dl/V1.1.0/VT132.bin", img.substr(0, img.size() / 2));
    auto sim = f.start_online(f.latest_url());
    expect_refused(f, *sim, "TRUNCATED");
  }

  TEST_CASE("a bit-flipped image does not match the signed SHA-256") {
    Fixture f;
    std::string img = Fixture::image("V1.1.0");
    f.publish(img);
    img[img.size() / 2] ^= 0x10;
    replace_route_body(f, "/dl/V1.1.0/VT132.bin", img);
    auto sim = f.start_online(f.latest_url());
    expect_refused(f, *sim, "SHA-256 MISMATCH");
  }

  TEST_CASE("a bit-flipped image without a manifest fails its own checksum") {
    Fixture f;
    std::string img = Fixture::image("V1.1.0");
    f.publish(img, ReleaseOptions{"V1.1.0", false, false, false});
    img[img.size() / 2] ^= 0x10;
    replace_route_body(f, "/dl/V1.1.0/VT132.bin", img);
    auto sim = f.start_online(f.latest_url(), {}, false);
    expect_refused(f, *sim, "CHECKSUM MISMATCH");
  }

  TEST_CASE("an image for another chip is refused") {
    Fixture f;
    f.publish(Fixture::image("V1.1.0", 0, 200 * 1024, 0x0009));  // ESP32-S3, manifest says esp32
    auto sim = f.start_online(f.latest_url());
    expect_refused(f, *sim, "WRONG CHIP");
  }

  TEST_CASE("a manifest for another chip is refused before download") {
    Fixture f;
    ReleaseOptions o;
    o.chip = "esp32s3";
    f.publish(Fixture::image("V1.1.0"), o);
    auto sim = f.start_online(f.latest_url());
    expect_refused(f, *sim, "WRONG CHIP");
    for (const auto& r : f.https->requests()) CHECK(r.find("VT132.bin") == std::string::npos);
  }

  TEST_CASE("a manifest signed by another key is refused") {
    Fixture f;
    f.publish(Fixture::image("V1.1.0"));
    const auto other = f.dir / "other.pem";
    vt132::host::generate_signing_key(other);
    Route sig;  // the right manifest, signed by a key the device does not hold
    const auto bad = vt132::host::SigningKey(other).sign(f.last_manifest);
    sig.body.assign(bad.begin(), bad.end());
    f.https->set("/dl/V1.1.0/vt132-manifest.json.sig", sig);
    auto sim = f.start_online(f.latest_url());
    expect_refused(f, *sim, "SIGNATURE");
  }

  TEST_CASE("a release without a signature is refused when the build requires one") {
    Fixture f;
    ReleaseOptions o;
    o.with_signature = false;
    f.publish(Fixture::image("V1.1.0"), o);
    auto sim = f.start_online(f.latest_url());
    expect_refused(f, *sim, "SIGNATURE");
  }

  TEST_CASE("a manifest naming another image is a SHA-256 mismatch") {
    Fixture f;
    ReleaseOptions o;
    o.manifest_sha256 = std::string(64, 'a');
    f.publish(Fixture::image("V1.1.0"), o);
    auto sim = f.start_online(f.latest_url());
    expect_refused(f, *sim, "SHA-256 MISMATCH");
  }

  TEST_CASE("a manifest that describes another asset is refused before download") {
    Fixture f;
    ReleaseOptions o;
    o.manifest_image = "VT132-debug.bin";
    f.publish(Fixture::image("V1.1.0"), o);
    auto sim = f.start_online(f.latest_url());
    expect_refused(f, *sim, "BAD MANIFEST");
  }

  TEST_CASE("a secure_version below the anti-rollback floor is refused") {
    Fixture f;
    // The board runs secure_version 2 and has burnt its floor to 2.
    std::ofstream(f.dir / "v1.bin", std::ios::binary) << Fixture::image("V1.0.0", 2);
    std::ofstream(f.flash.string() + ".efuse") << "2\n";
    ReleaseOptions o;
    o.manifest_secure_version = 1;
    f.publish(Fixture::image("V1.1.0", 1), o);
    auto sim = f.start_online(f.latest_url());
    expect_refused(f, *sim, "OLDER THAN ALLOWED");
  }

  TEST_CASE("an expired manifest is refused") {
    Fixture f;
    ReleaseOptions o;
    o.expires_in = -3600;
    f.publish(Fixture::image("V1.1.0"), o);
    auto sim = f.start_online(f.latest_url());
    expect_refused(f, *sim, "EXPIRED");
  }

  TEST_CASE("an image larger than the OTA slot is refused") {
    Fixture f;
    f.publish(Fixture::image("V1.1.0", 0, 1400 * 1024));
    auto sim = f.start_online(f.latest_url());
    expect_refused(f, *sim, "TOO LARGE");
  }

  TEST_CASE("an oversize image without a manifest is cut off at the slot size") {
    Fixture f;
    f.publish(Fixture::image("V1.1.0", 0, 1400 * 1024), ReleaseOptions{"V1.1.0", false, false, false});
    auto sim = f.start_online(f.latest_url(), {}, false);
    expect_refused(f, *sim, "TOO LARGE");
  }

  TEST_CASE("an image download redirected from https to plain http is refused before any plain request") {
    Fixture f;
    const std::string img = Fixture::image("V1.1.0");
    f.publish(img, ReleaseOptions{"V1.1.0", false, false, false});
    TestServer plain;  // would serve the genuine image, but unprotected
    Route image;
    image.body = img;
    plain.set("/VT132.bin", image);
    Route redirect;
    redirect.redirect_to = plain.url("/VT132.bin");
    f.https->set("/dl/V1.1.0/VT132.bin", redirect);
    auto sim = f.start_online(f.latest_url(), {}, false);
    expect_refused(f, *sim, "HTTPS REQUIRED");
    CHECK(plain.requests().empty());
  }

  TEST_CASE("a direct https image URL that redirects to plain http is refused at the query") {
    Fixture f;
    TestServer plain;
    Route image;
    image.body = Fixture::image("V1.1.0");
    plain.set("/VT132.bin", image);
    Route redirect;
    redirect.redirect_to = plain.url("/VT132.bin");
    f.https->set("/VT132.bin", redirect);
    auto sim = f.start_online(f.https->url("/VT132.bin"), {}, false);
    CHECK(sim->command("AT+U?") == "AT+U?\r\r\nUPDATE FAILED: HTTPS REQUIRED\r\n\r\nERROR\r\n");
    CHECK(plain.requests().empty());
  }

  TEST_CASE("an endless body is cut off at the manifest's size") {
    Fixture f;
    const std::string img = Fixture::image("V1.1.0");
    f.publish(img);
    replace_route_body(f, "/dl/V1.1.0/VT132.bin", img, true);
    auto sim = f.start_online(f.latest_url());
    expect_refused(f, *sim, "TOO LARGE");
  }
}
