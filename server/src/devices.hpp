#pragma once
// The devices seen: what the server remembers about each device that fetches from it, for
// the /devices page, /api/v3/vt132/devices and /metrics.
//
// A device is either a VT132 running our firmware core, known by the id in its User-Agent
// (device_agent.hpp), or "stock firmware": any other client that downloads an asset, known
// by its address (other clients that only read pages or the API are not devices). For each:
// first and last seen, the address, what its User-Agent reported (version, chip, slot,
// state), its last download (the release, each asset's bytes served, resumed ranges, whether
// every byte got there) and the outcome of its last update, inferred from what it reports
// next: after a completed download, a request from the device that is not part of that
// download and reports the release's version means "updated"; one that reports another
// version means "failed or rolled back" (or it was not restarted yet). Stock firmware
// reports no version, so its outcome stays "downloaded".
//
// Bounded: at most `max_devices` (kDefaultMaxDevices) devices; a new one past that evicts
// the one seen longest ago. Each keeps at most kMaxAssetsPerDownload assets of its last
// download. Stored in one JSON file (DATA/store/devices.json, 0600) written whole with
// host::write_file_atomic (temporary file, fsync, rename), not per request: a background
// thread writes it at most every `flush_interval` when something changed, and once more
// when the server stops, so a crash loses at most that interval. A damaged file is moved to
// the store's quarantine at start (logged, never deleted) and the list starts empty.
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

namespace vt132::server {

constexpr size_t kDefaultMaxDevices = 1000;
constexpr size_t kMaxAssetsPerDownload = 8;
constexpr std::chrono::seconds kDefaultDevicesFlush{5};

enum class UpdateOutcome { None, Downloading, Downloaded, Updated, FailedOrRolledBack };
// "none", "downloading", "downloaded", "updated", "failed or rolled back"
const char* outcome_name(UpdateOutcome outcome);

struct AssetProgress {
  std::string name;
  uint64_t size = 0;
  uint64_t bytes_served = 0;    // every byte sent, repeats included
  uint64_t contiguous = 0;      // bytes [0, contiguous) have reached the device
  uint64_t requests = 0;
  uint64_t resumed_ranges = 0;  // requests that started past byte 0 (Range resumes)
  bool complete() const { return contiguous >= size; }
};

struct DownloadRecord {
  std::string repo;          // OWNER/NAME
  std::string tag;
  std::string from_version;  // what the device reported when it began; empty for stock firmware
  int64_t started_at = 0;
  int64_t last_at = 0;
  std::vector<AssetProgress> assets;  // at most kMaxAssetsPerDownload
  // The update is its largest asset (the image or the patch, not the manifest).
  const AssetProgress* main_asset() const;
};

struct DeviceRecord {
  std::string key;       // "id:<8 hex>" or "address:<client address>"
  bool stock = false;
  std::string id;        // VT132 devices
  std::string address;   // last client address
  std::string user_agent;  // stock firmware: its User-Agent as sent (printable, at most 128)
  std::string version, chip, slot;
  bool pending = false;
  int64_t first_seen = 0;
  int64_t last_seen = 0;
  uint64_t requests = 0;
  std::optional<DownloadRecord> download;
  UpdateOutcome outcome = UpdateOutcome::None;
};

// One request, as the devices list sees it.
struct ClientFacts {
  std::string_view address;
  std::string_view user_agent;
  int64_t now = 0;  // Unix seconds
};

// One asset response that sends bytes.
struct AssetFetch {
  std::string_view repo;  // OWNER/NAME
  std::string_view tag;
  std::string_view asset;
  uint64_t size = 0;
  uint64_t first = 0;     // where the response starts (a Range resume: > 0)
};

class Devices {
 public:
  struct Options {
    std::filesystem::path file;             // DATA/store/devices.json
    std::filesystem::path quarantine_root;  // DATA/store: a damaged file goes to its quarantine/
    size_t max_devices = kDefaultMaxDevices;
    std::chrono::milliseconds flush_interval = kDefaultDevicesFlush;
  };
  // Loads the file (a damaged one is quarantined; a system error reading it is a
  // host::Error that stops the start) and starts the writer thread.
  explicit Devices(Options options);
  // Writes what changed, then stops the writer.
  ~Devices();
  Devices(const Devices&) = delete;
  Devices& operator=(const Devices&) = delete;

  // Any request but an asset download. Only VT132 agents are recorded.
  void seen(const ClientFacts& client);
  // An asset response about to send bytes; returns the device's key for fetched(), or
  // empty when nothing is recorded.
  std::string fetch_started(const ClientFacts& client, const AssetFetch& fetch);
  // The end of that response: `sent` bytes from fetch.first reached the socket.
  void fetched(const std::string& key, const AssetFetch& fetch, uint64_t sent, int64_t now);

  // Newest last_seen first.
  std::vector<DeviceRecord> list() const;
  // Writes now when something changed (also done by the writer thread and the destructor).
  void flush();
  // Prometheus lines: devices_seen by kind, last update outcomes, evictions, file writes.
  std::string metrics_text() const;
  size_t max_devices() const { return options_.max_devices; }
  // Where a damaged file went at start; empty when nothing was moved.
  const std::filesystem::path& quarantined_to() const { return quarantined_to_; }

  static nlohmann::json to_json(const DeviceRecord& d);

 private:
  DeviceRecord& touch(const std::string& key, const ClientFacts& client);
  void evict_if_full();
  void judge_outcome(DeviceRecord& d, std::string_view repo, std::string_view tag);
  void load();
  void writer_loop();

  Options options_;
  mutable std::mutex mutex_;
  std::map<std::string, DeviceRecord> devices_;
  bool dirty_ = false;
  bool stopping_ = false;
  uint64_t evicted_ = 0;
  uint64_t writes_ = 0;
  uint64_t write_failures_ = 0;
  std::filesystem::path quarantined_to_;
  std::mutex write_mutex_;  // one file write at a time (writer thread, flush(), destructor)
  std::condition_variable wake_;
  std::thread writer_;
};

}  // namespace vt132::server
