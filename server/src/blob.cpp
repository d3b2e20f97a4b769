#include "blob.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "store_errors.hpp"
#include "vt132/host/file_io.hpp"

namespace vt132::server {

namespace {

[[noreturn]] void throw_errno(const std::string& what, const std::filesystem::path& file) {
  const int code = errno;
  throw host::FileError("cannot " + what + " " + file.string() + ": " + std::strerror(code), code);
}

}  // namespace

std::shared_ptr<const Blob> Blob::map(const std::filesystem::path& file, uint64_t expected_size) {
  const int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw_errno("open", file);
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    const int code = errno;
    ::close(fd);
    errno = code;
    throw_errno("stat", file);
  }
  if (!S_ISREG(st.st_mode) || static_cast<uint64_t>(st.st_size) != expected_size) {
    ::close(fd);
    throw DamagedFile(file.string() + (S_ISREG(st.st_mode) ? " is " + std::to_string(st.st_size) + " bytes long"
                                                           : std::string(" is not a regular file")) +
                      ", its release.json says " + std::to_string(expected_size));
  }
  const char* data = nullptr;
  if (expected_size > 0) {
    void* p = ::mmap(nullptr, expected_size, PROT_READ, MAP_SHARED, fd, 0);
    if (p == MAP_FAILED) {
      const int code = errno;
      ::close(fd);
      errno = code;
      throw_errno("map", file);
    }
    data = static_cast<const char*>(p);
  }
  ::close(fd);
  return std::shared_ptr<const Blob>(new Blob(data, expected_size));
}

Blob::~Blob() {
  if (data_ != nullptr) ::munmap(const_cast<char*>(data_), size_);
}

}  // namespace vt132::server
