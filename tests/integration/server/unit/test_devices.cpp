// The devices list: the User-Agent parser, outcomes inferred from what a device reports
// next, the bound, and the file (written whole, read back, quarantined when damaged). Real
// files in temporary directories.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "../../../support/host_test_files.hpp"
#include "device_agent.hpp"
#include "devices.hpp"

using namespace vt132::server;
namespace fs = std::filesystem;
using vt132::test::TempDir;

namespace {

std::string agent(const std::string& id, const std::string& version, const std::string& slot = "app0",
                  const std::string& state = "valid") {
  return "VT132/" + version + " (esp32; id=" + id + "; slot=" + slot + "; state=" + state + ")";
}

Devices::Options options(const TempDir& dir, size_t max_devices = kDefaultMaxDevices) {
  fs::create_directories(dir.path() / "store");
  return Devices::Options{dir.path() / "store" / "devices.json", dir.path() / "store", max_devices,
                          std::chrono::milliseconds(3600 * 1000)};
}

// A whole download of `size` bytes of `asset`, in one response from byte `first`.
void download(Devices& d, const std::string& ua, const std::string& tag, const std::string& asset, uint64_t size,
              uint64_t first, uint64_t sent, int64_t now, const std::string& address = "10.0.0.2") {
  const AssetFetch f{"o/r", tag, asset, size, first};
  const std::string key = d.fetch_started(ClientFacts{address, ua, now}, f);
  d.fetched(key, f, sent, now);
}

const DeviceRecord* find(const std::vector<DeviceRecord>& list, const std::string& key) {
  for (const DeviceRecord& r : list) {
    if (r.key == key) return &r;
  }
  return nullptr;
}

}  // namespace

