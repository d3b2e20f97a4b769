#include "upload_file.hpp"

#include <fcntl.h>
#include <openssl/evp.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <random>
#include <vector>

#include <spdlog/spdlog.h>

#include "store_errors.hpp"
#include "vt132/host/file_io.hpp"
#include "vt132/host/hex.hpp"

namespace vt132::server {
namespace fs = std::filesystem;

struct Upload::Hash {
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  ~Hash() { EVP_MD_CTX_free(ctx); }
};

namespace {

bool start_sha256(EVP_MD_CTX* ctx) { return ctx != nullptr && EVP_DigestInit_ex(ctx, EVP_sha256(), nullptr) == 1; }

}  // namespace

std::unique_ptr<Upload> Upload::create(const fs::path& dir) {
  std::unique_ptr<Upload> up(new Upload());
  std::random_device rd;
  int code = 0;
  for (int attempt = 0; attempt < 8 && up->fd_ < 0; ++attempt) {
    up->path_ = dir / ("upload-" + std::to_string(rd()) + std::to_string(rd()));
    up->fd_ = ::open(up->path_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    code = errno;
    if (up->fd_ < 0 && code != EEXIST) break;
  }
  if (up->fd_ < 0) {
    up->path_.clear();
    throw host::FileError("cannot create an upload file in " + dir.string() + ": " + std::strerror(code), code);
  }
  up->hash_ = std::make_unique<Hash>();
  if (!start_sha256(up->hash_->ctx)) throw host::Error("cannot start SHA-256");
  return up;
}

std::unique_ptr<Upload> Upload::resume(const fs::path& path) {
  std::unique_ptr<Upload> up(new Upload());
  up->keep_ = true;
  up->fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (up->fd_ < 0) {
    const int code = errno;
    throw host::FileError("cannot open " + path.string() + ": " + std::strerror(code), code);
  }
  up->path_ = path;
  up->hash_ = std::make_unique<Hash>();
  if (!start_sha256(up->hash_->ctx)) throw host::Error("cannot start SHA-256");
  // The bytes a previous attempt kept count towards the hash; reading leaves the offset at
  // the end, where the next write continues.
  std::vector<char> buf(64 * 1024);
  for (;;) {
    const ssize_t n = ::read(up->fd_, buf.data(), buf.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      const int code = errno;
      throw host::FileError("cannot read " + path.string() + ": " + std::strerror(code), code);
    }
    if (n == 0) break;
    if (EVP_DigestUpdate(up->hash_->ctx, buf.data(), static_cast<size_t>(n)) != 1) throw host::Error("SHA-256 failed");
    up->size_ += static_cast<uint64_t>(n);
  }
  return up;
}

void Upload::restart() {
  if (::ftruncate(fd_, 0) != 0 || ::lseek(fd_, 0, SEEK_SET) != 0) {
    const int code = errno;
    throw host::FileError("cannot empty " + path_.string() + ": " + std::strerror(code), code);
  }
  size_ = 0;
  if (!start_sha256(hash_->ctx)) throw host::Error("cannot start SHA-256");
}

void Upload::discard() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  if (!path_.empty()) ::unlink(path_.c_str());
  path_.clear();
}

Upload::~Upload() {
  if (fd_ >= 0) ::close(fd_);
  if (!path_.empty() && !keep_) ::unlink(path_.c_str());
}

bool Upload::write(const char* data, size_t size) {
  if (EVP_DigestUpdate(hash_->ctx, data, size) != 1) return false;
  while (size > 0) {
    const ssize_t n = ::write(fd_, data, size);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      error_ = n < 0 ? errno : EIO;
      spdlog::error("cannot write upload {}: {}", path_.string(), std::strerror(error_));
      return false;
    }
    data += n;
    size -= static_cast<size_t>(n);
    size_ += static_cast<uint64_t>(n);
  }
  return true;
}

bool Upload::disk_full() const { return is_disk_full(error_); }

std::string Upload::sha256_so_far() const {
  Hash copy;
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int digest_len = 0;
  if (copy.ctx == nullptr || EVP_MD_CTX_copy_ex(copy.ctx, hash_->ctx) != 1 ||
      EVP_DigestFinal_ex(copy.ctx, digest, &digest_len) != 1) {
    throw host::Error("cannot compute SHA-256");
  }
  return host::to_hex(digest, digest_len);
}

std::string Upload::finish() {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int digest_len = 0;
  if (EVP_DigestFinal_ex(hash_->ctx, digest, &digest_len) != 1) throw host::Error("cannot finish SHA-256");
  // fsync reports a full disk on file systems that allocate late (delayed allocation).
  int code = 0;
  if (::fsync(fd_) != 0) code = errno;
  if (::close(fd_) != 0 && code == 0) code = errno;
  fd_ = -1;
  if (code != 0) throw host::FileError("cannot write " + path_.string() + ": " + std::strerror(code), code);
  return host::to_hex(digest, digest_len);
}

void Upload::move_to(const fs::path& dest) {
  if (::rename(path_.c_str(), dest.c_str()) != 0) {
    const int code = errno;
    throw host::FileError("cannot move upload to " + dest.string() + ": " + std::strerror(code), code);
  }
  path_.clear();
}

}  // namespace vt132::server
