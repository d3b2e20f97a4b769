// Calls over TCP: ATD, online data, +++ with guard time, ATO, ATH, answer mode.
#include <cstring>

#include "vt132/core/at/modem.hpp"

namespace vt132::core {
namespace {
constexpr uint16_t kDefaultPort = 23;
constexpr uint32_t kDialTimeoutMs = 10000;
}  // namespace

Modem::Result Modem::dial(const char* target) {
  if (call_) return Result::AlreadyInCall;
  if (!wifi_up()) return Result::NoDialtone;
  char host[kMaxHostLength + 1];
  const char* colon = std::strrchr(target, ':');
  const size_t host_len = colon ? static_cast<size_t>(colon - target) : std::strlen(target);
  if (host_len == 0 || host_len > kMaxHostLength) return Result::Error;
  std::memcpy(host, target, host_len);
  host[host_len] = '\0';
  uint32_t port = kDefaultPort;
  if (colon) {
    port = 0;
    const char* p = colon + 1;
    if (!*p) return Result::Error;
    for (; *p; ++p) {
      if (*p < '0' || *p > '9') return Result::Error;
      port = port * 10 + static_cast<uint32_t>(*p - '0');
      if (port > 65535) return Result::Error;
    }
    if (port == 0) return Result::Error;
  }
  port::NetError err = port::NetError::Ok;
  call_ = ports_.net.connect(host, static_cast<uint16_t>(port), false, kDialTimeoutMs, err);
  if (!call_) return Result::NoAnswer;
  command_mode_in_call_ = false;
  plus_count_ = 0;
  last_rx_ms_ = ports_.clock.millis();
  return Result::Connect;
}

void Modem::end_call(bool report) {
  ports_.net.close(call_);
  call_ = nullptr;
  command_mode_in_call_ = false;
  plus_count_ = 0;
  if (report) {
    info_started_ = false;
    result(Result::NoCarrier);
  }
}

Modem::Result Modem::go_online() {
  if (!call_) return Result::NoCarrier;
  command_mode_in_call_ = false;
  plus_count_ = 0;
  last_rx_ms_ = ports_.clock.millis();
  return Result::Connect;
}

Modem::Result Modem::hang_up() {
  if (call_) end_call(false);
  return Result::Ok;
}

void Modem::pump_call() {
  uint8_t buf[256];
  const int got = call_->read(buf, sizeof buf, 0);
  if (got < 0) {
    end_call(true);
    return;
  }
  if (got > 0) ports_.serial.write(buf, static_cast<size_t>(got));

  const uint32_t now = ports_.clock.millis();
  const uint32_t guard = profile_.regs[kRegGuardTime] * 20u;
  const uint8_t escape = static_cast<uint8_t>(profile_.regs[kRegEscapeChar]);
  const size_t n = ports_.serial.read(buf, sizeof buf);
  for (size_t i = 0; i < n; ++i) {
    const uint8_t c = buf[i];
    const bool silent_before = now - last_rx_ms_ >= guard;
    if (c == escape && plus_count_ < 3 && (plus_count_ > 0 || silent_before)) {
      // Held back until we know whether it is the escape sequence.
      if (++plus_count_ == 3) plus_done_ms_ = now;
    } else {
      if (plus_count_ > 0) {
        const uint8_t held[3] = {escape, escape, escape};
        call_->write(held, plus_count_);
        plus_count_ = 0;
      }
      call_->write(&c, 1);
    }
    last_rx_ms_ = now;
  }
  if (plus_count_ == 3 && n == 0 && now - plus_done_ms_ >= guard) {
    command_mode_in_call_ = true;
    plus_count_ = 0;
    info_started_ = false;
    result(Result::Ok);
  } else if (plus_count_ > 0 && plus_count_ < 3 && n == 0 && now - last_rx_ms_ >= guard) {
    const uint8_t held[3] = {escape, escape, escape};
    call_->write(held, plus_count_);
    plus_count_ = 0;
  }
}

void Modem::apply_answer_mode() {
  const uint16_t port = profile_.answer_mode ? profile_.regs[kRegAnswerPort] : 0;
  listening_ = ports_.net.listen(port) && port != 0;
}

void Modem::check_incoming() {
  if (!listening_ || call_ || ringing_) return;
  port::Stream* caller = ports_.net.accept();
  if (!caller) return;
  info_started_ = false;
  if (profile_.answer_mode == 2) {  // daemon: pick up at once
    call_ = caller;
    command_mode_in_call_ = false;
    last_rx_ms_ = ports_.clock.millis();
    result(Result::Connect);
    return;
  }
  ringing_ = caller;
  put("\r\nRING\r\n");
}

Modem::Result Modem::answer() {
  if (call_) return Result::AlreadyInCall;
  if (!ringing_) return Result::Error;
  call_ = ringing_;
  ringing_ = nullptr;
  command_mode_in_call_ = false;
  plus_count_ = 0;
  last_rx_ms_ = ports_.clock.millis();
  return Result::Connect;
}

}  // namespace vt132::core
