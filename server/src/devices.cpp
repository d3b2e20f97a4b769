#include "devices.hpp"

#include <algorithm>
#include <cerrno>
#include <iterator>

#include <spdlog/spdlog.h>

#include "device_agent.hpp"
#include "quarantine.hpp"
#include "storage.hpp"
#include "vt132/core/version.hpp"
#include "vt132/host/file_io.hpp"
#include "vt132/host/hex.hpp"

namespace vt132::server {
namespace fs = std::filesystem;
using json = nlohmann::json;

namespace {

constexpr int kFileSchema = 1;
// 1000 devices of about 1 KB each, with room.
constexpr size_t kMaxFileBytes = 8u << 20;
constexpr size_t kMaxStockAgent = 128;
constexpr size_t kMaxAddress = 64;

const char* const kOutcomeNames[] = {"none", "downloading", "downloaded", "updated", "failed or rolled back"};

UpdateOutcome outcome_from_name(const std::string& name) {
  for (size_t i = 0; i < std::size(kOutcomeNames); ++i) {
    if (name == kOutcomeNames[i]) return static_cast<UpdateOutcome>(i);
  }
  throw std::runtime_error("unknown outcome \"" + name + "\"");
}

// Release tags equal the version inside their image (the release rules), but a tag may be
// written "1.2.0" for "V1.2.0": semver precedence decides when both are versions.
bool same_version(std::string_view reported, std::string_view tag) {
  core::Version a, b;
  if (core::parse_version(reported, a) == core::VersionError::Ok &&
      core::parse_version(tag, b) == core::VersionError::Ok) {
    return core::compare_versions(a, b) == 0;
  }
  return reported == tag;
}

std::string bounded_printable(std::string_view s, size_t max) { return host::printable(std::string(s.substr(0, max))); }

json asset_json(const AssetProgress& a) {
  return json{{"name", a.name},           {"size", a.size},         {"bytes_served", a.bytes_served},
              {"contiguous", a.contiguous}, {"requests", a.requests}, {"resumed_ranges", a.resumed_ranges},
              {"complete", a.complete()}};
}

AssetProgress asset_from_json(const json& j) {
  AssetProgress a;
  a.name = j.at("name").get<std::string>();
  a.size = j.at("size").get<uint64_t>();
  a.bytes_served = j.at("bytes_served").get<uint64_t>();
  a.contiguous = j.at("contiguous").get<uint64_t>();
  a.requests = j.at("requests").get<uint64_t>();
  a.resumed_ranges = j.at("resumed_ranges").get<uint64_t>();
  return a;
}

DeviceRecord device_from_json(const json& j) {
  DeviceRecord d;
  d.key = j.at("key").get<std::string>();
  d.stock = j.at("stock_firmware").get<bool>();
  d.id = j.at("id").get<std::string>();
  d.address = j.at("address").get<std::string>();
  d.user_agent = j.at("user_agent").get<std::string>();
  d.version = j.at("version").get<std::string>();
  d.chip = j.at("chip").get<std::string>();
  d.slot = j.at("slot").get<std::string>();
  d.pending = j.at("state").get<std::string>() == "pending";
  d.first_seen = j.at("first_seen").get<int64_t>();
  d.last_seen = j.at("last_seen").get<int64_t>();
  d.requests = j.at("requests").get<uint64_t>();
  d.outcome = outcome_from_name(j.at("last_update").get<std::string>());
  const json& dl = j.at("download");
  if (!dl.is_null()) {
    DownloadRecord r;
    r.repo = dl.at("repo").get<std::string>();
    r.tag = dl.at("tag").get<std::string>();
    r.from_version = dl.at("from_version").get<std::string>();
    r.started_at = dl.at("started_at").get<int64_t>();
    r.last_at = dl.at("last_at").get<int64_t>();
    for (const json& a : dl.at("assets")) r.assets.push_back(asset_from_json(a));
    if (r.assets.size() > kMaxAssetsPerDownload) throw std::runtime_error("too many assets in a download");
    d.download = std::move(r);
  }
  const std::string want = d.stock ? "address:" + d.address : "id:" + d.id;
  if (d.key != want || d.key.size() > kMaxAddress + 8) throw std::runtime_error("device key \"" + d.key + "\" does not match it");
  return d;
}

}  // namespace

const char* outcome_name(UpdateOutcome outcome) { return kOutcomeNames[static_cast<size_t>(outcome)]; }

const AssetProgress* DownloadRecord::main_asset() const {
  const AssetProgress* best = nullptr;
  for (const AssetProgress& a : assets) {
    if (!best || a.size > best->size) best = &a;
  }
  return best;
}

json Devices::to_json(const DeviceRecord& d) {
  json download = nullptr;
  if (d.download) {
    json assets = json::array();
    for (const AssetProgress& a : d.download->assets) assets.push_back(asset_json(a));
    download = json{{"repo", d.download->repo},
                    {"tag", d.download->tag},
                    {"from_version", d.download->from_version},
                    {"started_at", d.download->started_at},
                    {"last_at", d.download->last_at},
                    {"assets", std::move(assets)}};
  }
  return json{{"key", d.key},
              {"stock_firmware", d.stock},
              {"id", d.id},
              {"address", d.address},
              {"user_agent", d.user_agent},
              {"version", d.version},
              {"chip", d.chip},
              {"slot", d.slot},
              {"state", d.stock ? "" : (d.pending ? "pending" : "valid")},
              {"first_seen", d.first_seen},
              {"last_seen", d.last_seen},
              {"requests", d.requests},
              {"download", std::move(download)},
              {"last_update", outcome_name(d.outcome)}};
}

Devices::Devices(Options options) : options_(std::move(options)) {
  load();
  writer_ = std::thread([this] { writer_loop(); });
}

Devices::~Devices() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  writer_.join();
  flush();
}

