#include "data_lock.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "vt132/host/file_io.hpp"

namespace vt132::server {

namespace {

// The pid the holder wrote, or "unknown" when it has not written it yet.
std::string holder_pid(int fd) {
  char buf[24] = {};
  const ssize_t n = ::pread(fd, buf, sizeof buf - 1, 0);
  std::string pid;
  for (ssize_t i = 0; i < n && buf[i] >= '0' && buf[i] <= '9'; ++i) pid += buf[i];
  return pid.empty() ? "unknown" : pid;
}

}  // namespace

DataLock::DataLock(const std::filesystem::path& data_dir) {
  const std::filesystem::path file = data_dir / "lock";
  fd_ = ::open(file.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd_ < 0) {
    const int code = errno;
    throw host::FileError("cannot open " + file.string() + ": " + std::strerror(code) +
                              "; check the permissions of the data directory",
                          code);
  }
  if (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
    const int code = errno;
    if (code == EWOULDBLOCK) {
      const std::string message = "the data directory " + data_dir.string() +
                                  " is in use by another vt132-ota-server (pid " + holder_pid(fd_) +
                                  "); stop that one first, or give this one another --data";
      ::close(fd_);
      throw DataDirInUse(message, code);
    }
    ::close(fd_);
    throw host::FileError("cannot lock " + file.string() + ": " + std::strerror(code), code);
  }
  const std::string pid = std::to_string(::getpid()) + "\n";
  if (::ftruncate(fd_, 0) != 0 || ::pwrite(fd_, pid.data(), pid.size(), 0) != static_cast<ssize_t>(pid.size())) {
    const int code = errno;
    ::close(fd_);
    throw host::FileError("cannot write " + file.string() + ": " + std::strerror(code), code);
  }
}

DataLock::~DataLock() { ::close(fd_); }

}  // namespace vt132::server
