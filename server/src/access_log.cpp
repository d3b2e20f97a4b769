#include "access_log.hpp"

#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <string>

#include <spdlog/spdlog.h>

namespace vt132::server {

namespace {

// "[2026-12-02 02:26:46" for the second last formatted on this thread: local time as spdlog's
// default pattern has it, converted (localtime_r takes glibc's time zone lock) once a second.
struct SecondPrefix {
  std::time_t second = -1;
  char text[32] = {};
  int length = 0;
};

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

void write_access_line(std::string_view text) {
  if (!spdlog::should_log(spdlog::level::info)) return;
  const auto now = std::chrono::system_clock::now();
  const std::time_t second = std::chrono::system_clock::to_time_t(now);
  if (second != t_prefix.second) {
    std::tm local{};
    localtime_r(&second, &local);
    t_prefix.length = static_cast<int>(std::strftime(t_prefix.text, sizeof t_prefix.text, "[%Y-%m-%d %H:%M:%S", &local));
    t_prefix.second = second;
  }
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
  char millis[8];
  std::snprintf(millis, sizeof millis, ".%03d] ", static_cast<int>(ms));
  t_line.assign(t_prefix.text, static_cast<size_t>(t_prefix.length));
  t_line += millis;
  t_line += "[info] ";
  t_line += text;
  t_line += '\n';
  write_all(t_line);
}

}  // namespace vt132::server