void Devices::load() {
  std::vector<uint8_t> bytes;
  try {
    bytes = host::read_file(options_.file, kMaxFileBytes);
  } catch (const host::FileError& e) {
    if (e.code() == ENOENT) return;
    throw host::Error(std::string(e.what()) + "; the server did not start: fix the file's permissions, or start "
                                              "with --no-device-log");
  } catch (const host::Error& e) {
    bytes.clear();
    Quarantine q(options_.quarantine_root);
    q.move(options_.file, std::string("devices list: ") + e.what());
    quarantined_to_ = q.dir();
    return;
  }
  try {
    const json j = json::parse(bytes.begin(), bytes.end());
    if (j.at("schema").get<int>() != kFileSchema) throw std::runtime_error("unknown schema");
    const json& list = j.at("devices");
    if (!list.is_array() || list.size() > options_.max_devices) {
      throw std::runtime_error("not a list of at most " + std::to_string(options_.max_devices) + " devices");
    }
    std::map<std::string, DeviceRecord> loaded;
    for (const json& d : list) {
      DeviceRecord r = device_from_json(d);
      const std::string key = r.key;
      if (!loaded.emplace(key, std::move(r)).second) throw std::runtime_error("device " + key + " listed twice");
    }
    devices_ = std::move(loaded);
  } catch (const std::exception& e) {
    Quarantine q(options_.quarantine_root);
    q.move(options_.file, std::string("devices list: ") + e.what());
    quarantined_to_ = q.dir();
  }
}

void Devices::writer_loop() {
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    wake_.wait_for(lock, options_.flush_interval, [this] { return stopping_; });
    if (stopping_ || !dirty_) continue;
    lock.unlock();
    flush();
    lock.lock();
  }
}

void Devices::flush() {
  std::lock_guard write_lock(write_mutex_);
  std::string text;
  {
    std::lock_guard lock(mutex_);
    if (!dirty_) return;
    json list = json::array();
    for (const auto& [key, d] : devices_) list.push_back(to_json(d));
    text = json{{"schema", kFileSchema}, {"devices", std::move(list)}}.dump(1) + "\n";
    dirty_ = false;
  }
  try {
    host::write_file_atomic(options_.file, text, kStoreFileMode);
    std::lock_guard lock(mutex_);
    ++writes_;
  } catch (const host::Error& e) {
    spdlog::error("cannot write the devices list: {}; trying again in {} ms", e.what(),
                  options_.flush_interval.count());
    std::lock_guard lock(mutex_);
    ++write_failures_;
    dirty_ = true;
  }
}

