#pragma once
// One server per data directory: two would hand out the same ids and overwrite each other's
// releases. An flock on DATA/lock is held for the life of the process (the kernel drops it
// when the process ends, even on SIGKILL, so there is no stale lock to clean up).
#include <filesystem>

#include "vt132/host/file_io.hpp"

namespace vt132::server {

// Another process holds the lock; the message names its pid.
class DataDirInUse : public host::FileError {
 public:
  using host::FileError::FileError;
};

class DataLock {
 public:
  // Takes the lock and writes our pid into the file for the next one to name. host::Error
  // naming the holder's pid when another process (or another DataLock) holds it: DataDirInUse.
  explicit DataLock(const std::filesystem::path& data_dir);
  ~DataLock();
  DataLock(const DataLock&) = delete;
  DataLock& operator=(const DataLock&) = delete;

 private:
  int fd_ = -1;
};

}  // namespace vt132::server
