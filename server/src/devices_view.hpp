#pragma once
// The devices list as people and programs read it: the /devices page, the JSON of
// /api/v3/vt132/devices, and a short summary for other pages. `devices` is nullptr when
// the server runs with --no-device-log; every view then says that it is off.
#include <string>

#include <nlohmann/json.hpp>

#include "devices.hpp"

namespace vt132::server {

// The whole /devices page.
std::string devices_page_html(const Devices* devices);
// {"enabled": bool, "max_devices": N, "devices": [...]}: newest last_seen first.
nlohmann::json devices_json(const Devices* devices);
// One <section> for the home page: how many devices, how their last updates went, a link
// to /devices.
void render_devices_summary(std::string& out, const Devices* devices);

}  // namespace vt132::server
