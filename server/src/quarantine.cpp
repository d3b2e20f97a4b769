#include "quarantine.hpp"

#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <ctime>

#include <spdlog/spdlog.h>

#include "storage.hpp"
#include "utc_time.hpp"
#include "vt132/host/file_io.hpp"

namespace vt132::server {
namespace fs = std::filesystem;

namespace {

std::string utc_stamp() { return format_utc(std::time(nullptr), "%Y%m%dT%H%M%SZ"); }

}  // namespace

const fs::path& Quarantine::make_dir() {
  if (!dir_.empty()) return dir_;
  const fs::path parent = root_ / "quarantine";
  host::make_directories(parent, kStoreDirMode);
  // Two starts within a second get two directories.
  const std::string stamp = utc_stamp();
  for (int n = 1;; ++n) {
    const fs::path dir = parent / (n == 1 ? stamp : stamp + "-" + std::to_string(n));
    if (::mkdir(dir.c_str(), kStoreDirMode) == 0) {
      dir_ = dir;
      return dir_;
    }
    if (errno != EEXIST || n > 1000) {
      const int code = errno;
      throw host::FileError("cannot create " + dir.string() + ": " + std::strerror(code), code);
    }
  }
}

void Quarantine::move(const fs::path& path, const std::string& reason) {
  const fs::path relative = path.lexically_relative(root_);
  const fs::path to = make_dir() / relative;
  host::make_directories(to.parent_path(), kStoreDirMode);
  if (::rename(path.c_str(), to.c_str()) != 0) {
    const int code = errno;
    throw host::FileError("cannot move damaged " + path.string() + " to " + to.string() + ": " +
                              std::strerror(code) + "; fix that and start again",
                          code);
  }
  host::sync_directory(path.parent_path());
  host::sync_directory(to.parent_path());
  spdlog::error("DAMAGED STORE FILE {}: {}; moved to {} (nothing was deleted: inspect it, repair it and move it "
                "back, or leave it there)",
                path.string(), reason, to.string());
  moved_.push_back(QuarantinedFile{relative, to, reason});
}

}  // namespace vt132::server
