#include "export_tree.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstring>

#include <spdlog/spdlog.h>

#include "names.hpp"
#include "vt132/host/file_io.hpp"
#include "vt132/host/hex.hpp"

namespace vt132::server {
namespace fs = std::filesystem;
using host::FileError;

namespace {

constexpr const char* kLockName = ".lock";

// EXPORT as an absolute path without a trailing '/', so its name and directory are plain.
fs::path normal_out(const fs::path& out) {
  fs::path p = fs::absolute(out).lexically_normal();
  if (p.filename().empty()) p = p.parent_path();
  if (p.filename().empty() || p == p.root_path()) {
    throw ExportRefused("--out " + out.string() + " names no file: give the path of the symlink to make, e.g. "
                        "/srv/vt132-export");
  }
  return p;
}

fs::path trees_of(const fs::path& out) { return out.parent_path() / (out.filename().string() + ".trees"); }

bool is_marked_tree(const fs::path& tree) {
  struct stat st {};
  return ::lstat(tree.c_str(), &st) == 0 && S_ISDIR(st.st_mode) &&
         ::lstat((tree / kExportMarker).c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

// The tree EXPORT points at; nullopt when EXPORT does not exist. ExportRefused when EXPORT
// is anything but a symlink to one of our trees: it may be the user's.
std::optional<uint64_t> linked_tree(const fs::path& out, const fs::path& trees) {
  struct stat st {};
  if (::lstat(out.c_str(), &st) != 0) {
    if (errno == ENOENT) return std::nullopt;
    const int code = errno;
    throw FileError("cannot examine " + out.string() + ": " + std::strerror(code), code);
  }
  const std::string refusal = out.string() + " exists and is not a static export made by vt132-ota-server (a "
                              "symlink into " + trees.filename().string() + "/); it is left alone: move it away "
                              "or export elsewhere";
  if (!S_ISLNK(st.st_mode)) throw ExportRefused(refusal);
  char buf[PATH_MAX];
  const ssize_t n = ::readlink(out.c_str(), buf, sizeof buf);
  if (n <= 0 || static_cast<size_t>(n) >= sizeof buf) throw ExportRefused(refusal);
  const std::string target(buf, static_cast<size_t>(n));
  const std::string prefix = trees.filename().string() + "/";
  if (target.compare(0, prefix.size(), prefix) != 0) throw ExportRefused(refusal);
  const std::optional<uint64_t> number = parse_id(std::string_view(target).substr(prefix.size()));
  if (!number) throw ExportRefused(refusal);
  // A link to a tree that is gone is harmless (nothing of the user's); one to an unmarked
  // directory is not ours.
  if (fs::exists(trees / std::to_string(*number)) && !is_marked_tree(trees / std::to_string(*number))) {
    throw ExportRefused(refusal);
  }
  return number;
}

// Every entry of EXPORT.trees must be ours: the lock file or a marked tree. Returns the
// highest tree number.
uint64_t check_trees(const fs::path& trees) {
  uint64_t highest = 0;
  for (const fs::directory_entry& e : fs::directory_iterator(trees)) {
    const std::string name = e.path().filename().string();
    if (name == kLockName) continue;
    const std::optional<uint64_t> number = parse_id(name);
    if (!number || !is_marked_tree(e.path())) {
      throw ExportRefused(trees.string() + " holds " + host::printable(name) + ", which is not an export tree (no " +
                          kExportMarker + " marker); vt132-ota-server removes only its own trees: move it away");
    }
    if (*number > highest) highest = *number;
  }
  return highest;
}

// EXPORT.tmp-<pid> symlinks into our trees, left by an export killed between making one
// and renaming it over EXPORT. Anything else of that name is not ours and stays.
void remove_stale_temp_links(const fs::path& out) {
  const std::string prefix = out.filename().string() + ".tmp-";
  const std::string target_prefix = out.filename().string() + ".trees/";
  char buf[PATH_MAX];
  std::error_code ec;
  for (const fs::directory_entry& e : fs::directory_iterator(out.parent_path(), ec)) {
    const std::string name = e.path().filename().string();
    if (name.compare(0, prefix.size(), prefix) != 0 || !parse_id(std::string_view(name).substr(prefix.size()))) {
      continue;
    }
    const ssize_t n = ::readlink(e.path().c_str(), buf, sizeof buf);
    if (n > 0 && static_cast<size_t>(n) < sizeof buf &&
        std::string_view(buf, static_cast<size_t>(n)).substr(0, target_prefix.size()) == target_prefix) {
      ::unlink(e.path().c_str());
    }
  }
}

int take_lock(const fs::path& trees, const fs::path& out) {
  const fs::path file = trees / kLockName;
  const int fd = ::open(file.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, kExportFileMode);
  if (fd < 0) {
    const int code = errno;
    throw FileError("cannot open " + file.string() + ": " + std::strerror(code), code);
  }
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    const int code = errno;
    ::close(fd);
    if (code == EWOULDBLOCK) {
      throw ExportRefused("another export into " + out.string() + " is running (it holds " + file.string() +
                          "); wait for it to finish");
    }
    throw FileError("cannot lock " + file.string() + ": " + std::strerror(code), code);
  }
  return fd;
}

void make_dir(const fs::path& dir) {
  if (::mkdir(dir.c_str(), kExportDirMode) != 0 || ::chmod(dir.c_str(), kExportDirMode) != 0) {
    const int code = errno;
    throw FileError("cannot create " + dir.string() + ": " + std::strerror(code), code);
  }
}

void sync_tree(const fs::path& tree) {
  const int fd = ::open(tree.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0 || ::syncfs(fd) != 0) {
    const int code = errno;
    if (fd >= 0) ::close(fd);
    throw FileError("cannot sync " + tree.string() + ": " + std::strerror(code), code);
  }
  ::close(fd);
}

}  // namespace

std::string export_link_target(const fs::path& out, uint64_t n) {
  return out.filename().string() + ".trees/" + std::to_string(n);
}

ExportTrees::ExportTrees(const fs::path& out) : out_(normal_out(out)), trees_(trees_of(out_)) {
  if (!fs::is_directory(out_.parent_path())) {
    throw host::Error("the directory of --out, " + out_.parent_path().string() + ", does not exist");
  }
  linked_tree(out_, trees_);  // refuse before creating anything beside a foreign EXPORT
  struct stat st {};
  if (::lstat(trees_.c_str(), &st) != 0) {
    make_dir(trees_);
  } else if (!S_ISDIR(st.st_mode)) {
    throw ExportRefused(trees_.string() + " exists and is not a directory of export trees; move it away");
  }
  lock_fd_ = take_lock(trees_, out_);
  try {
    // Again under the lock: another export may have switched EXPORT meanwhile.
    current_ = linked_tree(out_, trees_);
    highest_ = check_trees(trees_);
    remove_stale_temp_links(out_);
    if (current_ && *current_ > highest_) highest_ = *current_;
  } catch (...) {
    ::close(lock_fd_);
    throw;
  }
}

ExportTrees::~ExportTrees() { ::close(lock_fd_); }

fs::path ExportTrees::begin() {
  if (highest_ >= kMaxId) throw host::Error("no tree number left in " + trees_.string());
  const fs::path tree = trees_ / std::to_string(highest_ + 1);
  make_dir(tree);
  ++highest_;
  // The marker first: from here on the tree is recognisably ours, even half written.
  try {
    host::write_file_atomic(tree / kExportMarker, std::string_view("vt132-ota-server static export\n"),
                            kExportFileMode);
  } catch (...) {
    std::error_code ec;
    fs::remove_all(tree, ec);  // unmarked, it would make every later export refuse
    throw;
  }
  return tree;
}

void ExportTrees::commit(const fs::path& tree) {
  const std::optional<uint64_t> number = parse_id(tree.filename().string());
  if (!number || tree.parent_path() != trees_) throw host::Error(tree.string() + " is not a tree of " + trees_.string());
  sync_tree(tree);
  const fs::path tmp = out_.parent_path() / (out_.filename().string() + ".tmp-" + std::to_string(::getpid()));
  ::unlink(tmp.c_str());  // left by an earlier process with our pid that was killed here
  const std::string target = export_link_target(out_, *number);
  if (::symlink(target.c_str(), tmp.c_str()) != 0 || ::rename(tmp.c_str(), out_.c_str()) != 0) {
    const int code = errno;
    ::unlink(tmp.c_str());
    throw FileError("cannot point " + out_.string() + " at " + target + ": " + std::strerror(code), code);
  }
  // EXPORT has switched: nothing below may fail the export (its caller would remove the tree).
  try {
    host::sync_directory(out_.parent_path());
  } catch (const std::exception& e) {
    spdlog::warn("export: {}", e.what());
  }
  const std::optional<uint64_t> previous = current_;
  current_ = number;
  std::error_code ec;
  for (const fs::directory_entry& e : fs::directory_iterator(trees_, ec)) {
    const std::optional<uint64_t> n = parse_id(e.path().filename().string());
    if (!n || *n == *number || (previous && *n == *previous) || !is_marked_tree(e.path())) continue;
    std::error_code remove_ec;
    fs::remove_all(e.path(), remove_ec);
    if (remove_ec) spdlog::warn("export: cannot remove the old tree {}: {}", e.path().string(), remove_ec.message());
  }
}

void ExportTrees::abandon(const fs::path& tree) noexcept {
  std::error_code ec;
  if (tree.parent_path() == trees_ && is_marked_tree(tree)) fs::remove_all(tree, ec);
}

}  // namespace vt132::server
