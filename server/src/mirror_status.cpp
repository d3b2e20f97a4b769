#include "mirror_status.hpp"

namespace vt132::server {

namespace {

void metric(std::string& out, const char* name, const char* type, const char* help, const std::string& value) {
  out += std::string("# HELP ") + name + " " + help + "\n";
  out += std::string("# TYPE ") + name + " " + type + "\n";
  out += std::string(name) + " " + value + "\n";
}

}  // namespace

std::string MirrorStatus::render_metrics() const {
  const MirrorSnapshot s = snapshot();
  std::string out;
  metric(out, "vt132_mirror_last_sync_timestamp_seconds", "gauge", "When the last mirror sync ended (0: none yet).",
         std::to_string(s.last_sync_at));
  metric(out, "vt132_mirror_last_sync_success", "gauge", "1 when the last mirror sync completed, else 0.",
         s.last_sync_ok ? "1" : "0");
  metric(out, "vt132_mirror_last_success_timestamp_seconds", "gauge",
         "When a mirror sync last completed (0: never).", std::to_string(s.last_success_at));
  metric(out, "vt132_mirror_next_sync_timestamp_seconds", "gauge", "When the next mirror sync starts.",
         std::to_string(s.next_sync_at));
  metric(out, "vt132_mirror_consecutive_failures", "gauge", "Mirror syncs failed in a row (the back-off grows with it).",
         std::to_string(s.consecutive_failures));
  metric(out, "vt132_mirror_syncs_total", "counter", "Mirror syncs run.", std::to_string(s.syncs_total));
  metric(out, "vt132_mirror_syncs_failed_total", "counter", "Mirror syncs that did not complete.",
         std::to_string(s.syncs_failed_total));
  metric(out, "vt132_mirror_not_modified_total", "counter", "Upstream release lists answered 304 (ETag unchanged).",
         std::to_string(s.not_modified_total));
  metric(out, "vt132_mirror_releases_published_total", "counter", "Releases the mirror made appear locally.",
         std::to_string(s.releases_published_total));
  metric(out, "vt132_mirror_assets_downloaded_total", "counter", "Upstream assets downloaded, checked and stored.",
         std::to_string(s.assets_downloaded_total));
  metric(out, "vt132_mirror_assets_refused_total", "counter", "Upstream assets that failed a check (not published).",
         std::to_string(s.assets_refused_total));
  metric(out, "vt132_mirror_upstream_requests_total", "counter", "HTTP requests sent to the upstream.",
         std::to_string(s.upstream_requests_total));
  return out;
}

}  // namespace vt132::server
