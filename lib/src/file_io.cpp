#include "vt132/host/file_io.hpp"

#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <random>
#include <string>

#include "vt132/host/error.hpp"

namespace vt132::host {
namespace fs = std::filesystem;

namespace {

// The error of the system call that just failed, naming what it was doing.
[[noreturn]] void throw_errno(const std::string& what) {
  const int code = errno;
  throw FileError(what + ": " + std::strerror(code), code);
}

// Closes the descriptor on every path out of a function.
class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }
  int release() {
    const int fd = fd_;
    fd_ = -1;
    return fd;
  }

 private:
  int fd_;
};

std::string temp_prefix_for(std::string_view target_name) { return "." + std::string(target_name) + ".tmp"; }

std::string temp_name_for(const fs::path& path) {
  std::random_device rd;
  return temp_prefix_for(path.filename().string()) + std::to_string(rd());
}

void write_all(int fd, const uint8_t* data, size_t size, const fs::path& shown) {
  while (size > 0) {
    const ssize_t n = ::write(fd, data, size);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw_errno("cannot write " + shown.string());
    if (n == 0) throw FileError("cannot write " + shown.string() + ": no progress", EIO);
    data += n;
    size -= static_cast<size_t>(n);
  }
}

}  // namespace

std::vector<uint8_t> read_file(const fs::path& path, size_t max_size) {
  Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) throw_errno("cannot read " + path.string());
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) throw_errno("cannot read " + path.string());
  if (!S_ISREG(st.st_mode)) throw Error("cannot read " + path.string() + ": not a regular file");
  if (static_cast<uint64_t>(st.st_size) > max_size) {
    throw Error(path.string() + " is " + std::to_string(st.st_size) + " bytes, more than the " +
                std::to_string(max_size) + " allowed");
  }
  std::vector<uint8_t> data(static_cast<size_t>(st.st_size));
  size_t got = 0;
  while (got < data.size()) {
    const ssize_t n = ::read(fd.get(), data.data() + got, data.size() - got);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw_errno("cannot read " + path.string());
    if (n == 0) break;  // the file shrank while we read it
    got += static_cast<size_t>(n);
  }
  data.resize(got);
  return data;
}

void sync_directory(const fs::path& dir) {
  Fd fd(::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (fd.get() < 0 || ::fsync(fd.get()) != 0) throw_errno("cannot sync directory " + dir.string());
}

void write_file_atomic(const fs::path& path, const uint8_t* data, size_t size, unsigned mode) {
  const fs::path dir = path.parent_path();
  const fs::path temp = (dir.empty() ? fs::path(".") : dir) / temp_name_for(path);
  Fd fd(::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode));
  if (fd.get() < 0) throw_errno("cannot write " + path.string());
  try {
    write_all(fd.get(), data, size, path);
    // open() applies the umask; the caller's mode (e.g. 0600 for keys) is what it asked for.
    if (::fchmod(fd.get(), mode) != 0 || ::fsync(fd.get()) != 0 || ::close(fd.release()) != 0) {
      throw_errno("cannot write " + path.string());
    }
    if (::rename(temp.c_str(), path.c_str()) != 0) throw_errno("cannot write " + path.string());
  } catch (...) {
    ::unlink(temp.c_str());
    throw;
  }
  sync_directory(dir);
}

void write_file_atomic(const fs::path& path, std::string_view text, unsigned mode) {
  write_file_atomic(path, reinterpret_cast<const uint8_t*>(text.data()), text.size(), mode);
}

void make_directories(const fs::path& dir, unsigned mode) {
  if (dir.empty() || fs::is_directory(dir)) return;
  make_directories(dir.parent_path(), mode);
  if (::mkdir(dir.c_str(), mode) != 0) {
    if (errno != EEXIST) throw_errno("cannot create " + dir.string());
    return;  // made by someone else meanwhile: theirs to set
  }
  // mkdir applies the umask; the caller asked for `mode`.
  if (::chmod(dir.c_str(), mode) != 0) throw_errno("cannot set the mode of " + dir.string());
}

fs::path make_staging_dir(const fs::path& final_dir) {
  const fs::path parent = final_dir.has_parent_path() ? final_dir.parent_path() : fs::path(".");
  for (int attempt = 0; attempt < 100; ++attempt) {
    const fs::path dir = parent / temp_name_for(final_dir);
    if (::mkdir(dir.c_str(), 0755) == 0) return dir;
    if (errno != EEXIST) throw_errno("cannot create a directory in " + parent.string());
  }
  throw Error("cannot create a staging directory in " + parent.string());
}

void publish_directory(const fs::path& staging, const fs::path& final_dir) {
  if (::renameat2(AT_FDCWD, staging.c_str(), AT_FDCWD, final_dir.c_str(), RENAME_NOREPLACE) != 0) {
    if (errno == EEXIST) throw Error(final_dir.string() + " already exists; choose a new output directory");
    throw_errno("cannot create " + final_dir.string());
  }
  sync_directory(final_dir.has_parent_path() ? final_dir.parent_path() : fs::path("."));
}

bool is_atomic_write_temp(const fs::path& file, std::string_view target_name) {
  const std::string name = file.filename().string();
  const std::string prefix = temp_prefix_for(target_name);
  if (name.size() <= prefix.size() || name.compare(0, prefix.size(), prefix) != 0) return false;
  return name.find_first_not_of("0123456789", prefix.size()) == std::string::npos;
}

bool same_file(const fs::path& a, const fs::path& b) {
  std::error_code ec;
  return fs::equivalent(a, b, ec);
}

}  // namespace vt132::host
