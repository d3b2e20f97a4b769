#pragma once
// What the mirror (mirror.hpp) last did and will do next, for /metrics and the HTML page.
// The mirror thread records; any thread reads a consistent copy with snapshot().
#include <cstdint>
#include <mutex>
#include <string>

namespace vt132::server {

struct MirrorSnapshot {
  std::string repo;       // OWNER/NAME followed
  std::string upstream;   // API URL, e.g. https://api.github.com
  int64_t last_sync_at = 0;     // Unix seconds the last sync ended; 0: none yet
  bool last_sync_ok = false;    // it completed (an unchanged upstream counts as completed)
  std::string last_result;      // one line: "3 releases up to date", "upstream unchanged (304)",
                                // "failed: GET ...: cannot connect", "1 release refused: ..."
  int64_t last_success_at = 0;  // Unix seconds of the last completed sync; 0: none yet
  int64_t next_sync_at = 0;     // Unix seconds the next one starts (back-off or rate limit included)
  uint64_t consecutive_failures = 0;
  uint64_t syncs_total = 0;
  uint64_t syncs_failed_total = 0;
  uint64_t not_modified_total = 0;       // list requests the upstream answered 304
  uint64_t releases_published_total = 0;  // releases this process made appear locally
  uint64_t assets_downloaded_total = 0;   // assets fetched, checked and stored
  uint64_t assets_refused_total = 0;      // assets that failed a check and were not published
  uint64_t upstream_requests_total = 0;
};

class MirrorStatus {
 public:
  MirrorSnapshot snapshot() const {
    std::lock_guard lock(mutex_);
    return state_;
  }
  // `change` edits the state under the lock (the mirror thread's only way in).
  template <typename F>
  void update(F&& change) {
    std::lock_guard lock(mutex_);
    change(state_);
  }
  // Prometheus text lines (vt132_mirror_*), appended to /metrics.
  std::string render_metrics() const;

 private:
  mutable std::mutex mutex_;
  MirrorSnapshot state_;
};

}  // namespace vt132::server
