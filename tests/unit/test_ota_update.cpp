// The OTA handle (begin / perform / finish / abort) over the host's OTA slots on a RAM flash,
// fed by a scripted server: what each call may do, and what it must leave alone.
#include <doctest/doctest.h>

#include <cstring>
#include <string>
#include <vector>

#include "../support/ram_board.hpp"
#include "../support/scripted_net.hpp"
#include "port/host_system.hpp"
#include "vt132/core/boot/flash_ota_slots.hpp"
#include "vt132/core/ota/ota_update.hpp"

using namespace vt132::core;
using vt132::test::app_image;
using vt132::test::FakeClock;
using vt132::test::ok_response;
using vt132::test::RamBoard;
using vt132::test::ScriptedNet;

namespace {

std::vector<uint8_t> image_for(uint16_t chip_id, const std::string& project, uint32_t secure_version = 0) {
  vt132::host::ImageSpec spec;
  spec.version = "V1.1.0";
  spec.chip_id = chip_id;
  spec.project_name = project;
  spec.secure_version = secure_version;
  spec.segments = vt132::host::ImageSpec::vt132_like_segments(40 * 1024);
  return vt132::host::build_image(spec);
}

int progress_calls = 0;
void count_progress(void*) { ++progress_calls; }

// A board running V1.0.0 from app0, and an update to V1.1.0 offered as a direct image.
struct Rig {
  RamBoard board{app_image("V1.0.0")};
  boot::BootResult booted = board.boot();
  boot::FlashOtaSlots slots{board.flash, board.table, board.efuse, booted};
  FakeClock clock;
  ScriptedNet net;
  vt132::hostport::MallocAllocator backing;
  CountingAllocator heap{backing};
  OtaUpdate update{OtaPorts{slots, net, clock, board.efuse, nullptr, heap}};
  OtaQuery query;
  OtaConfig config;

  Rig() {
    net.clock = &clock;
    net.piece = 4096;
    query.valid = true;
    REQUIRE(parse_version("V1.1.0", query.version) == VersionError::Ok);
    std::strcpy(query.image_url, "http://h/VT132.bin");
    query.direct_image = true;
    config.query = &query;
    config.on_progress = count_progress;
    progress_calls = 0;
  }
  // Performs until the answer is not InProgress; `calls` counts the performs.
  OtaResult perform_all(int& calls) {
    for (calls = 1;; ++calls) {
      const OtaResult r = update.perform();
      if (r.error != UpdateError::InProgress) return r;
    }
  }
};

}  // namespace