TEST_SUITE("server_devices") {
  TEST_CASE("the VT132 User-Agent is parsed exactly and anything else is not a VT132") {
    const auto a = parse_device_agent("VT132/V1.1.0-rc.1 (esp32; id=0123abcd; slot=app1; state=pending)");
    REQUIRE(a);
    CHECK(a->version == "V1.1.0-rc.1");
    CHECK(a->chip == "esp32");
    CHECK(a->id == "0123abcd");
    CHECK(a->slot == "app1");
    CHECK(a->pending);
    for (const char* bad : {"", "VT132-OTA", "ESP32 HTTP Client/1.0", "curl/7.88.1",
                            "VT132/V1 (esp32; id=0123abc; slot=app1; state=valid)",
                            "VT132/V1 (esp32; id=0123ABCD; slot=app1; state=valid)",
                            "VT132/V1 (esp32; id=0123abcd; slot=app1; state=valid) extra",
                            "VT132/V1 (esp32; id=0123abcd; slot=app1; state=maybe)",
                            "VT132/V<1> (esp32; id=0123abcd; slot=app1; state=valid)",
                            "VT132/ (esp32; id=0123abcd; slot=app1; state=valid)"}) {
      CHECK_MESSAGE(!parse_device_agent(bad), bad);
    }
    CHECK(!parse_device_agent("VT132/" + std::string(33, '1') + " (esp32; id=0123abcd; slot=app1; state=valid)"));
  }

  TEST_CASE("a completed download then the new version reported is an update; the old version is a failure") {
    TempDir dir;
    Devices d(options(dir));
    const std::string good = "aaaaaaaa", bad = "bbbbbbbb";
    for (const std::string& id : {good, bad}) {
      d.seen(ClientFacts{"10.0.0.2", agent(id, "V1.0.0"), 100});
      download(d, agent(id, "V1.0.0"), "V1.1.0", "vt132-manifest.json", 300, 0, 300, 101);
      download(d, agent(id, "V1.0.0"), "V1.1.0", "VT132.bin", 1000, 0, 400, 102);  // dropped after 400 bytes
    }
    CHECK(find(d.list(), "id:" + good)->outcome == UpdateOutcome::Downloading);
    for (const std::string& id : {good, bad}) download(d, agent(id, "V1.0.0"), "V1.1.0", "VT132.bin", 1000, 400, 600, 103);
    CHECK(find(d.list(), "id:" + good)->outcome == UpdateOutcome::Downloaded);
    d.seen(ClientFacts{"10.0.0.2", agent(good, "V1.1.0", "app1", "pending"), 200});
    d.seen(ClientFacts{"10.0.0.3", agent(bad, "V1.0.0"), 200});
    const std::vector<DeviceRecord> list = d.list();
    const DeviceRecord* g = find(list, "id:" + good);
    const DeviceRecord* b = find(list, "id:" + bad);
    REQUIRE(g);
    REQUIRE(b);
    CHECK(g->outcome == UpdateOutcome::Updated);
    CHECK(g->version == "V1.1.0");
    CHECK(g->slot == "app1");
    CHECK(g->pending);
    CHECK(b->outcome == UpdateOutcome::FailedOrRolledBack);
    CHECK(b->address == "10.0.0.3");
    REQUIRE(g->download);
    CHECK(g->download->from_version == "V1.0.0");
    const AssetProgress* image = g->download->main_asset();
    CHECK(image->name == "VT132.bin");
    CHECK(image->bytes_served == 1000);
    CHECK(image->resumed_ranges == 1);
    CHECK(image->complete());
    CHECK(g->first_seen == 100);
    CHECK(g->last_seen == 200);
  }

  TEST_CASE("a resume that leaves a gap does not make the download complete") {
    TempDir dir;
    Devices d(options(dir));
    const std::string ua = agent("cccccccc", "V1.0.0");
    download(d, ua, "V1.1.0", "VT132.bin", 1000, 0, 100, 1);
    download(d, ua, "V1.1.0", "VT132.bin", 1000, 500, 500, 2);
    const std::vector<DeviceRecord> list = d.list();
    const DeviceRecord* r = find(list, "id:cccccccc");
    CHECK(r->download->main_asset()->bytes_served == 600);
    CHECK(!r->download->main_asset()->complete());
    CHECK(r->outcome == UpdateOutcome::Downloading);
    // Requests of the download itself never judge it.
    d.seen(ClientFacts{"10.0.0.2", ua, 3});
    CHECK(find(d.list(), "id:cccccccc")->outcome == UpdateOutcome::Downloading);
  }

  TEST_CASE("stock firmware is known by its address only when it downloads") {
    TempDir dir;
    Devices d(options(dir));
    d.seen(ClientFacts{"10.0.0.9", "Mozilla/5.0", 1});
    CHECK(d.list().empty());
    download(d, "ESP32 HTTP Client/1.0", "V1.1.0", "VT132.bin", 1000, 0, 1000, 2, "10.0.0.9");
    const std::vector<DeviceRecord> list = d.list();
    REQUIRE(list.size() == 1);
    CHECK(list[0].key == "address:10.0.0.9");
    CHECK(list[0].stock);
    CHECK(list[0].user_agent == "ESP32 HTTP Client/1.0");
    CHECK(list[0].outcome == UpdateOutcome::Downloaded);
  }

  TEST_CASE("a non-VT132 client fetching a manifest or a zip is not a board; fetching an image is") {
    TempDir dir;
    Devices d(options(dir));
    download(d, "vt132-release", "V1.1.0", "vt132-manifest.json", 280, 0, 280, 1, "10.0.0.7");
    download(d, "curl/7.88", "V1.1.0", "FIRMWARE.zip", 5000, 0, 5000, 2, "10.0.0.7");
    CHECK(d.list().empty());
    download(d, "curl/7.88", "V1.1.0", "VT132.BIN", 1000, 0, 1000, 3, "10.0.0.7");
    CHECK(d.list().size() == 1);
  }

  TEST_CASE("past its bound the device seen longest ago is evicted") {
    TempDir dir;
    Devices d(options(dir, 3));
    for (int i = 0; i < 5; ++i) {
      char id[9];
      std::snprintf(id, sizeof id, "%08x", i);
      d.seen(ClientFacts{"10.0.0.2", agent(id, "V1.0.0"), 100 + i});
      if (i == 1) d.seen(ClientFacts{"10.0.0.2", agent("00000000", "V1.0.0"), 150});  // seen again: kept
    }
    const std::vector<DeviceRecord> list = d.list();
    REQUIRE(list.size() == 3);
    CHECK(list[0].key == "id:00000000");
    CHECK(list[1].key == "id:00000004");
    CHECK(list[2].key == "id:00000003");
    CHECK(d.metrics_text().find("vt132_devices_evicted_total 2\n") != std::string::npos);
  }

  TEST_CASE("the list survives a restart through its file") {
    TempDir dir;
    {
      Devices d(options(dir));
      download(d, agent("dddddddd", "V1.0.0"), "V1.1.0", "VT132.bin", 1000, 0, 1000, 5);
      download(d, "curl/7.88.1", "V1.1.0", "VT132.bin", 1000, 0, 1000, 6, "10.0.0.7");
    }
    const fs::path file = dir.path() / "store" / "devices.json";
    REQUIRE(fs::exists(file));
    CHECK((fs::status(file).permissions() & fs::perms::all) == (fs::perms::owner_read | fs::perms::owner_write));
    Devices again(options(dir));
    const std::vector<DeviceRecord> list = again.list();
    REQUIRE(list.size() == 2);
    CHECK(list[0].key == "address:10.0.0.7");  // newest first
    const DeviceRecord* v = find(list, "id:dddddddd");
    REQUIRE(v);
    CHECK(v->outcome == UpdateOutcome::Downloaded);
    CHECK(v->download->main_asset()->bytes_served == 1000);
    again.seen(ClientFacts{"10.0.0.2", agent("dddddddd", "V1.1.0"), 9});
    CHECK(find(again.list(), "id:dddddddd")->outcome == UpdateOutcome::Updated);
  }

  TEST_CASE("a damaged devices file is moved to the store's quarantine, never deleted, and the list starts empty") {
    TempDir dir;
    const Devices::Options o = options(dir);
    {
      std::ofstream(o.file) << "{\"schema\":1,\"devices\":[{\"key\":\"id:zz\"}]}";
    }
    Devices d(o);
    CHECK(d.list().empty());
    CHECK(!fs::exists(o.file));
    REQUIRE(!d.quarantined_to().empty());
    CHECK(d.quarantined_to().parent_path() == dir.path() / "store" / "quarantine");
    std::ifstream moved(d.quarantined_to() / "devices.json");
    std::string text((std::istreambuf_iterator<char>(moved)), std::istreambuf_iterator<char>());
    CHECK(text == "{\"schema\":1,\"devices\":[{\"key\":\"id:zz\"}]}");
  }

  TEST_CASE("nothing is written until something changed") {
    TempDir dir;
    const Devices::Options o = options(dir);
    {
      Devices d(o);
      d.seen(ClientFacts{"10.0.0.9", "Mozilla/5.0", 1});
    }
    CHECK(!fs::exists(o.file));
  }
}
