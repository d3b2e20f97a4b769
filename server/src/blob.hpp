#pragma once
// A read-only memory map of an asset file, shared by every download of it. The mapping
// outlives the file's name: a download in flight keeps its bytes after a delete.
#include <cstdint>
#include <filesystem>
#include <memory>

namespace vt132::server {

class Blob {
 public:
  // host::FileError when the system refuses (the errno tells why); DamagedFile when the
  // file is not a regular file of `expected_size` bytes.
  static std::shared_ptr<const Blob> map(const std::filesystem::path& file, uint64_t expected_size);
  ~Blob();
  Blob(const Blob&) = delete;
  Blob& operator=(const Blob&) = delete;
  const char* data() const { return data_; }
  uint64_t size() const { return size_; }

 private:
  Blob(const char* data, uint64_t size) : data_(data), size_(size) {}
  const char* data_;
  uint64_t size_;
};

}  // namespace vt132::server