TEST_SUITE("ota_update") {
  TEST_CASE("perform moves at most one receive buffer per call and answers InProgress until the image is in") {
    Rig rig;
    const auto img = app_image("V1.1.0", 0, 200 * 1024);
    rig.net.responses = {ok_response(img)};
    rig.config.rx_buffer_size = 512;
    REQUIRE(rig.update.begin(rig.config).ok());
    CHECK(rig.update.total_size() == img.size());
    AppDescriptor desc;
    REQUIRE(rig.update.get_img_desc(desc).ok());
    CHECK(std::string(desc.version) == "V1.1.0");
    rig.net.log = {};
    size_t before = rig.update.bytes_read();
    int calls = 0;
    for (;; ++calls) {
      const OtaResult r = rig.update.perform();
      const size_t now = rig.update.bytes_read();
      CHECK(now - before <= 512);
      before = now;
      if (r.error != UpdateError::InProgress) {
        REQUIRE(r.ok());
        break;
      }
    }
    CHECK(calls >= static_cast<int>(img.size() / 512));
    CHECK(rig.update.bytes_read() == img.size());
    // No read waited longer than one short network wait.
    CHECK(rig.net.log.longest_wait_ms <= rig.config.net_wait_ms);
    CHECK(progress_calls == static_cast<int>(img.size() / kProgressStep));
    REQUIRE(rig.update.finish().ok());
    CHECK_FALSE(rig.update.active());
    CHECK(rig.board.boots() == "V1.1.0 app1");
  }

  TEST_CASE("a silent server: perform answers InProgress after a short wait, Timeout after timeout_ms in all") {
    Rig rig;
    const auto img = app_image("V1.1.0");
    const std::string response = ok_response(img);
    rig.net.responses = {response};
    rig.net.silent_from = response.size() - img.size() + 5000;  // 5000 body bytes, then silence
    rig.net.silence_takes_time = true;
    rig.config.max_resumes = 0;
    REQUIRE(rig.update.begin(rig.config).ok());
    rig.net.log = {};
    const uint32_t t0 = rig.clock.now;
    int calls = 0;
    const OtaResult r = rig.perform_all(calls);
    CHECK(r.error == UpdateError::Timeout);
    CHECK(rig.net.log.longest_wait_ms <= rig.config.net_wait_ms);
    // The silence is measured across calls: about timeout_ms, not one timeout per call.
    CHECK(rig.clock.now - t0 <= rig.config.timeout_ms + rig.config.net_wait_ms);
    CHECK(calls >= static_cast<int>(rig.config.timeout_ms / rig.config.net_wait_ms));
    CHECK(rig.update.perform().error == UpdateError::InvalidState);  // failed: only abort is left
    CHECK(rig.update.abort().ok());
    CHECK(rig.board.boots() == "V1.0.0 app0");
  }

  TEST_CASE("a dropped connection resumes with Range no earlier than the back-off, and perform never sleeps") {
    Rig rig;
    const auto img = app_image("V1.1.0");
    const std::string whole = ok_response(img);
    const size_t head = whole.size() - img.size();
    const std::string rest(img.begin() + 5000, img.end());
    rig.net.responses = {whole.substr(0, head + 5000),  // closes after 5000 bytes of the body
                         "HTTP/1.1 206 Partial Content\r\nContent-Range: bytes 5000-" + std::to_string(img.size() - 1) +
                             "/" + std::to_string(img.size()) + "\r\nContent-Length: " + std::to_string(rest.size()) +
                             "\r\n\r\n" + rest};
    REQUIRE(rig.update.begin(rig.config).ok());
    while (rig.update.bytes_read() < 5000) REQUIRE(rig.update.perform().error == UpdateError::InProgress);
    CHECK(rig.update.perform().error == UpdateError::InProgress);  // the close: a resume is due
    CHECK(rig.net.connects == 1);
    CHECK(rig.update.perform().error == UpdateError::InProgress);  // too early to connect again
    CHECK(rig.net.connects == 1);
    rig.clock.now += rig.config.resume_backoff_ms;
    CHECK(rig.update.perform().error == UpdateError::InProgress);
    CHECK(rig.net.connects == 2);
    CHECK(rig.net.open->request.find("Range: bytes=5000-\r\n") != std::string::npos);
    int calls = 0;
    REQUIRE(rig.perform_all(calls).ok());
    CHECK(rig.clock.sleeps == 0);
    REQUIRE(rig.update.finish().ok());
    CHECK(rig.board.boots() == "V1.1.0 app1");
  }

  TEST_CASE("chip, size, anti-rollback floor and project are refused in begin, before any flash write") {
    Rig rig;
    rig.board.efuse.value = 2;  // burnt after V1.0.0 booted
    struct Case {
      const char* name;
      std::vector<uint8_t> image;
      uint32_t announced_size;
      UpdateError expected;
    };
    const Case cases[] = {
        {"another chip", image_for(0x0009, "VT132", 2), 0, UpdateError::WrongChip},
        {"below the floor", image_for(0, "VT132", 1), 0, UpdateError::OlderThanAllowed},
        {"another project", image_for(0, "OTHER", 2), 0, UpdateError::WrongProject},
        {"larger than the slot (release JSON)", image_for(0, "VT132", 2), 0x140001, UpdateError::TooLarge},
    };
    for (const Case& c : cases) {
      CAPTURE(c.name);
      rig.net.responses = {ok_response(c.image)};
      rig.query.image_size = c.announced_size;
      const uint64_t ops = rig.board.flash.operations();
      CHECK(rig.update.begin(rig.config).error == c.expected);
      CHECK(rig.board.flash.operations() == ops);
      CHECK_FALSE(rig.update.active());
      CHECK(rig.heap.stats().outstanding_bytes == 0);
    }
    SUBCASE("a Content-Length beyond the slot") {
      rig.query.image_size = 0;
      rig.net.responses = {"HTTP/1.1 200 OK\r\nContent-Length: 1310721\r\n\r\n"};
      const uint64_t ops = rig.board.flash.operations();
      CHECK(rig.update.begin(rig.config).error == UpdateError::TooLarge);
      CHECK(rig.board.flash.operations() == ops);
    }
  }

  TEST_CASE("abort part-way leaves the running slot and otadata as they were; the old image boots") {
    Rig rig;
    rig.net.responses = {ok_response(app_image("V1.1.0", 0, 200 * 1024))};
    const std::vector<uint8_t> before = rig.board.flash.bytes();
    REQUIRE(rig.update.begin(rig.config).ok());
    while (rig.update.bytes_read() < 100 * 1024) REQUIRE(rig.update.perform().error == UpdateError::InProgress);
    CHECK(rig.update.abort().ok());
    CHECK_FALSE(rig.update.active());
    CHECK(rig.net.open == nullptr);  // the connection is closed
    // Everything but the update slot (app1) is byte for byte as it was: table, otadata, app0.
    const auto& app1 = rig.board.slot(1);
    const auto& now = rig.board.flash.bytes();
    CHECK(std::equal(now.begin(), now.begin() + app1.offset, before.begin()));
    CHECK(std::equal(now.begin() + app1.offset + app1.size, now.end(), before.begin() + app1.offset + app1.size));
    CHECK(rig.board.boots() == "V1.0.0 app0");
  }

  TEST_CASE("calls out of order answer InvalidState and change nothing") {
    Rig rig;
    AppDescriptor desc;
    CHECK(rig.update.perform().error == UpdateError::InvalidState);
    CHECK(rig.update.finish().error == UpdateError::InvalidState);
    CHECK(rig.update.abort().error == UpdateError::InvalidState);
    CHECK(rig.update.get_img_desc(desc).error == UpdateError::InvalidState);
    rig.net.responses = {ok_response(app_image("V1.1.0"))};
    REQUIRE(rig.update.begin(rig.config).ok());
    CHECK(rig.update.begin(rig.config).error == UpdateError::InvalidState);
    CHECK(rig.update.perform().error == UpdateError::InProgress);
    CHECK(rig.update.finish().error == UpdateError::InvalidState);  // the image is not all in
    CHECK(rig.update.active());
    int calls = 0;
    REQUIRE(rig.perform_all(calls).ok());
    CHECK(rig.update.perform().ok());  // done stays done
    REQUIRE(rig.update.finish().ok());
    CHECK(rig.board.boots() == "V1.1.0 app1");
  }

  TEST_CASE("working memory is one work block and the receive buffer, given back by finish, abort and failure") {
    Rig rig;
    const auto img = app_image("V1.1.0");
    rig.net.responses = {ok_response(img), ok_response(img)};
    REQUIRE(rig.update.begin(rig.config).ok());
    CHECK(rig.heap.stats().outstanding_bytes == OtaUpdate::kWorkBytes + rig.config.rx_buffer_size);
    CHECK(rig.heap.stats().outstanding_blocks == 2);
    MESSAGE("OTA working memory: " << OtaUpdate::kWorkBytes << " + " << rig.config.rx_buffer_size << " bytes");
    int calls = 0;
    REQUIRE(rig.perform_all(calls).ok());
    REQUIRE(rig.update.finish().ok());
    CHECK(rig.heap.stats().outstanding_bytes == 0);
    REQUIRE(rig.update.begin(rig.config).ok());
    CHECK(rig.update.abort().ok());
    CHECK(rig.heap.stats().outstanding_bytes == 0);
    rig.net.responses = {ok_response(std::vector<uint8_t>(100, 0x00))};  // not an image
    CHECK(rig.update.begin(rig.config).error == UpdateError::BadImage);
    CHECK(rig.heap.stats().outstanding_bytes == 0);
    CHECK(rig.heap.stats().outstanding_blocks == 0);
  }

  TEST_CASE("without a query, begin looks the release up itself") {
    Rig rig;
    const auto img = app_image("V1.1.0");
    rig.net.responses = {ok_response(img), ok_response(img)};  // the query's look, then the download
    rig.config.query = nullptr;
    rig.config.url = "http://h/VT132.bin";
    REQUIRE(rig.update.begin(rig.config).ok());
    CHECK(rig.net.connects == 2);
    int calls = 0;
    REQUIRE(rig.perform_all(calls).ok());
    REQUIRE(rig.update.finish().ok());
    CHECK(rig.board.boots() == "V1.1.0 app1");
    rig.config.url = nullptr;
    CHECK(rig.update.begin(rig.config).error == UpdateError::InvalidArgument);
  }
}
