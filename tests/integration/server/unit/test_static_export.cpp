// The static export's tree switch (export_tree.hpp): EXPORT is a symlink into marked trees,
// switched by one rename; the previous tree is kept, older ones removed; anything at EXPORT
// or in EXPORT.trees that is not ours is refused and left exactly as it was. Real files in a
// temporary directory.
#include <doctest/doctest.h>

#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <climits>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>

#include "../../../support/host_test_files.hpp"
#include "export_tree.hpp"

using namespace vt132::server;
namespace fs = std::filesystem;
using vt132::test::TempDir;

namespace {

void write(const fs::path& file, const std::string& text) {
  std::ofstream(file, std::ios::binary) << text;
}

std::string read(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string link_of(const fs::path& link) {
  char buf[PATH_MAX];
  const ssize_t n = ::readlink(link.c_str(), buf, sizeof buf);
  return n > 0 ? std::string(buf, static_cast<size_t>(n)) : std::string();
}

unsigned mode_of(const fs::path& p) {
  struct stat st {};
  REQUIRE(::lstat(p.c_str(), &st) == 0);
  return st.st_mode & 07777;
}

// One whole export: a tree holding `content` in file "f", switched to.
fs::path export_once(const fs::path& out, const std::string& content) {
  ExportTrees trees(out);
  const fs::path tree = trees.begin();
  write(tree / "f", content);
  trees.commit(tree);
  return tree;
}

}  // namespace

TEST_SUITE("server_static_export") {
  TEST_CASE("the first export makes EXPORT a relative symlink to a marked tree, dirs 0755 and marker 0644") {
    TempDir dir;
    const fs::path out = dir.path() / "export";
    const fs::path tree = export_once(out, "one");
    CHECK(tree == dir.path() / "export.trees" / "1");
    CHECK(fs::is_symlink(out));
    CHECK(link_of(out) == "export.trees/1");
    CHECK(read(out / "f") == "one");
    CHECK(read(tree / kExportMarker).find("vt132-ota-server") != std::string::npos);
    CHECK(mode_of(tree / kExportMarker) == 0644);
    CHECK(mode_of(tree) == 0755);
    CHECK(mode_of(dir.path() / "export.trees") == 0755);
  }

  TEST_CASE("each export keeps the previous tree for readers in it and removes the older ones") {
    TempDir dir;
    const fs::path out = dir.path() / "export";
    export_once(out, "one");
    export_once(out, "two");
    CHECK(fs::exists(dir.path() / "export.trees" / "1"));  // previous of 2
    export_once(out, "three");
    CHECK_FALSE(fs::exists(dir.path() / "export.trees" / "1"));
    CHECK(read(dir.path() / "export.trees" / "2" / "f") == "two");
    CHECK(link_of(out) == "export.trees/3");
    CHECK(read(out / "f") == "three");
    // Only the two trees, the lock file, and no temporary symlink left beside EXPORT.
    size_t entries = 0;
    for (const auto& e : fs::directory_iterator(dir.path() / "export.trees")) {
      (void)e;
      ++entries;
    }
    CHECK(entries == 3);
    for (const auto& e : fs::directory_iterator(dir.path())) {
      CHECK(e.path().filename().string().find(".tmp-") == std::string::npos);
    }
  }

  TEST_CASE("a tree a crash left half written is removed and numbering continues above it") {
    TempDir dir;
    const fs::path out = dir.path() / "export";
    export_once(out, "one");
    {
      ExportTrees trees(out);
      trees.begin();  // tree 2, marked, never committed nor abandoned: as after a SIGKILL
    }
    const fs::path tree = export_once(out, "three");
    CHECK(tree.filename() == "3");
    CHECK_FALSE(fs::exists(dir.path() / "export.trees" / "2"));
    CHECK(fs::exists(dir.path() / "export.trees" / "1"));
  }

  TEST_CASE("an abandoned tree is removed and EXPORT still shows the last export") {
    TempDir dir;
    const fs::path out = dir.path() / "export";
    export_once(out, "one");
    ExportTrees trees(out);
    const fs::path tree = trees.begin();
    write(tree / "f", "half");
    trees.abandon(tree);
    CHECK_FALSE(fs::exists(tree));
    CHECK(read(out / "f") == "one");
  }

  TEST_CASE("a directory of the user's at EXPORT is refused and left as it was") {
    TempDir dir;
    const fs::path out = dir.path() / "site";
    fs::create_directory(out);
    write(out / "index.html", "mine");
    CHECK_THROWS_WITH_AS(ExportTrees{out}, doctest::Contains("is not a static export made by vt132-ota-server"),
                         ExportRefused);
    CHECK(read(out / "index.html") == "mine");
    CHECK_FALSE(fs::exists(dir.path() / "site.trees"));
  }

  TEST_CASE("a symlink at EXPORT that points anywhere but our trees is refused and kept") {
    TempDir dir;
    const fs::path out = dir.path() / "export";
    fs::create_directory(dir.path() / "elsewhere");
    fs::create_directory_symlink("elsewhere", out);
    CHECK_THROWS_AS(ExportTrees{out}, ExportRefused);
    CHECK(link_of(out) == "elsewhere");
    // A look-alike target whose tree has no marker is not ours either.
    fs::remove(out);
    fs::create_directories(dir.path() / "export.trees" / "5");
    fs::create_directory_symlink("export.trees/5", out);
    CHECK_THROWS_AS(ExportTrees{out}, ExportRefused);
    CHECK(fs::exists(dir.path() / "export.trees" / "5"));
  }

  TEST_CASE("an entry without the marker in EXPORT.trees is refused and never removed") {
    TempDir dir;
    const fs::path out = dir.path() / "export";
    export_once(out, "one");
    fs::create_directory(dir.path() / "export.trees" / "9");  // a number, but not marked
    write(dir.path() / "export.trees" / "9" / "keep", "mine");
    CHECK_THROWS_WITH_AS(ExportTrees{out}, doctest::Contains("which is not an export tree"), ExportRefused);
    CHECK(read(dir.path() / "export.trees" / "9" / "keep") == "mine");
    fs::remove_all(dir.path() / "export.trees" / "9");
    write(dir.path() / "export.trees" / "notes.txt", "mine");
    CHECK_THROWS_AS(ExportTrees{out}, ExportRefused);
    CHECK(read(dir.path() / "export.trees" / "notes.txt") == "mine");
    CHECK(link_of(out) == "export.trees/1");
  }

  TEST_CASE("a second export into the same EXPORT is refused while the first holds the lock") {
    TempDir dir;
    const fs::path out = dir.path() / "export";
    ExportTrees first(out);
    CHECK_THROWS_WITH_AS(ExportTrees{out}, doctest::Contains("another export into"), ExportRefused);
    const fs::path tree = first.begin();
    first.commit(tree);
    CHECK(link_of(out) == "export.trees/1");
  }

  TEST_CASE("EXPORT is replaced in one rename: a reader never finds it missing during switches") {
    TempDir dir;
    const fs::path out = dir.path() / "export";
    export_once(out, "0");
    std::atomic<bool> done{false};
    std::atomic<long> reads{0};
    std::atomic<long> missing{0};
    std::thread reader([&] {
      while (!done.load()) {
        struct stat st {};
        if (::lstat(out.c_str(), &st) != 0 || !S_ISLNK(st.st_mode)) ++missing;
        ++reads;
      }
    });
    for (int i = 1; i <= 50; ++i) export_once(out, std::to_string(i));
    done = true;
    reader.join();
    CHECK(reads.load() > 0);
    CHECK(missing.load() == 0);
    CHECK(read(out / "f") == "50");
  }

  TEST_CASE("a temporary symlink a killed export left beside EXPORT is removed; a user's look-alike is not") {
    TempDir dir;
    const fs::path out = dir.path() / "export";
    export_once(out, "one");
    fs::create_directory_symlink("export.trees/1", dir.path() / "export.tmp-999999");
    write(dir.path() / "export.tmp-123", "mine");
    fs::create_directory_symlink("elsewhere", dir.path() / "export.tmp-124");
    export_once(out, "two");
    CHECK_FALSE(fs::is_symlink(dir.path() / "export.tmp-999999"));
    CHECK(read(dir.path() / "export.tmp-123") == "mine");
    CHECK(link_of(dir.path() / "export.tmp-124") == "elsewhere");
  }
}
