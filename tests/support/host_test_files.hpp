#pragma once
// Helpers for host unit tests that work with real files and the openssl command line:
// a temporary directory per test, shell quoting, running a command, small file accessors.
#include <doctest/doctest.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "vt132/host/error.hpp"

namespace vt132::test {

namespace fs = std::filesystem;

// A fresh directory per test, removed afterwards (made writable first, for permission tests).
class TempDir {
 public:
  explicit TempDir(const std::string& prefix = "vt132-test") {
    std::random_device rd;
    path_ = fs::temp_directory_path() /
            (prefix + "-" + std::to_string(::getpid()) + "-" + std::to_string(rd()) + std::to_string(rd()));
    fs::create_directory(path_);
  }
  ~TempDir() {
    std::error_code ec;
    fs::permissions(path_, fs::perms::owner_all, fs::perm_options::add, ec);
    for (auto it = fs::recursive_directory_iterator(path_, ec); !ec && it != fs::recursive_directory_iterator();
         it.increment(ec)) {
      fs::permissions(it->path(), fs::perms::owner_all, fs::perm_options::add, ec);
    }
    fs::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const fs::path& path() const { return path_; }
  fs::path operator/(const std::string& name) const { return path_ / name; }

 private:
  fs::path path_;
};

// A path quoted for /bin/sh.
inline std::string q(const fs::path& p) {
  std::string out = "'";
  for (const char c : p.string()) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

struct Run {
  int status;  // the command's exit code, or -1 if it did not exit normally
  std::string output;
};

// Runs a shell command, capturing stdout and stderr together.
inline Run run(const std::string& command) {
  Run r{-1, {}};
  FILE* pipe = ::popen((command + " 2>&1").c_str(), "r");
  REQUIRE(pipe != nullptr);
  char buf[4096];
  size_t n = 0;
  while ((n = std::fread(buf, 1, sizeof buf, pipe)) > 0) r.output.append(buf, n);
  const int status = ::pclose(pipe);
  if (status != -1 && WIFEXITED(status)) r.status = WEXITSTATUS(status);
  return r;
}

inline std::string read_text(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

inline void write_bytes(const fs::path& p, const std::string& data) {
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out << data;
  REQUIRE(out.good());
}

inline void write_bytes(const fs::path& p, const std::vector<uint8_t>& data) {
  write_bytes(p, std::string(data.begin(), data.end()));
}

inline unsigned mode_of(const fs::path& p) {
  struct stat st {};
  REQUIRE(::stat(p.c_str(), &st) == 0);
  return st.st_mode & 07777;
}

// File names in a directory, sorted.
inline std::vector<std::string> entries(const fs::path& dir) {
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(dir)) names.push_back(e.path().filename().string());
  std::sort(names.begin(), names.end());
  return names;
}

// The message of the host::Error `f` throws (fails the test if it throws nothing or something else).
template <typename F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const vt132::host::Error& e) {
    return e.what();
  }
  FAIL("expected vt132::host::Error");
  return {};
}

inline bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

}  // namespace vt132::test
