// AT+U commands: OTA status, update URL, query, upgrade.
#include <cstdio>
#include <cstring>

#include "vt132/core/at/modem.hpp"

namespace vt132::core {
namespace {

constexpr const char* kLatestSuffix = "/releases/latest";

void partition_line(char* out, size_t cap, const char* tag, const port::Slot& p, const AppDescriptor* app) {
  // A cut line beats an overrun: the caller's buffer holds any real label and descriptor.
  const int written = std::snprintf(out, cap, "%-7s [%s] [%s%s%s] [%08lx:%08lx]", tag, p.label,
                                    app ? app->project_name : "", app ? " " : "", app ? app->version : "EMPTY",
                                    static_cast<unsigned long>(p.offset), static_cast<unsigned long>(p.offset + p.size - 1));
  if (written < 0) out[0] = '\0';
}

}  // namespace

void Modem::on_progress(void* self) {
  Modem& m = *static_cast<Modem*>(self);
  m.begin_info();
  m.put(".");
  m.dots_ = true;
}

// An install by patch failed and the full image is on its way: one line says so
// (docs/ota-commands.md), then the dots start again for the full image.
void Modem::on_patch_failed(void* self, const char* reason) {
  Modem& m = *static_cast<Modem*>(self);
  char line[80];
  std::snprintf(line, sizeof line, "PATCH FAILED: %s, DOWNLOADING FULL IMAGE", reason);
  m.end_dots();
  m.info(line);
}

void Modem::end_dots() {
  if (dots_) put("\r\n");
  dots_ = false;
}

Modem::Result Modem::update_command(const char*& p) {
  const char c = *p++;
  switch (c) {
    case '$': return update_status();
    case '?': return update_query();
    case '^': return update_install(false);
    case '!': return update_install(true);
    case '=': {
      const char* url = p;
      const size_t len = std::strlen(url);
      p += len;
      if (!wifi_up()) return Result::NoDialtone;
      Url parsed;
      if (len > 0 && (len >= sizeof profile_.update_url || !parse_url(url, parsed))) return Result::Error;
      std::memcpy(profile_.update_url, url, len + 1);  // empty: back to the default
      query_ = OtaQuery{};
      return Result::Ok;
    }
    default: return Result::Error;
  }
}

Modem::Result Modem::update_status() {
  char line[160];
  partition_line(line, sizeof line, "RUNNING", ports_.slots.running(), &running_app_);
  info(line);
  const port::Slot next = ports_.slots.boot();
  AppDescriptor app;
  const bool has_app = ports_.slots.describe(next, app);
  partition_line(line, sizeof line, "BOOT", next, has_app ? &app : nullptr);
  info(line);
  return Result::Ok;
}

OtaPorts Modem::ota_ports() const {
  return OtaPorts{ports_.slots, ports_.net, ports_.clock, ports_.efuse, ports_.verifier, ports_.heap};
}

OtaConfig Modem::ota_config() const {
  OtaConfig c;
  c.image_asset_name = config_.image_asset_name;
  c.timeout_ms = config_.net_timeout_ms;
  c.transfer = config_.transfer;
  return c;
}

// The info line before ERROR: "UPDATE FAILED: SHA-256 MISMATCH".
void Modem::update_failed(const OtaResult& r) {
  char reason[40];
  char line[64];
  describe(r, reason, sizeof reason);
  std::snprintf(line, sizeof line, "UPDATE FAILED: %s", reason);
  info(line);
}

Modem::Result Modem::update_query() {
  if (!wifi_up()) return Result::NoDialtone;
  char url[sizeof profile_.update_url];
  std::snprintf(url, sizeof url, "%s", profile_.url());
  const bool prerelease = profile_.regs[kRegPrerelease] == 1;
  // GitHub's ".../releases/latest" never names a prerelease; the list does.
  const size_t len = std::strlen(url);
  const size_t suffix = std::strlen(kLatestSuffix);
  if (prerelease && len > suffix && std::strcmp(url + len - suffix, kLatestSuffix) == 0) {
    url[len - suffix + std::strlen("/releases")] = '\0';
  }
  OtaConfig config = ota_config();
  config.url = url;
  config.allow_prerelease = prerelease;
  char user_agent[kMaxUserAgent + 1];
  device_user_agent(ports_.slots, ports_.wifi, user_agent);
  config.user_agent = user_agent;
  const OtaResult r = ota_query(ota_ports(), config, query_);
  if (!r.ok()) {
    update_failed(r);
    return Result::Error;
  }
  Version running;
  query_compare_ = 1;
  if (parse_version(running_app_.version, running) == VersionError::Ok) {
    query_compare_ = compare_versions(query_.version, running);
  }
  const char* verdict = query_compare_ > 0 ? "[NEWER]" : query_compare_ < 0 ? "[OLDER]" : "[SAME]";
  char line[112];
  std::snprintf(line, sizeof line, "%s %s", query_.version.c_str(), verdict);
  info(line);
  return Result::Ok;
}

// Starts the update; it answers later, from poll_update().
Modem::Result Modem::update_install(bool force) {
  if (!query_.valid || (!force && query_compare_ <= 0)) return Result::Error;
  if (!wifi_up()) return Result::NoDialtone;
  OtaConfig config = ota_config();
  config.query = &query_;
  char user_agent[kMaxUserAgent + 1];
  device_user_agent(ports_.slots, ports_.wifi, user_agent);
  config.user_agent = user_agent;
  config.on_progress = &Modem::on_progress;
  config.on_patch_failed = &Modem::on_patch_failed;
  config.progress_user = this;
  const OtaResult r = update_.begin(config);
  if (r.ok()) return Result::None;
  end_dots();
  update_failed(r);
  return Result::Error;
}

// LF alone is no key: the line editor ignores it too, and a terminal that ends its lines
// with CR LF would otherwise cancel every update it starts.
bool Modem::is_keypress(const uint8_t* data, size_t n) {
  for (size_t i = 0; i < n; ++i) {
    if (data[i] != '\n') return true;
  }
  return false;
}

void Modem::poll_update() {
  uint8_t keys[16];
  const size_t n = ports_.serial.read(keys, sizeof keys);
  if (is_keypress(keys, n)) {
    cancel_update();
    return;
  }
  const OtaResult r = update_.perform();
  if (r.error == UpdateError::InProgress) return;
  end_update(r.ok() ? update_.finish() : r);
}

// A key pressed during the download: the slot is dropped, the old image still boots. The
// keys themselves are not a command.
void Modem::cancel_update() {
  update_.abort();
  end_dots();
  info("UPDATE CANCELLED");
  result(Result::Error);
  command_done();
}

void Modem::end_update(const OtaResult& r) {
  if (update_.active()) update_.abort();  // a failed perform: release its memory
  end_dots();
  if (!r.ok()) update_failed(r);
  result(r.ok() ? Result::Ok : Result::Error);
  command_done();
}

}  // namespace vt132::core
