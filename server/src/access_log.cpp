#include "access_log.hpp"

#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <ctime>
#include <iterator>
#include <string>

#include <fmt/compile.h>
#include <spdlog/spdlog.h>

#include "vt132/host/hex.hpp"

namespace vt132::server {

namespace {

// "[2026-12-02 02:26:46" for the second last formatted on this thread: local time as spdlog's
// default pattern has it, converted (localtime_r takes glibc's time zone lock) once a second.
struct SecondPrefix {
  std::time_t second = -1;
  char text[32] = {};
  int length = 0;
};

// The most of each client-sent string a line shows.
constexpr size_t kMaxAddress = 64;
constexpr size_t kMaxMethod = 16;
constexpr size_t kMaxPath = 512;
constexpr size_t kMaxUserAgent = 200;

thread_local SecondPrefix t_prefix;
thread_local std::string t_line;

void write_all(const std::string& line) {
  size_t off = 0;
  while (off < line.size()) {
    const ssize_t n = ::write(STDOUT_FILENO, line.data() + off, line.size() - off);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;  // nowhere to log to: the request was answered all the same
    off += static_cast<size_t>(n);
  }
}

}  // namespace

void write_access_line(const AccessEntry& e) {
  if (!spdlog::should_log(spdlog::level::info)) return;
  const auto now = std::chrono::system_clock::now();
  const std::time_t second = std::chrono::system_clock::to_time_t(now);
  if (second != t_prefix.second) {
    std::tm local{};
    localtime_r(&second, &local);
    t_prefix.length = static_cast<int>(std::strftime(t_prefix.text, sizeof t_prefix.text, "[%Y-%m-%d %H:%M:%S", &local));
    t_prefix.second = second;
  }
  const auto millis = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
  std::string& line = t_line;
  line.assign(t_prefix.text, static_cast<size_t>(t_prefix.length));
  auto out = std::back_inserter(line);
  fmt::format_to(out, FMT_COMPILE(".{:03}] [info] access "), millis);
  line += e.remote.substr(0, kMaxAddress);
  line += " \"";
  host::append_printable(line, e.method.substr(0, kMaxMethod));
  line += ' ';
  host::append_printable(line, e.path.substr(0, kMaxPath));
  // Tenths of a millisecond in integers: fmt formats a double with a precision through snprintf.
  const uint64_t tenths = e.ms > 0 ? static_cast<uint64_t>(e.ms * 10 + 0.5) : 0;
  fmt::format_to(out, FMT_COMPILE("\" {} {} {}.{}ms \""), e.status, e.bytes, tenths / 10, tenths % 10);
  host::append_printable(line, e.user_agent.substr(0, kMaxUserAgent));
  line += "\"\n";
  write_all(line);
}

}  // namespace vt132::server
