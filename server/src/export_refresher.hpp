#pragma once
// --export-dir: the running server keeps a static export (static_export.hpp) current. One
// background thread exports at start, then after every store change: once the store has been
// quiet for `quiet` (a publish is several writes: release, assets, then the draft flag), but
// no later than `max_delay` after the first unexported change, so a busy store still shows
// up. A failed export is logged with its reason and tried again, backing off; EXPORT keeps
// the last good tree meanwhile.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <mutex>
#include <thread>

#include "service.hpp"
#include "storage.hpp"

namespace vt132::server {

struct ExportRefresherOptions {
  std::filesystem::path out;
  std::chrono::milliseconds quiet{250};
  std::chrono::milliseconds max_delay{2000};
  // How often the store's generation is looked at: the store has no change notification,
  // and an atomic load every 50 ms costs nothing next to the 250 ms debounce.
  std::chrono::milliseconds poll{50};
  std::chrono::milliseconds max_backoff{60000};  // the longest wait before retrying a failure
};

class ExportRefresher {
 public:
  // `service` renders the export (a Service of its own: no devices list, no mirror status);
  // both must outlive this object.
  ExportRefresher(Service& service, const Store& store, ExportRefresherOptions options);
  ~ExportRefresher();
  ExportRefresher(const ExportRefresher&) = delete;
  ExportRefresher& operator=(const ExportRefresher&) = delete;

  void start();
  // Returns once the thread has ended; an export in progress is abandoned (EXPORT unchanged).
  void stop();

 private:
  using Clock = std::chrono::steady_clock;
  void run();
  // One export of what the store holds now; true when EXPORT now shows `generation`.
  bool export_once(uint64_t generation);

  Service& service_;
  const Store& store_;
  ExportRefresherOptions options_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
  std::chrono::milliseconds backoff_{0};
  Clock::time_point retry_at_{};
};

}  // namespace vt132::server
