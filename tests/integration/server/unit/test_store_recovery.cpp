// What a start does with a damaged data directory: only what the write protocol leaves
// behind is removed; damaged files go to quarantine; a file the system will not let us read
// stops the start; a release missing an asset is kept but never latest. Real files in
// temporary directories; EACCES for real, with the test thread's DAC override dropped.
#include <doctest/doctest.h>

#include <linux/capability.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <random>
#include <sstream>
#include <string>

#include "../../../support/host_test_files.hpp"
#include "storage.hpp"
#include "vt132/host/error.hpp"

using namespace vt132::server;
namespace fs = std::filesystem;
using vt132::test::TempDir;

namespace {

// Root reads anything (CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH): drop both from this thread's
// effective set so a chmod 000 file gives EACCES as it would to the server's own user.
class WithoutDacOverride {
 public:
  WithoutDacOverride() {
    REQUIRE(::syscall(SYS_capget, &header_, saved_) == 0);
    __user_cap_data_struct reduced[2];
    std::memcpy(reduced, saved_, sizeof reduced);
    reduced[0].effective &= ~((1u << CAP_DAC_OVERRIDE) | (1u << CAP_DAC_READ_SEARCH));
    REQUIRE(::syscall(SYS_capset, &header_, reduced) == 0);
  }
  ~WithoutDacOverride() { ::syscall(SYS_capset, &header_, saved_); }

 private:
  __user_cap_header_struct header_{_LINUX_CAPABILITY_VERSION_3, 0};
  __user_cap_data_struct saved_[2]{};
};

ReleaseFields published(const std::string& tag) {
  ReleaseFields f;
  f.tag_name = tag;
  f.draft = false;
  return f;
}

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void append(const fs::path& p, const std::string& bytes) { std::ofstream(p, std::ios::binary | std::ios::app) << bytes; }

// V1.0.0 then V1.1.0 (latest), each with one asset; the paths of what the tests damage.
struct TwoReleases {
  TempDir dir;
  uint64_t v1 = 0, v11 = 0, v11_asset = 0;
  fs::path repo_dir, v1_dir, v11_dir, v11_asset_file;

  TwoReleases() {
    Store s(dir.path());
    v1 = s.create_release("vt132", "firmware", published("V1.0.0"), "ci")->id;
    add_asset(s, v1, "one");
    v11 = s.create_release("vt132", "firmware", published("V1.1.0"), "ci")->id;
    v11_asset = add_asset(s, v11, "two!");
    repo_dir = dir.path() / "store" / "repos" / std::to_string(s.find_repo("vt132", "firmware")->id);
    v1_dir = repo_dir / "releases" / std::to_string(v1);
    v11_dir = repo_dir / "releases" / std::to_string(v11);
    v11_asset_file = v11_dir / "assets" / std::to_string(v11_asset);
  }
  static uint64_t add_asset(Store& s, uint64_t release, const std::string& bytes) {
    auto up = s.begin_upload();
    REQUIRE(up->write(bytes.data(), bytes.size()));
    return s.commit_upload("vt132", "firmware", release, std::move(up), "VT132.bin", "", "x", "ci").asset.id;
  }
  fs::path store() const { return dir.path() / "store"; }
};

// Where `original` (under store/) went in this start's quarantine.
fs::path quarantined(const Store& s, const TwoReleases& t, const fs::path& original) {
  return s.quarantine().dir() / original.lexically_relative(t.store());
}

// A damaged release.json: its whole release directory (assets included) is moved, never
// deleted, and the rest of the store is served.
void check_release_quarantined(const TwoReleases& t, const std::string& damaged_json) {
  Store s(t.dir.path());
  REQUIRE(s.quarantine().moved().size() == 1);
  CHECK(s.quarantine().moved()[0].from == t.v11_dir.lexically_relative(t.store()));
  CHECK(s.quarantine().moved()[0].reason.find("release.json") != std::string::npos);
  CHECK(s.quarantine().dir().parent_path() == t.store() / "quarantine");
  CHECK_FALSE(fs::exists(t.v11_dir));
  CHECK(slurp(quarantined(s, t, t.v11_dir) / "release.json") == damaged_json);
  CHECK(slurp(quarantined(s, t, t.v11_asset_file)) == "two!");
  REQUIRE(s.latest("vt132", "firmware"));
  CHECK(s.latest("vt132", "firmware")->id == t.v1);
  // Ids in quarantine are never handed out again.
  CHECK(s.create_release("vt132", "firmware", published("V2.0.0"), "ci")->id > t.v11_asset);
}

void damage_release_json(const TwoReleases& t, const std::function<void(std::string&)>& edit) {
  std::string text = slurp(t.v11_dir / "release.json");
  edit(text);
  std::ofstream(t.v11_dir / "release.json", std::ios::binary | std::ios::trunc) << text;
}

}  // namespace

