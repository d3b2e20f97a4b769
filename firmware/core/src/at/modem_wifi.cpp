// AT+W commands. The credentials are stored at once (as on the device), not with AT&W.
#include <cstdio>
#include <cstring>

#include "vt132/core/at/modem.hpp"

namespace vt132::core {
namespace {

const char* status_text(port::WifiStatus s) {
  switch (s) {
    case port::WifiStatus::NotStarted: return "WIFI NOT STARTED";
    case port::WifiStatus::Idle: return "WIFI IDLE";
    case port::WifiStatus::NoSsid: return "WIFI NO SSID";
    case port::WifiStatus::Connected: return "WIFI CONNECTED";
    case port::WifiStatus::ConnectFailed: return "WIFI CONNECT FAILED";
    case port::WifiStatus::ConnectionLost: return "WIFI CONNECTION LOST";
    case port::WifiStatus::Disconnected: return "WIFI DISCONNECTED";
  }
  return "WIFI IDLE";
}

}  // namespace

bool Modem::wifi_up() { return ports_.wifi.status() == port::WifiStatus::Connected; }

Modem::Result Modem::wifi_command(const char*& p) {
  const char c = *p++;
  switch (c) {
    case '=': {
      const char* comma = std::strchr(p, ',');
      const size_t len = std::strlen(p);
      const size_t ssid_len = comma ? static_cast<size_t>(comma - p) : len;
      char ssid[33];
      char pwd[65];
      if (ssid_len == 0 || ssid_len >= sizeof ssid) return Result::Error;
      std::memcpy(ssid, p, ssid_len);
      ssid[ssid_len] = '\0';
      const char* pw = comma ? comma + 1 : "";
      if (std::strlen(pw) >= sizeof pwd) return Result::Error;
      std::strcpy(pwd, pw);
      p += len;
      if (!ports_.settings.store("ssid", ssid) || !ports_.settings.store("pwd", pwd)) return Result::Error;
      ports_.wifi.join(ssid, pwd);
      return Result::Ok;
    }
    case '+': {
      char ssid[33] = "";
      char pwd[65] = "";
      ports_.settings.load("ssid", ssid, sizeof ssid);
      ports_.settings.load("pwd", pwd, sizeof pwd);
      ports_.wifi.join(ssid, pwd);
      info(status_text(ports_.wifi.status()));
      return Result::Ok;
    }
    case '-':
      ports_.wifi.leave();
      info(status_text(ports_.wifi.status()));
      return Result::Ok;
    case '?': info(status_text(ports_.wifi.status())); return Result::Ok;
    case '$': {
      char ip[16];
      ports_.wifi.ip_address(ip);
      info(ip);
      return Result::Ok;
    }
    case '#': {
      uint8_t mac[6];
      ports_.wifi.mac(mac);
      char text[18];
      std::snprintf(text, sizeof text, "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1], mac[2], mac[3], mac[4], mac[5]);
      info(text);
      return Result::Ok;
    }
    default: return Result::Error;
  }
}

}  // namespace vt132::core
