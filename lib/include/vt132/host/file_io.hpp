#pragma once
// Whole-file reads with a size bound, and writes that either fully happen or not at all.
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string_view>
#include <vector>

namespace vt132::host {

// Reads a regular file of at most max_size bytes; throws Error naming the file otherwise.
std::vector<uint8_t> read_file(const std::filesystem::path& path, size_t max_size);

// Writes `data` to a temporary file beside `path`, fsyncs it, renames it over `path` and
// fsyncs the directory: after a crash `path` holds either the old or the new content.
void write_file_atomic(const std::filesystem::path& path, const uint8_t* data, size_t size,
                       unsigned mode = 0644);
void write_file_atomic(const std::filesystem::path& path, std::string_view text,
                       unsigned mode = 0644);

// True when both paths name the same existing file (hard links and symlinks included).
bool same_file(const std::filesystem::path& a, const std::filesystem::path& b);

// A new, empty directory beside `final_dir` (same file system) to assemble its contents in.
std::filesystem::path make_staging_dir(const std::filesystem::path& final_dir);

// Renames a fully written staging directory to `final_dir` in one step, never replacing an
// existing file or directory there (Error instead), and makes the rename durable.
void publish_directory(const std::filesystem::path& staging, const std::filesystem::path& final_dir);

// fsync of a directory, so a rename inside it is durable.
void sync_directory(const std::filesystem::path& dir);

}  // namespace vt132::host
