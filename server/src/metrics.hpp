#pragma once
// Counters for /metrics in the Prometheus text format (version 0.0.4).
#include <array>
#include <atomic>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <utility>

#include "mirror_status.hpp"
#include "route.hpp"

namespace vt132::server {

class Metrics {
 public:
  void count_request(RouteKind route, int status);
  void add_bytes_sent(uint64_t n) { bytes_sent_.fetch_add(n, std::memory_order_relaxed); }
  void count_download(const std::string& owner, const std::string& repo, const std::string& tag, uint64_t asset_id);
  // Downloads of one asset since the server started (the pages show it); kept in memory only.
  uint64_t asset_downloads(uint64_t asset_id) const;
  std::atomic<int64_t>& connections_in_flight() { return in_flight_; }
  // Asset bodies being sent now; shutdown waits for these to finish.
  std::atomic<int64_t>& downloads_in_progress() { return downloads_in_progress_; }

  // The --mirror's status, shown in /metrics and on the page; null without --mirror.
  void attach_mirror(const MirrorStatus* status) { mirror_ = status; }
  const MirrorStatus* mirror() const { return mirror_; }

  // `quarantined_files`: what the store moved to quarantine at start (the store knows it).
  std::string render(uint64_t quarantined_files) const;

 private:
  // Requests by (route, status), counted on every response: atomics, so the serving threads
  // do not queue on one mutex. Statuses 100-599 of the kinds up to RootAsset (route.hpp's
  // last); anything else in other_requests_, under the mutex.
  static constexpr size_t kRouteKinds = static_cast<size_t>(RouteKind::RootAsset) + 1;
  static constexpr int kFirstStatus = 100;
  static constexpr size_t kStatuses = 500;
  std::array<std::array<std::atomic<uint64_t>, kStatuses>, kRouteKinds> requests_{};
  mutable std::mutex mutex_;
  std::map<std::pair<int, int>, uint64_t> other_requests_;  // (route, status)
  std::map<std::string, uint64_t> downloads_;         // label set text -> count
  std::map<uint64_t, uint64_t> asset_downloads_;      // asset id -> count
  std::atomic<uint64_t> bytes_sent_{0};
  std::atomic<int64_t> in_flight_{0};
  std::atomic<int64_t> downloads_in_progress_{0};
  const MirrorStatus* mirror_ = nullptr;  // set before the listeners start
};

}  // namespace vt132::server
