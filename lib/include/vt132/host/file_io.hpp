#pragma once
// Whole-file reads with a size bound, and writes that either fully happen or not at all.
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string_view>
#include <string>
#include <vector>

#include "vt132/host/error.hpp"

namespace vt132::host {

// A system call on a file failed: code() is its errno, so callers can tell a file that is
// not there (ENOENT) or a full disk (ENOSPC) from one they may not read (EACCES, EIO).
class FileError : public Error {
 public:
  FileError(const std::string& message, int code) : Error(message), code_(code) {}
  int code() const { return code_; }

 private:
  int code_;
};

// Reads a regular file of at most max_size bytes. FileError when the system refuses
// (open, read); Error when the file is not a regular file or is larger than max_size.
std::vector<uint8_t> read_file(const std::filesystem::path& path, size_t max_size);

// Writes `data` to a temporary file beside `path`, fsyncs it, renames it over `path` and
// fsyncs the directory: after a crash `path` holds either the old or the new content. The
// file gets exactly `mode` (the umask does not apply): 0644 for what users share, 0600 for
// keys and server data. A failure is a FileError.
void write_file_atomic(const std::filesystem::path& path, const uint8_t* data, size_t size,
                       unsigned mode = 0644);
void write_file_atomic(const std::filesystem::path& path, std::string_view text,
                       unsigned mode = 0644);

// True when `file` is a temporary file write_file_atomic makes beside `target_name` (left
// behind only when it was interrupted, e.g. by a crash).
bool is_atomic_write_temp(const std::filesystem::path& file, std::string_view target_name);

// True when both paths name the same existing file (hard links and symlinks included).
bool same_file(const std::filesystem::path& a, const std::filesystem::path& b);

// A new, empty directory beside `final_dir` (same file system) to assemble its contents in.
std::filesystem::path make_staging_dir(const std::filesystem::path& final_dir);

// Renames a fully written staging directory to `final_dir` in one step, never replacing an
// existing file or directory there (Error instead), and makes the rename durable.
void publish_directory(const std::filesystem::path& staging, const std::filesystem::path& final_dir);

// Creates `dir` and its missing parents with `mode` (the umask does not apply to them);
// existing directories are left as they are. FileError when one cannot be made.
void make_directories(const std::filesystem::path& dir, unsigned mode);

// fsync of a directory, so a rename inside it is durable.
void sync_directory(const std::filesystem::path& dir);

}  // namespace vt132::host
