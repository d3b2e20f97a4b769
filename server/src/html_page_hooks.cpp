// Sections of `/` that other parts of the server fill in; each returns the HTML of a whole
// <section> (escaped with html_escape), or "" when it has nothing to show. html_page.cpp
// places them after "This server" and before the releases.
#include <ctime>

#include "devices_view.hpp"
#include "html_text.hpp"
#include "mirror_status.hpp"
#include "service.hpp"

namespace vt132::server {

// Mirror status (--mirror): the upstream, the last sync's time and result, the next one.
std::string Service::mirror_status_html() const {
  const MirrorStatus* status = metrics_.mirror();
  if (status == nullptr) return "";
  const MirrorSnapshot s = status->snapshot();
  const int64_t now = static_cast<int64_t>(std::time(nullptr));
  std::string out = "<section><h2>Mirror</h2><p>Following <code>" + html_escape(s.repo) + "</code> at <code>" +
                    html_escape(s.upstream) + "</code>.</p><ul>";
  out += "<li>Last sync: ";
  out += s.last_sync_at == 0 ? std::string("none yet") : html_time(s.last_sync_at, now) + " — " +
                                                             (s.last_sync_ok ? "ok" : "failed") + ": " +
                                                             html_escape(s.last_result);
  out += "</li><li>Last good sync: ";
  out += s.last_success_at == 0 ? std::string("none yet") : html_time(s.last_success_at, now);
  out += "</li><li>Next sync: ";
  out += s.next_sync_at == 0 ? std::string("not planned") : html_time(s.next_sync_at, now);
  out += "</li></ul></section>";
  return out;
}

// Devices seen (/devices): a short summary with a link to the full list.
std::string Service::devices_seen_html() const {
  std::string out;
  render_devices_summary(out, devices_);
  return out;
}

}  // namespace vt132::server
