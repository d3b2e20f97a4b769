#include "devices_view.hpp"

#include "html_text.hpp"
#include "utc_time.hpp"

namespace vt132::server {
namespace {

constexpr const char* kOff =
    "The devices list is off (--no-device-log): this server stores no device ids or addresses.";

std::string when(int64_t t) { return t > 0 ? iso8601(t) : "-"; }

std::string device_name(const DeviceRecord& d) {
  if (d.stock) return "stock firmware at " + d.address;
  return d.id;
}

// "V1.1.0 (esp32, app1, valid)", or the stock firmware's User-Agent.
std::string reported(const DeviceRecord& d) {
  if (d.stock) return "User-Agent " + d.user_agent;
  return d.version + " (" + d.chip + ", " + d.slot + ", " + (d.pending ? "pending" : "valid") + ")";
}

void render_download(std::string& out, const DeviceRecord& d) {
  if (!d.download) {
    out += "<td>-</td><td>-</td>";
    return;
  }
  const DownloadRecord& r = *d.download;
  out += "<td>" + html_escape(r.repo) + " " + html_escape(r.tag) + "<br>";
  for (const AssetProgress& a : r.assets) {
    out += html_escape(a.name) + ": " + human_size(a.bytes_served) + " served of " + human_size(a.size) +
           (a.complete() ? ", complete" : ", incomplete") + ", " + std::to_string(a.resumed_ranges) +
           " resumed range(s)<br>";
  }
  out += "</td><td>" + html_escape(outcome_name(d.outcome));
  if (!d.stock && !r.from_version.empty()) out += "<br><small>from " + html_escape(r.from_version) + "</small>";
  out += "</td>";
}

}  // namespace

std::string devices_page_html(const Devices* devices) {
  std::string out = html_page_start("VT132 devices seen") + "<h1>Devices seen</h1>\n";
  if (!devices) return out + "<p>" + kOff + "</p>" + html_page_end();
  if (!devices->quarantined_to().empty()) {
    out += "<div class=\"banner\"><strong>The devices list was damaged and moved to quarantine at start</strong>, to "
           "<code>" + html_escape(devices->quarantined_to().string()) +
           "</code>. Nothing was deleted; the list started again empty.</div>\n";
  }
  const std::vector<DeviceRecord> list = devices->list();
  out += "<p>" + std::to_string(list.size()) +
         " device(s), newest first. A VT132 is known by the id in its User-Agent (a hash of its MAC); stock "
         "firmware, which reports no version, by its address. JSON: <a href=\"/api/v3/vt132/devices\">"
         "/api/v3/vt132/devices</a>.</p>\n";
  out += "<table><tr><th>Device</th><th>Reports</th><th>Address</th><th>First seen</th><th>Last seen</th>"
         "<th>Last download</th><th>Last update</th></tr>\n";
  for (const DeviceRecord& d : list) {
    out += "<tr><td>" + html_escape(device_name(d)) + "</td><td>" + html_escape(reported(d)) + "</td><td>" +
           html_escape(d.address) + "</td><td>" + when(d.first_seen) + "</td><td>" + when(d.last_seen) + "</td>";
    render_download(out, d);
    out += "</tr>\n";
  }
  out += "</table>\n" + html_page_end();
  return out;
}

nlohmann::json devices_json(const Devices* devices) {
  nlohmann::json list = nlohmann::json::array();
  if (!devices) return {{"enabled", false}, {"message", kOff}, {"devices", std::move(list)}};
  for (const DeviceRecord& d : devices->list()) list.push_back(Devices::to_json(d));
  return {{"enabled", true}, {"max_devices", devices->max_devices()}, {"devices", std::move(list)}};
}

void render_devices_summary(std::string& out, const Devices* devices) {
  out += "<section><h2><a href=\"/devices\">Devices seen</a></h2>\n";
  if (!devices) {
    out += std::string("<p>") + kOff + "</p></section>\n";
    return;
  }
  size_t updated = 0, failed = 0, stock = 0;
  const std::vector<DeviceRecord> list = devices->list();
  for (const DeviceRecord& d : list) {
    stock += d.stock ? 1 : 0;
    updated += d.outcome == UpdateOutcome::Updated ? 1 : 0;
    failed += d.outcome == UpdateOutcome::FailedOrRolledBack ? 1 : 0;
  }
  out += "<p>" + std::to_string(list.size()) + " device(s) (" + std::to_string(stock) +
         " on stock firmware); last update: " + std::to_string(updated) + " updated, " + std::to_string(failed) +
         " failed or rolled back.";
  if (!list.empty()) out += " Last seen " + when(list.front().last_seen) + ".";
  out += "</p></section>\n";
}

}  // namespace vt132::server
