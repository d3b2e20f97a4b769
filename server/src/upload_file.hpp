#pragma once
// An upload being received: bytes go to a temporary file (0600) in the store's tmp/ and are
// hashed on the way. The file is removed unless it was moved into place, except a resumable
// one (the mirror's downloads), which stays for the next attempt to continue.
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>

namespace vt132::server {

class Upload {
 public:
  // A new file in `dir`; host::FileError (with its errno) when it cannot be made.
  static std::unique_ptr<Upload> create(const std::filesystem::path& dir);
  // The file `path`, created if missing, continued after the bytes it already holds (they
  // are hashed first); kept when this object goes without move_to or discard.
  static std::unique_ptr<Upload> resume(const std::filesystem::path& path);
  ~Upload();
  Upload(const Upload&) = delete;
  Upload& operator=(const Upload&) = delete;

  // False when the file cannot be written (the cause, with its errno, is logged).
  bool write(const char* data, size_t size);
  uint64_t size() const { return size_; }
  // True when a write failed because the disk (or the quota) is full.
  bool disk_full() const;

  // SHA-256 (lower-case hex) of the bytes so far, without ending the upload.
  std::string sha256_so_far() const;
  // Makes the bytes durable and returns their SHA-256 (lower-case hex); FileError otherwise.
  std::string finish();
  // Renames the finished file to `dest` (same file system); the file is no longer ours.
  void move_to(const std::filesystem::path& dest);
  // Empties the file to start over (a server that ignored a Range request); FileError.
  void restart();
  // Removes the file now, resumable or not (bytes found wrong).
  void discard();

 private:
  Upload() = default;
  int fd_ = -1;
  std::filesystem::path path_;
  uint64_t size_ = 0;
  int error_ = 0;
  bool keep_ = false;
  struct Hash;
  std::unique_ptr<Hash> hash_;
};

}  // namespace vt132::server