void Devices::evict_if_full() {
  while (devices_.size() >= options_.max_devices && !devices_.empty()) {
    auto oldest = devices_.begin();
    for (auto it = devices_.begin(); it != devices_.end(); ++it) {
      if (it->second.last_seen < oldest->second.last_seen) oldest = it;
    }
    devices_.erase(oldest);
    ++evicted_;
  }
}

DeviceRecord& Devices::touch(const std::string& key, const ClientFacts& c) {
  auto it = devices_.find(key);
  if (it == devices_.end()) {
    evict_if_full();
    DeviceRecord d;
    d.key = key;
    d.first_seen = c.now;
    it = devices_.emplace(key, std::move(d)).first;
  }
  DeviceRecord& d = it->second;
  d.address = bounded_printable(c.address, kMaxAddress);
  d.last_seen = c.now;
  ++d.requests;
  dirty_ = true;
  return d;
}

// A request that is not part of the download of repo/tag: after a completed download, what
// the device reports now says how its update went.
void Devices::judge_outcome(DeviceRecord& d, std::string_view repo, std::string_view tag) {
  if (d.stock || !d.download || d.outcome != UpdateOutcome::Downloaded) return;
  if (d.download->repo == repo && d.download->tag == tag) return;
  d.outcome = same_version(d.version, d.download->tag) ? UpdateOutcome::Updated : UpdateOutcome::FailedOrRolledBack;
}

void Devices::seen(const ClientFacts& client) {
  const std::optional<DeviceAgent> agent = parse_device_agent(client.user_agent);
  if (!agent) return;
  std::lock_guard lock(mutex_);
  DeviceRecord& d = touch("id:" + agent->id, client);
  d.id = agent->id;
  d.version = agent->version;
  d.chip = agent->chip;
  d.slot = agent->slot;
  d.pending = agent->pending;
  judge_outcome(d, "", "");
}

namespace {

// An image asset name, as stock firmware downloads: "VT132.bin" (any case of ".bin").
bool ends_with_bin(std::string_view name) {
  if (name.size() < 4) return false;
  const std::string_view ext = name.substr(name.size() - 4);
  return ext[0] == '.' && (ext[1] | 0x20) == 'b' && (ext[2] | 0x20) == 'i' && (ext[3] | 0x20) == 'n';
}

}  // namespace

std::string Devices::fetch_started(const ClientFacts& client, const AssetFetch& f) {
  const std::optional<DeviceAgent> agent = parse_device_agent(client.user_agent);
  // Stock firmware fetches only the image (VT132.bin). Another client fetching a manifest,
  // SHA256SUMS or a zip (vt132-release publish reading the latest manifest, a browser) is
  // not a board.
  if (!agent && !ends_with_bin(f.asset)) return "";
  const std::string key = agent ? "id:" + agent->id : "address:" + bounded_printable(client.address, kMaxAddress);
  std::lock_guard lock(mutex_);
  DeviceRecord& d = touch(key, client);
  if (agent) {
    d.id = agent->id;
    d.version = agent->version;
    d.chip = agent->chip;
    d.slot = agent->slot;
    d.pending = agent->pending;
  } else {
    d.stock = true;
    d.user_agent = bounded_printable(client.user_agent, kMaxStockAgent);
  }
  judge_outcome(d, f.repo, f.tag);
  if (!d.download || d.download->repo != f.repo || d.download->tag != f.tag) {
    d.download = DownloadRecord{std::string(f.repo), std::string(f.tag), d.version, client.now, client.now, {}};
  }
  DownloadRecord& r = *d.download;
  r.last_at = client.now;
  AssetProgress* a = nullptr;
  for (AssetProgress& p : r.assets) {
    if (p.name == f.asset) a = &p;
  }
  if (!a) {
    if (r.assets.size() == kMaxAssetsPerDownload) return key;  // counted as seen, not as progress
    r.assets.push_back(AssetProgress{std::string(f.asset), f.size, 0, 0, 0, 0});
    a = &r.assets.back();
  }
  ++a->requests;
  if (f.first > 0) ++a->resumed_ranges;
  const AssetProgress* main = r.main_asset();
  if (!main->complete()) d.outcome = UpdateOutcome::Downloading;
  return key;
}