TEST_SUITE("server_store_recovery") {
  TEST_CASE("a byte appended to release.json: the release goes to quarantine, latest falls back") {
    TwoReleases t;
    damage_release_json(t, [](std::string& s) { s += "x"; });
    check_release_quarantined(t, slurp(t.v11_dir / "release.json"));
  }

  TEST_CASE("a truncated release.json goes to quarantine") {
    TwoReleases t;
    damage_release_json(t, [](std::string& s) { s.resize(s.size() / 2); });
    check_release_quarantined(t, slurp(t.v11_dir / "release.json"));
  }

  TEST_CASE("an empty release.json goes to quarantine") {
    TwoReleases t;
    damage_release_json(t, [](std::string& s) { s.clear(); });
    check_release_quarantined(t, "");
  }

  TEST_CASE("a release.json whose id is not its directory's goes to quarantine") {
    TwoReleases t;
    damage_release_json(t, [&](std::string& s) {
      const std::string id = "\"id\":" + std::to_string(t.v11) + ",";
      s.replace(s.find(id), id.size(), "\"id\":" + std::to_string(t.v1) + ",");
    });
    check_release_quarantined(t, slurp(t.v11_dir / "release.json"));
  }

  TEST_CASE("a release.json with an invalid field goes to quarantine") {
    TwoReleases t;
    damage_release_json(t, [](std::string& s) { s.replace(s.find("V1.1.0"), 6, "../../"); });
    check_release_quarantined(t, slurp(t.v11_dir / "release.json"));
  }

  TEST_CASE("release.json the server may not read (EACCES) stops the start, naming the file; nothing moves") {
    TwoReleases t;
    const fs::path file = t.v11_dir / "release.json";
    const std::string before = slurp(file);
    fs::permissions(file, fs::perms::none);
    {
      WithoutDacOverride no_override;
      try {
        Store s(t.dir.path());
        FAIL("the start went on");
      } catch (const vt132::host::Error& e) {
        const std::string m = e.what();
        CHECK(m.find(file.string()) != std::string::npos);
        CHECK(m.find(std::strerror(EACCES)) != std::string::npos);
        CHECK(m.find("start the server again") != std::string::npos);
      }
    }
    fs::permissions(file, fs::perms::owner_read | fs::perms::owner_write);
    CHECK(slurp(file) == before);
    CHECK_FALSE(fs::exists(t.store() / "quarantine"));
    // Once fixed, the start serves everything again.
    Store s(t.dir.path());
    CHECK(s.latest("vt132", "firmware")->id == t.v11);
  }

  TEST_CASE("a bad repo.json: the whole repository goes to quarantine, nothing is deleted") {
    TwoReleases t;
    std::ofstream(t.repo_dir / "repo.json", std::ios::trunc) << R"({"owner":"vt132","name":)";
    Store s(t.dir.path());
    REQUIRE(s.quarantine().moved().size() == 1);
    CHECK(s.quarantine().moved()[0].reason.find("repo.json") != std::string::npos);
    CHECK_FALSE(s.find_repo("vt132", "firmware"));
    CHECK_FALSE(fs::exists(t.repo_dir));
    CHECK(slurp(quarantined(s, t, t.v11_asset_file)) == "two!");
    CHECK(fs::exists(quarantined(s, t, t.v1_dir / "release.json")));
  }

  TEST_CASE("an asset whose size changed goes to quarantine; its release is kept but never latest") {
    TwoReleases t;
    append(t.v11_asset_file, "+");
    const std::string listed = slurp(t.v11_dir / "release.json");
    {
      Store s(t.dir.path());
      REQUIRE(s.quarantine().moved().size() == 1);
      CHECK(slurp(quarantined(s, t, t.v11_asset_file)) == "two!+");
      CHECK_FALSE(fs::exists(t.v11_asset_file));
      const ReleasePtr r = s.release_by_id("vt132", "firmware", t.v11);
      REQUIRE(r);
      CHECK(r->assets.empty());  // not offered for download
      REQUIRE(r->unavailable.size() == 1);
      CHECK(r->unavailable[0].asset.name == "VT132.bin");
      CHECK(s.latest("vt132", "firmware")->id == t.v1);
      // An edit of the release keeps the asset listed, so restoring the file brings it back.
      ReleaseFields f;
      f.body = "edited";
      s.update_release("vt132", "firmware", t.v11, f);
      fs::rename(quarantined(s, t, t.v11_asset_file), t.v11_asset_file);
    }
    CHECK(slurp(t.v11_dir / "release.json").find("\"VT132.bin\"") != std::string::npos);
    CHECK(listed.find("\"VT132.bin\"") != std::string::npos);
    fs::resize_file(t.v11_asset_file, 4);  // the operator repairs it
    Store s(t.dir.path());
    CHECK(s.quarantine().moved().empty());
    CHECK(s.latest("vt132", "firmware")->id == t.v11);
  }

  TEST_CASE("an asset the server may not read (EACCES) stops the start, naming the file") {
    TwoReleases t;
    fs::permissions(t.v11_asset_file, fs::perms::none);
    {
      WithoutDacOverride no_override;
      try {
        Store s(t.dir.path());
        FAIL("the start went on");
      } catch (const vt132::host::Error& e) {
        CHECK(std::string(e.what()).find(t.v11_asset_file.string()) != std::string::npos);
        CHECK(std::string(e.what()).find(std::strerror(EACCES)) != std::string::npos);
      }
    }
    CHECK(fs::exists(t.v11_asset_file));
    CHECK_FALSE(fs::exists(t.store() / "quarantine"));
  }

  TEST_CASE("a missing asset: its release is kept, listed as unavailable, and never latest") {
    TwoReleases t;
    fs::remove(t.v11_asset_file);
    Store s(t.dir.path());
    CHECK(s.quarantine().moved().empty());
    const ReleasePtr r = s.release_by_id("vt132", "firmware", t.v11);
    REQUIRE(r);
    CHECK_FALSE(r->whole());
    CHECK(r->unavailable[0].reason == "its file is missing");
    CHECK(s.latest("vt132", "firmware")->id == t.v1);
    // Deleting the unavailable asset makes the release whole again.
    s.delete_asset("vt132", "firmware", t.v11_asset);
    CHECK(s.latest("vt132", "firmware")->id == t.v11);
  }

  TEST_CASE("a release directory holding assets but no release.json goes to quarantine") {
    TwoReleases t;
    fs::remove(t.v11_dir / "release.json");
    Store s(t.dir.path());
    REQUIRE(s.quarantine().moved().size() == 1);
    CHECK(slurp(quarantined(s, t, t.v11_asset_file)) == "two!");
    CHECK(s.latest("vt132", "firmware")->id == t.v1);
  }

  TEST_CASE("every leftover of the write protocol is still removed, and nothing else") {
    TwoReleases t;
    const fs::path releases = t.repo_dir / "releases";
    std::ofstream(t.store() / "tmp" / "upload-123") << "partial upload";
    fs::create_directories(t.store() / "tmp" / "deleted-7" / "assets");
    std::ofstream(t.store() / ".next_id.tmp12345") << "9";
    std::ofstream(t.v1_dir / ".release.json.tmp42") << "{";
    std::ofstream(t.v11_dir / "assets" / "999999") << "renamed in, never listed";
    fs::create_directories(releases / "888888" / "assets");              // create_release cut before release.json
    fs::create_directories(releases / "888889");                         // ... before assets/
    std::ofstream(releases / "888889" / ".release.json.tmp1") << "{";    // ... during release.json
    fs::create_directories(t.store() / "repos" / "777777" / "releases");  // a new repository cut before repo.json
    fs::create_directories(t.store() / "repos" / "777778");
    std::ofstream(t.store() / "repos" / "777778" / ".repo.json.tmp5") << "{";
    std::ofstream(t.v1_dir / "notes.txt") << "not ours: kept";
    Store s(t.dir.path());
    CHECK(s.quarantine().moved().empty());
    CHECK(fs::is_empty(t.store() / "tmp"));
    CHECK_FALSE(fs::exists(t.store() / ".next_id.tmp12345"));
    CHECK_FALSE(fs::exists(t.v1_dir / ".release.json.tmp42"));
    CHECK_FALSE(fs::exists(t.v11_dir / "assets" / "999999"));
    CHECK_FALSE(fs::exists(releases / "888888"));
    CHECK_FALSE(fs::exists(releases / "888889"));
    CHECK_FALSE(fs::exists(t.store() / "repos" / "777777"));
    CHECK_FALSE(fs::exists(t.store() / "repos" / "777778"));
    CHECK(fs::exists(t.v1_dir / "notes.txt"));
    CHECK(s.latest("vt132", "firmware")->id == t.v11);
    CHECK(s.releases("vt132", "firmware", true).size() == 2);
  }

  TEST_CASE("store files are 0600 and directories 0700; an old 0755 store is closed at start") {
    TwoReleases t;
    auto mode = [](const fs::path& p) {
      struct stat st {};
      REQUIRE(::stat(p.c_str(), &st) == 0);
      return st.st_mode & 0777;
    };
    for (const auto& e : fs::recursive_directory_iterator(t.store())) {
      CAPTURE(e.path());
      CHECK(mode(e.path()) == (e.is_directory() ? 0700u : 0600u));
    }
    CHECK(mode(t.dir.path() / "lock") == 0600u);
    ::chmod(t.store().c_str(), 0755);
    Store s(t.dir.path());
    CHECK(mode(t.store()) == 0700u);
  }

  TEST_CASE("a second store on the same data directory is refused, naming the holder's pid") {
    TempDir dir;
    Store first(dir.path());
    try {
      Store second(dir.path());
      FAIL("two stores share a data directory");
    } catch (const vt132::host::Error& e) {
      CHECK(std::string(e.what()).find("pid " + std::to_string(::getpid())) != std::string::npos);
    }
  }

  TEST_CASE("the lock goes with its holder: a later store opens the directory") {
    TempDir dir;
    { Store first(dir.path()); }
    Store again(dir.path());
    CHECK(again.repos().empty());
  }
}
