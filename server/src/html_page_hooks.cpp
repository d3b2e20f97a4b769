// Sections of `/` that other parts of the server fill in; each returns the HTML of a whole
// <section> (escaped with html_escape), or "" when it has nothing to show. html_page.cpp
// places them after "This server" and before the releases.
#include "html_text.hpp"
#include "service.hpp"

namespace vt132::server {

// Mirror status (--mirror): the upstream, the last sync's time and result, the next one.
// No mirror exists yet, so nothing is shown.
std::string Service::mirror_status_html() const { return ""; }

// Devices seen (/devices): a short summary of the devices that asked for updates with a
// link to the full list. No device log exists yet, so nothing is shown.
std::string Service::devices_seen_html() const { return ""; }

}  // namespace vt132::server
