// host::file_io: modes of what it creates, the errno it reports, the temporaries it leaves.
#include <doctest/doctest.h>

#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <random>

#include "../support/host_test_files.hpp"
#include "vt132/host/file_io.hpp"

namespace fs = std::filesystem;
using vt132::test::TempDir;
using namespace vt132::host;

namespace {

unsigned mode_of(const fs::path& p) {
  struct stat st {};
  REQUIRE(::stat(p.c_str(), &st) == 0);
  return st.st_mode & 07777;
}

// A umask that would hide a missing fchmod/chmod in both directions.
struct Umask {
  mode_t old;
  explicit Umask(mode_t m) : old(::umask(m)) {}
  ~Umask() { ::umask(old); }
};

}  // namespace

TEST_SUITE("file_io") {
  TEST_CASE("write_file_atomic: 0644 by default for what users share, exactly the mode asked otherwise") {
    TempDir dir;
    {
      Umask strict(077);
      write_file_atomic(dir.path() / "shared.bin", "x");
      CHECK(mode_of(dir.path() / "shared.bin") == 0644u);
    }
    Umask loose(0);
    write_file_atomic(dir.path() / "private.json", "x", 0600);
    CHECK(mode_of(dir.path() / "private.json") == 0600u);
    // Rewriting keeps the asked mode too.
    write_file_atomic(dir.path() / "private.json", "y", 0600);
    CHECK(mode_of(dir.path() / "private.json") == 0600u);
  }

  TEST_CASE("make_directories gives new levels the mode asked and leaves existing ones alone") {
    TempDir dir;
    fs::create_directories(dir.path() / "old");
    ::chmod((dir.path() / "old").c_str(), 0755);
    Umask loose(0);
    make_directories(dir.path() / "old" / "a" / "b", 0700);
    CHECK(mode_of(dir.path() / "old") == 0755u);
    CHECK(mode_of(dir.path() / "old" / "a") == 0700u);
    CHECK(mode_of(dir.path() / "old" / "a" / "b") == 0700u);
  }

  TEST_CASE("a system error is a FileError with its errno") {
    TempDir dir;
    try {
      read_file(dir.path() / "missing", 10);
      FAIL("read a missing file");
    } catch (const FileError& e) {
      CHECK(e.code() == ENOENT);
      CHECK(std::string(e.what()).find("missing") != std::string::npos);
    }
    try {
      write_file_atomic(dir.path() / "no-such-dir" / "f", "x");
      FAIL("wrote into a missing directory");
    } catch (const FileError& e) {
      CHECK(e.code() == ENOENT);
    }
  }

  TEST_CASE("is_atomic_write_temp names exactly the temporaries write_file_atomic makes") {
    CHECK(is_atomic_write_temp("/d/.release.json.tmp123", "release.json"));
    CHECK_FALSE(is_atomic_write_temp("/d/.release.json.tmp", "release.json"));
    CHECK_FALSE(is_atomic_write_temp("/d/.release.json.tmp12x", "release.json"));
    CHECK_FALSE(is_atomic_write_temp("/d/.repo.json.tmp1", "release.json"));
    CHECK_FALSE(is_atomic_write_temp("/d/release.json", "release.json"));
  }
}
