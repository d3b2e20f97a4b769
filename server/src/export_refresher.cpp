#include "export_refresher.hpp"

#include <algorithm>

#include <spdlog/spdlog.h>

#include "export_tree.hpp"
#include "static_export.hpp"

namespace vt132::server {

ExportRefresher::ExportRefresher(Service& service, const Store& store, ExportRefresherOptions options)
    : service_(service), store_(store), options_(std::move(options)) {}

ExportRefresher::~ExportRefresher() { stop(); }

void ExportRefresher::start() { thread_ = std::thread([this] { run(); }); }

void ExportRefresher::stop() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stop_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

bool ExportRefresher::export_once(uint64_t generation) {
  const auto start = Clock::now();
  try {
    ExportOptions o;
    o.out = options_.out;
    o.stop = &stop_;
    const ExportResult r = export_static(service_, store_, o);
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start).count();
    spdlog::info("export: {} -> {} ({} documents, {} asset files: {} copied, {} store files linked, {} kept from "
                 "the previous export) in {} ms",
                 options_.out.string(), r.tree.filename().string(), r.documents, r.asset_files, r.copied, r.linked,
                 r.reused, ms);
    backoff_ = std::chrono::milliseconds(0);
    return true;
  } catch (const ExportCancelled&) {
    return false;
  } catch (const ExportStale&) {
    // Not a failure: the next round exports the newer state.
    spdlog::debug("export: the store changed during the export of generation {}; exporting again", generation);
    return false;
  } catch (const std::exception& e) {
    backoff_ = std::min(options_.max_backoff, std::max(std::chrono::milliseconds(1000), backoff_ * 2));
    retry_at_ = Clock::now() + backoff_;
    spdlog::error("export to {} failed, EXPORT keeps its last tree; retrying in {} s: {}", options_.out.string(),
                  backoff_.count() / 1000, e.what());
    return false;
  }
}

void ExportRefresher::run() {
  uint64_t exported = 0;  // the generation EXPORT shows; 0: not exported since start
  uint64_t seen = 0;
  Clock::time_point first_change{};  // of the changes EXPORT does not show yet
  Clock::time_point last_change{};
  std::unique_lock<std::mutex> lock(mutex_);
  while (!stop_) {
    const uint64_t generation = store_.generation();
    const auto now = Clock::now();
    if (generation != seen) {
      if (seen == exported) first_change = now;
      seen = generation;
      last_change = now;
    }
    const bool due = exported == 0 || now - last_change >= options_.quiet || now - first_change >= options_.max_delay;
    if (generation != exported && due && now >= retry_at_) {
      lock.unlock();
      const bool done = export_once(generation);
      lock.lock();
      if (done) exported = generation;
      continue;  // look at the generation again at once: it may have moved meanwhile
    }
    wake_.wait_for(lock, options_.poll, [this] { return stop_.load(); });
  }
}

}  // namespace vt132::server
