#include "metrics.hpp"

namespace vt132::server {

void Metrics::count_request(RouteKind route, int status) {
  const size_t kind = static_cast<size_t>(route);
  const int slot = status - kFirstStatus;
  if (kind < kRouteKinds && slot >= 0 && static_cast<size_t>(slot) < kStatuses) {
    requests_[kind][static_cast<size_t>(slot)].fetch_add(1, std::memory_order_relaxed);
    return;
  }
  std::lock_guard lock(mutex_);
  ++other_requests_[{static_cast<int>(route), status}];
}

void Metrics::count_download(const std::string& owner, const std::string& repo, const std::string& tag,
                             uint64_t asset_id) {
  // Names are validated (no quotes or backslashes), so they go into labels as they are.
  const std::string labels = "owner=\"" + owner + "\",repo=\"" + repo + "\",tag=\"" + tag + "\"";
  std::lock_guard lock(mutex_);
  if (downloads_.size() < 100000 || downloads_.count(labels) != 0) ++downloads_[labels];
  if (asset_downloads_.size() < 100000 || asset_downloads_.count(asset_id) != 0) ++asset_downloads_[asset_id];
}

uint64_t Metrics::asset_downloads(uint64_t asset_id) const {
  std::lock_guard lock(mutex_);
  auto it = asset_downloads_.find(asset_id);
  return it == asset_downloads_.end() ? 0 : it->second;
}

std::string Metrics::render(uint64_t quarantined_files) const {
  std::string out;
  out += "# HELP vt132_http_requests_total HTTP requests answered, by route and status.\n";
  out += "# TYPE vt132_http_requests_total counter\n";
  {
    std::lock_guard lock(mutex_);
    std::map<std::pair<int, int>, uint64_t> requests = other_requests_;
    for (size_t kind = 0; kind < kRouteKinds; ++kind) {
      for (size_t slot = 0; slot < kStatuses; ++slot) {
        const uint64_t n = requests_[kind][slot].load(std::memory_order_relaxed);
        if (n != 0) requests[{static_cast<int>(kind), kFirstStatus + static_cast<int>(slot)}] += n;
      }
    }
    for (const auto& [key, n] : requests) {
      out += "vt132_http_requests_total{route=\"";
      out += route_name(static_cast<RouteKind>(key.first));
      out += "\",status=\"" + std::to_string(key.second) + "\"} " + std::to_string(n) + "\n";
    }
    out += "# HELP vt132_release_downloads_total Asset downloads started (GET, from the first byte), by release.\n";
    out += "# TYPE vt132_release_downloads_total counter\n";
    for (const auto& [labels, n] : downloads_) {
      out += "vt132_release_downloads_total{" + labels + "} " + std::to_string(n) + "\n";
    }
  }
  out += "# HELP vt132_http_response_bytes_total Response body bytes written.\n";
  out += "# TYPE vt132_http_response_bytes_total counter\n";
  out += "vt132_http_response_bytes_total " + std::to_string(bytes_sent_.load()) + "\n";
  out += "# HELP vt132_http_connections_in_flight Connections being served now.\n";
  out += "# TYPE vt132_http_connections_in_flight gauge\n";
  out += "vt132_http_connections_in_flight " + std::to_string(in_flight_.load()) + "\n";
  out += "# HELP vt132_downloads_in_progress Asset downloads being sent now.\n";
  out += "# TYPE vt132_downloads_in_progress gauge\n";
  out += "vt132_downloads_in_progress " + std::to_string(downloads_in_progress_.load()) + "\n";
  out += "# HELP vt132_store_quarantined_files_total Damaged store files moved to DATA/store/quarantine at start.\n";
  out += "# TYPE vt132_store_quarantined_files_total counter\n";
  out += "vt132_store_quarantined_files_total " + std::to_string(quarantined_files) + "\n";
  if (mirror_ != nullptr) out += mirror_->render_metrics();
  return out;
}

}  // namespace vt132::server
