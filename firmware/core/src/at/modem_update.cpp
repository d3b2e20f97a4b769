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
  OtaOptions options;
  options.image_asset_name = config_.image_asset_name;
  options.allow_prerelease = prerelease;
  options.timeout_ms = config_.net_timeout_ms;
  options.transfer = config_.transfer;
  const OtaPorts ports{ports_.slots, ports_.net, ports_.clock, ports_.efuse, ports_.verifier, ports_.heap};
  const OtaResult r = ota_query(ports, url, options, query_);
  char line[112];
  if (!r.ok()) {
    char reason[40];
    describe(r, reason, sizeof reason);
    std::snprintf(line, sizeof line, "UPDATE FAILED: %s", reason);
    info(line);
    return Result::Error;
  }
  Version running;
  query_compare_ = 1;
  if (parse_version(running_app_.version, running) == VersionError::Ok) {
    query_compare_ = compare_versions(query_.version, running);
  }
  const char* verdict = query_compare_ > 0 ? "[NEWER]" : query_compare_ < 0 ? "[OLDER]" : "[SAME]";
  std::snprintf(line, sizeof line, "%s %s", query_.version.c_str(), verdict);
  info(line);
  return Result::Ok;
}

Modem::Result Modem::update_install(bool force) {
  if (!query_.valid || (!force && query_compare_ <= 0)) return Result::Error;
  if (!wifi_up()) return Result::NoDialtone;
  OtaOptions options;
  options.image_asset_name = config_.image_asset_name;
  options.timeout_ms = config_.net_timeout_ms;
  options.transfer = config_.transfer;
  options.on_progress = &Modem::on_progress;
  options.progress_user = this;
  const OtaPorts ports{ports_.slots, ports_.net, ports_.clock, ports_.efuse, ports_.verifier, ports_.heap};
  const OtaResult r = ota_install(ports, query_, ports_.slots.next_update(), running_app_, options);
  end_dots();
  if (!r.ok()) {
    char reason[40];
    char line[64];
    describe(r, reason, sizeof reason);
    std::snprintf(line, sizeof line, "UPDATE FAILED: %s", reason);
    info(line);
    return Result::Error;
  }
  return Result::Ok;
}

}  // namespace vt132::core