void Devices::fetched(const std::string& key, const AssetFetch& f, uint64_t sent, int64_t now) {
  if (key.empty()) return;
  std::lock_guard lock(mutex_);
  auto it = devices_.find(key);
  if (it == devices_.end() || !it->second.download) return;  // evicted meanwhile
  DeviceRecord& d = it->second;
  DownloadRecord& r = *d.download;
  if (r.repo != f.repo || r.tag != f.tag) return;  // another download began meanwhile
  for (AssetProgress& a : r.assets) {
    if (a.name != f.asset) continue;
    a.bytes_served += sent;
    // Bytes from a resume count toward the whole only when they continue what arrived.
    if (f.first <= a.contiguous) a.contiguous = std::max(a.contiguous, f.first + sent);
  }
  r.last_at = now;
  const AssetProgress* main = r.main_asset();
  if (main && main->complete() && d.outcome == UpdateOutcome::Downloading) d.outcome = UpdateOutcome::Downloaded;
  dirty_ = true;
}

std::vector<DeviceRecord> Devices::list() const {
  std::vector<DeviceRecord> out;
  {
    std::lock_guard lock(mutex_);
    out.reserve(devices_.size());
    for (const auto& [key, d] : devices_) out.push_back(d);
  }
  std::sort(out.begin(), out.end(), [](const DeviceRecord& a, const DeviceRecord& b) {
    return a.last_seen != b.last_seen ? a.last_seen > b.last_seen : a.key < b.key;
  });
  return out;
}

std::string Devices::metrics_text() const {
  std::lock_guard lock(mutex_);
  uint64_t vt132 = 0, stock = 0;
  uint64_t outcomes[std::size(kOutcomeNames)] = {};
  for (const auto& [key, d] : devices_) {
    ++(d.stock ? stock : vt132);
    ++outcomes[static_cast<size_t>(d.outcome)];
  }
  std::string out;
  out += "# HELP vt132_devices_seen Devices in the devices list (/devices), by kind.\n";
  out += "# TYPE vt132_devices_seen gauge\n";
  out += "vt132_devices_seen{kind=\"vt132\"} " + std::to_string(vt132) + "\n";
  out += "vt132_devices_seen{kind=\"stock_firmware\"} " + std::to_string(stock) + "\n";
  out += "# HELP vt132_devices_last_update Devices in the list by the outcome of their last update.\n";
  out += "# TYPE vt132_devices_last_update gauge\n";
  for (size_t i = 0; i < std::size(kOutcomeNames); ++i) {
    out += "vt132_devices_last_update{outcome=\"" + std::string(kOutcomeNames[i]) + "\"} " +
           std::to_string(outcomes[i]) + "\n";
  }
  out += "# HELP vt132_devices_evicted_total Devices dropped from the list to keep it within its bound.\n";
  out += "# TYPE vt132_devices_evicted_total counter\n";
  out += "vt132_devices_evicted_total " + std::to_string(evicted_) + "\n";
  out += "# HELP vt132_devices_file_writes_total Writes of DATA/store/devices.json, by result.\n";
  out += "# TYPE vt132_devices_file_writes_total counter\n";
  out += "vt132_devices_file_writes_total{result=\"ok\"} " + std::to_string(writes_) + "\n";
  out += "vt132_devices_file_writes_total{result=\"failed\"} " + std::to_string(write_failures_) + "\n";
  return out;
}

}  // namespace vt132::server
