#pragma once
// Where a static export lives, and how it changes at once for its readers (docs: the
// static export layout). EXPORT is a symlink to EXPORT.trees/<N>; each tree carries the
// marker file `.vt132-export` at its root, written first, so even a tree a crash left half
// written is recognisably ours. A new tree is written beside the others, synced, and EXPORT
// is switched to it by renaming a fresh symlink over it: a reader (nginx resolving a path)
// sees the old tree or the new one, never a mix. The previous tree stays for readers still
// in it; older marked trees are removed. Anything else at EXPORT or in EXPORT.trees is the
// user's, and is never touched: the export refuses to start instead.
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

#include "vt132/host/error.hpp"

namespace vt132::server {

constexpr const char* kExportMarker = ".vt132-export";
constexpr unsigned kExportDirMode = 0755;
constexpr unsigned kExportFileMode = 0644;

// EXPORT or EXPORT.trees holds what we did not write, or another export runs.
class ExportRefused : public host::Error {
 public:
  using host::Error::Error;
};

class ExportTrees {
 public:
  // Checks EXPORT and EXPORT.trees (ExportRefused for foreign content), creates
  // EXPORT.trees (0755) if needed and takes its lock for the life of this object
  // (ExportRefused when another export into EXPORT holds it). EXPORT's directory must exist.
  explicit ExportTrees(const std::filesystem::path& out);
  ~ExportTrees();
  ExportTrees(const ExportTrees&) = delete;
  ExportTrees& operator=(const ExportTrees&) = delete;

  // Makes the next tree, EXPORT.trees/<N> (0755) with its marker, and returns its path.
  std::filesystem::path begin();
  // Syncs `tree` to disk, points EXPORT at it in one rename, and removes the marked trees
  // older than the one EXPORT pointed at before.
  void commit(const std::filesystem::path& tree);
  // Removes `tree` (one begin() made) after a failed export; EXPORT is unchanged.
  void abandon(const std::filesystem::path& tree) noexcept;

  const std::filesystem::path& trees_dir() const { return trees_; }
  // The tree EXPORT points at now, if any.
  std::optional<uint64_t> current() const { return current_; }

 private:
  std::filesystem::path out_;
  std::filesystem::path trees_;
  int lock_fd_ = -1;
  std::optional<uint64_t> current_;  // the tree EXPORT points at
  uint64_t highest_ = 0;             // the highest tree number seen or made
};

// The symlink text EXPORT holds for tree `n`: relative, so EXPORT and its trees can move together.
std::string export_link_target(const std::filesystem::path& out, uint64_t n);

}  // namespace vt132::server
