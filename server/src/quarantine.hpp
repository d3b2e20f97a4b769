#pragma once
// Where the store puts what it finds damaged at start: moved (never copied, never deleted)
// to store/quarantine/<UTC time of this start>/<its path under store/>, so the operator can
// inspect it and put it back. Each move is logged as an error and counted in the metrics.
#include <filesystem>
#include <string>
#include <vector>

namespace vt132::server {

struct QuarantinedFile {
  std::filesystem::path from;  // relative to store/
  std::filesystem::path to;    // absolute
  std::string reason;
};

class Quarantine {
 public:
  explicit Quarantine(std::filesystem::path store_root) : root_(std::move(store_root)) {}

  // Moves `path` (a file or directory under the store root); host::FileError when it cannot.
  void move(const std::filesystem::path& path, const std::string& reason);

  // This start's directory; empty when nothing was moved.
  const std::filesystem::path& dir() const { return dir_; }
  const std::vector<QuarantinedFile>& moved() const { return moved_; }

 private:
  const std::filesystem::path& make_dir();

  std::filesystem::path root_;
  std::filesystem::path dir_;
  std::vector<QuarantinedFile> moved_;
};

}  // namespace vt132::server
