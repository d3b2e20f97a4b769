#include "vt132/core/at/modem.hpp"

#include <cstdio>
#include <cstring>

namespace vt132::core {
namespace {

const char* const kHelp[] = {
    "AT COMMANDS:",
    "AT  - 'AT' Test                    | A/  - (immediate) Repeat last",
    "AT$ - Help                         | ATIn - Information",
    "ATZ - Reset modem",
    "AT&F - Restore factory defaults | AT&W - Write settings to NVRAM",
    "ATDhostname:port - Dial hostname, port optional (default:23)",
    "+++ - Return to command mode    | ATO - Return Online",
    "ATH - Hangup",
    "AT&An - Enable Answer mode - 0=interactive, 1=daemon",
    "ATA - Answer",
    "ATSn - Select register n",
    "AT? - Query current register    | AT=r - Set current register to r",
    "ATEn - Command Echo 0=off, 1=on | ATQn - Quiet Results 0=off, 1=on",
    "AT&K0 - Disable flow control    | AT&K1 - Enable RTS/CTS flow control",
    "AT+W? - Query WiFi AP Join status",
    "AT+W=ssid,password - Join WiFi AP",
    "AT+W$ - Show WiFi IP address    | AT+W# - Show WiFi MAC address",
    "AT+W+ - Reconnect WiFi AP       | AT+W- - Quit WiFi AP",
    "AT+U? - Query OTA Update        | AT+U=url - Set custom URL for OTA update",
    "AT+U^ - Upgrade to OTA Update   | AT+U! - Force Upgrade to OTA Update",
    "AT+U$ - Show OTA Partition Status",
    "AT+B? - Query Baud Rate         | AT+B=nnn - Set Baud Rate (4800..115200)",
    "AT+T? - Query Telnet TERM       | AT+T=name - Set Telnet TERM",
};

// Optional decimal argument; `present` says whether digits were there.
bool number(const char*& p, uint32_t& out, bool& present) {
  out = 0;
  present = false;
  while (*p >= '0' && *p <= '9') {
    out = out * 10 + static_cast<uint32_t>(*p++ - '0');
    present = true;
    if (out > 0xFFFFFF) return false;
  }
  return true;
}

}  // namespace

Modem::Modem(const ModemPorts& ports, const ModemConfig& config)
    : ports_(ports), config_(config), update_(ota_ports()) {
  ports_.slots.describe(ports_.slots.running(), running_app_);
  load_profile(ports_.settings, profile_);
  apply_answer_mode();
}

void Modem::put(const char* s, size_t n) { ports_.serial.write(reinterpret_cast<const uint8_t*>(s), n); }
void Modem::put(const char* s) { put(s, std::strlen(s)); }

void Modem::begin_info() {
  if (!info_started_) put("\r\n");
  info_started_ = true;
}

void Modem::info(const char* line) {
  begin_info();
  put(line);
  put("\r\n");
}

void Modem::result(Result r) {
  const char* text = nullptr;
  switch (r) {
    case Result::Ok: text = "OK"; break;
    case Result::Error: text = "ERROR"; break;
    case Result::NoDialtone: text = "NO DIALTONE"; break;
    case Result::Connect: text = "CONNECT"; break;
    case Result::NoCarrier: text = "NO CARRIER"; break;
    case Result::NoAnswer: text = "NO ANSWER"; break;
    case Result::AlreadyInCall: text = "ALREADY IN CALL"; break;
    case Result::None: return;
  }
  if (profile_.quiet) return;
  put("\r\n");
  put(text);
  put("\r\n");
}

void Modem::command_done() {
  if (on_command_done) on_command_done(on_command_done_user);
}

void Modem::poll() {
  if (busy()) {
    poll_update();
    return;
  }
  if (call_ && !command_mode_in_call_) {
    pump_call();
    return;
  }
  check_incoming();
  uint8_t buf[64];
  const size_t n = ports_.serial.read(buf, sizeof buf);
  for (size_t i = 0; i < n; ++i) {
    const LineEditor::Event e = editor_.feed(buf[i], profile_.echo, ports_.serial);
    if (e == LineEditor::Event::None) continue;
    info_started_ = false;
    if (e == LineEditor::Event::Error) {
      result(Result::Error);
    } else {
      if (e == LineEditor::Event::Repeat && profile_.echo) put("\r");
      run_line(editor_.line());
    }
    // An update that started answers later, from poll_update(); what was typed after it
    // counts as a key pressed during the download.
    if (busy()) {
      if (is_keypress(buf + i + 1, n - i - 1)) cancel_update();
      return;
    }
    command_done();
    // Whatever followed a command that went online belongs to the call.
    if (call_ && !command_mode_in_call_) {
      if (i + 1 < n) call_->write(buf + i + 1, n - i - 1);
      return;
    }
  }
}

void Modem::run_line(const char* line) {
  if (std::strncmp(line, "AT", 2) != 0) {
    result(Result::Error);
    return;
  }
  result(run_commands(line + 2));
}

Modem::Result Modem::run_commands(const char* p) {
  while (*p) {
    const Result r = run_one(p);
    if (r != Result::Ok) return r;
  }
  return Result::Ok;
}

Modem::Result Modem::run_one(const char*& p) {
  uint32_t n = 0;
  bool present = false;
  const char c = *p++;
  switch (c) {
    case 'E':
    case 'Q':
      if (!number(p, n, present) || n > 1) return Result::Error;
      (c == 'E' ? profile_.echo : profile_.quiet) = n == 1;
      return Result::Ok;
    case 'I':
      if (!number(p, n, present) || n > 3) return Result::Error;
      return information(n);
    case 'Z':
      if (call_) hang_up();
      load_profile(ports_.settings, profile_);
      apply_answer_mode();
      return Result::Ok;
    case '$': help(); return Result::Ok;
    case 'S':
      if (!number(p, n, present) || !present || n >= kRegisterCount) return Result::Error;
      reg_ = n;
      return Result::Ok;
    case '?': {
      char line[8];
      std::snprintf(line, sizeof line, "%u", static_cast<unsigned>(profile_.regs[reg_]));
      info(line);
      return Result::Ok;
    }
    case '=':
      if (!number(p, n, present) || !present || n > 0xFFFF) return Result::Error;
      profile_.regs[reg_] = static_cast<uint16_t>(n);
      return Result::Ok;
    case '&': return run_ampersand(p);
    case '+': return run_plus(p);
    case 'D': {
      const char* target = p;
      p += std::strlen(p);
      return dial(target);
    }
    case 'O': return go_online();
    case 'H':
      if (!number(p, n, present) || n > 0) return Result::Error;
      return hang_up();
    case 'A': return answer();
    default: return Result::Error;
  }
}

Modem::Result Modem::run_ampersand(const char*& p) {
  uint32_t n = 0;
  bool present = false;
  const char c = *p++;
  switch (c) {
    case 'F':
      profile_ = Profile::defaults();
      apply_answer_mode();
      return Result::Ok;
    case 'W': return store_profile(ports_.settings, profile_) ? Result::Ok : Result::Error;
    case 'K':
      if (!number(p, n, present) || n > 1) return Result::Error;
      profile_.flow_control = n == 1;
      return Result::Ok;
    case 'A':
      if (!number(p, n, present) || n > 1) return Result::Error;
      profile_.answer_mode = static_cast<uint8_t>(n + 1);
      apply_answer_mode();
      return Result::Ok;
    default: return Result::Error;
  }
}

Modem::Result Modem::run_plus(const char*& p) {
  const char c = *p++;
  char line[48];
  switch (c) {
    case 'W': return wifi_command(p);
    case 'U': return update_command(p);
    case 'B':
      if (*p == '?') {
        ++p;
        std::snprintf(line, sizeof line, "%lu", static_cast<unsigned long>(profile_.baud));
        info(line);
        return Result::Ok;
      }
      if (*p == '=') {
        ++p;
        uint32_t n = 0;
        bool present = false;
        if (!number(p, n, present) || n < 4800 || n > 115200) return Result::Error;
        profile_.baud = n;
        return Result::Ok;
      }
      return Result::Error;
    case 'T':
      if (*p == '?') {
        ++p;
        info(profile_.term);
        return Result::Ok;
      }
      if (*p == '=') {
        const size_t len = std::strlen(++p);
        if (len == 0 || len >= sizeof profile_.term) return Result::Error;
        std::memcpy(profile_.term, p, len + 1);
        p += len;
        return Result::Ok;
      }
      return Result::Error;
    default: return Result::Error;
  }
}

void Modem::help() {
  for (const char* line : kHelp) info(line);
}

Modem::Result Modem::information(unsigned n) {
  switch (n) {
    case 0: info("VT132 'AT' Modem"); break;
    case 1: info(running_app_.version); break;
    case 2: info(running_app_.idf_ver); break;
    default: info(running_app_.project_name); break;
  }
  return Result::Ok;
}

}  // namespace vt132::core
