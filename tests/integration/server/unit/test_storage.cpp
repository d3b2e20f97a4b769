#include <doctest/doctest.h>

#include <sched.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <unistd.h>

#include <filesystem>
#include <functional>
#include <fstream>
#include <random>
#include <string>

#include "../../../support/host_test_files.hpp"
#include "names.hpp"
#include "storage.hpp"
#include "vt132/core/sha256.hpp"
#include "vt132/host/file_io.hpp"

using namespace vt132::server;
namespace fs = std::filesystem;
using vt132::test::TempDir;

namespace {

ReleaseFields fields(const std::string& tag, bool draft = false, bool prerelease = false) {
  ReleaseFields f;
  f.tag_name = tag;
  f.draft = draft;
  f.prerelease = prerelease;
  return f;
}

UploadResult upload(Store& s, uint64_t release, const std::string& name, const std::string& bytes,
                    const std::string& owner = "vt132", const std::string& repo = "firmware") {
  auto up = s.begin_upload();
  REQUIRE(up->write(bytes.data(), bytes.size()));
  return s.commit_upload(owner, repo, release, std::move(up), name, "", "application/octet-stream", "ci");
}

StoreError::Kind error_kind(const std::function<void()>& fn) {
  try {
    fn();
  } catch (const StoreError& e) {
    return e.kind();
  }
  FAIL("no StoreError");
  return StoreError::Invalid;
}

}  // namespace

TEST_SUITE("server_storage") {
  TEST_CASE("a published release with its asset survives a restart byte for byte") {
    TempDir dir;
    uint64_t id = 0;
    {
      Store s(dir.path());
      id = s.create_release("vt132", "firmware", fields("V1.0.0", true), "ci")->id;
      upload(s, id, "VT132.bin", "image bytes");
      s.update_release("vt132", "firmware", id, fields("V1.0.0", false));
    }
    Store again(dir.path());
    const ReleasePtr r = again.latest("vt132", "firmware");
    REQUIRE(r);
    CHECK(r->id == id);
    REQUIRE(r->assets.size() == 1);
    CHECK(std::string(r->assets[0].blob->data(), r->assets[0].blob->size()) == "image bytes");
    const std::string bytes = "image bytes";
    char hex[65];
    vt132::core::sha256_to_hex(
        vt132::core::Sha256::of(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()), hex);
    CHECK(r->assets[0].sha256 == hex);
    CHECK(r->published_at != 0);
  }

  TEST_CASE("uploading identical bytes again is a no-op; different bytes under the name are refused") {
    TempDir dir;
    Store s(dir.path());
    const uint64_t id = s.create_release("vt132", "firmware", fields("V1.0.0", true), "ci")->id;
    const UploadResult first = upload(s, id, "VT132.bin", "abc");
    CHECK(first.created);
    const UploadResult second = upload(s, id, "VT132.bin", "abc");
    CHECK_FALSE(second.created);
    CHECK(second.asset.id == first.asset.id);
    CHECK(error_kind([&] { upload(s, id, "VT132.bin", "abd"); }) == StoreError::AlreadyExists);
    CHECK(s.release_by_id("vt132", "firmware", id)->assets.size() == 1);
    // Deleting first frees the name for new bytes.
    s.delete_asset("vt132", "firmware", first.asset.id);
    CHECK(upload(s, id, "VT132.bin", "abd").created);
    // Nothing of the refused or replaced uploads stays in tmp/.
    CHECK(fs::is_empty(dir.path() / "store" / "tmp"));
  }

  TEST_CASE("duplicate tags are refused and unknown releases are not found") {
    TempDir dir;
    Store s(dir.path());
    s.create_release("vt132", "firmware", fields("V1.0.0"), "ci");
    CHECK(error_kind([&] { s.create_release("vt132", "firmware", fields("V1.0.0", true), "ci"); }) ==
          StoreError::AlreadyExists);
    CHECK(error_kind([&] { s.update_release("vt132", "firmware", 999, fields("V2.0.0")); }) == StoreError::NotFound);
    CHECK(error_kind([&] { s.create_release("vt132", "firmware", fields("../x"), "ci"); }) == StoreError::Invalid);
    CHECK(error_kind([&] {
            auto up = s.begin_upload();
            s.commit_upload("vt132", "firmware", 999, std::move(up), "a.bin", "", "x", "ci");
          }) == StoreError::NotFound);
  }

  TEST_CASE("latest: newest published stable release, unless another is made latest") {
    TempDir dir;
    Store s(dir.path());
    CHECK_FALSE(s.latest("vt132", "firmware"));
    const uint64_t v1 = s.create_release("vt132", "firmware", fields("V1.0.0"), "ci")->id;
    const uint64_t v2 = s.create_release("vt132", "firmware", fields("V2.0.0"), "ci")->id;
    s.create_release("vt132", "firmware", fields("V3.0.0-beta.1", false, true), "ci");
    s.create_release("vt132", "firmware", fields("V4.0.0", true), "ci");
    CHECK(s.latest("vt132", "firmware")->id == v2);
    ReleaseFields make_latest;
    make_latest.make_latest = MakeLatest::True;
    s.update_release("vt132", "firmware", v1, make_latest);
    CHECK(s.latest("vt132", "firmware")->id == v1);
    s.delete_release("vt132", "firmware", v1);
    CHECK(s.latest("vt132", "firmware")->id == v2);
    CHECK(s.releases("vt132", "firmware", false).size() == 2);
    CHECK(s.releases("vt132", "firmware", true).size() == 3);
    // Owner and repository names match case-insensitively, as on GitHub.
    CHECK(s.latest("VT132", "Firmware")->id == v2);
  }

  TEST_CASE("what a crash leaves behind is removed at start and never shown") {
    TempDir dir;
    uint64_t id = 0;
    fs::path release_dir;
    {
      Store s(dir.path());
      id = s.create_release("vt132", "firmware", fields("V1.0.0"), "ci")->id;
      upload(s, id, "VT132.bin", "complete");
    }
    for (const auto& e : fs::recursive_directory_iterator(dir.path() / "store" / "repos")) {
      if (e.path().filename() == "release.json") release_dir = e.path().parent_path();
    }
    REQUIRE(!release_dir.empty());
    // An upload cut mid-stream, an asset renamed into place whose release.json was never
    // rewritten, and a release directory whose release.json was never written.
    std::ofstream(dir.path() / "store" / "tmp" / "upload-123") << "partial";
    std::ofstream(release_dir / "assets" / "999999") << "orphan";
    const fs::path half_release = release_dir.parent_path() / "888888";
    fs::create_directories(half_release / "assets");
    {
      Store s(dir.path());
      const ReleasePtr r = s.release_by_id("vt132", "firmware", id);
      REQUIRE(r);
      CHECK(r->assets.size() == 1);
      CHECK(s.releases("vt132", "firmware", true).size() == 1);
      CHECK_FALSE(s.release_by_id("vt132", "firmware", 888888));
      // Ids stay unique after the restart.
      CHECK(s.create_release("vt132", "firmware", fields("V2.0.0"), "ci")->id > id);
    }
    CHECK(fs::is_empty(dir.path() / "store" / "tmp"));
    CHECK_FALSE(fs::exists(release_dir / "assets" / "999999"));
    CHECK_FALSE(fs::exists(half_release));
  }

  TEST_CASE("no name from a request becomes a path: every file is a fixed word or an id") {
    TempDir dir;
    {
      Store s(dir.path());
      const uint64_t id = s.create_release("Evil-Owner", "..dots..", fields("V1.0.0+evil", true), "ci")->id;
      upload(s, id, "VT132.bin", "x", "Evil-Owner", "..dots..");
      upload(s, id, "~weird+name.bin", "y", "Evil-Owner", "..dots..");
    }
    for (const auto& e : fs::recursive_directory_iterator(dir.path())) {
      const std::string name = e.path().filename().string();
      const bool fixed = name == "store" || name == "repos" || name == "tmp" || name == "releases" ||
                         name == "assets" || name == "repo.json" || name == "release.json" || name == "next_id" ||
                         name == "lock";
      CHECK_MESSAGE((fixed || parse_id(name).has_value()), e.path().string());
    }
  }

  TEST_CASE("a deleted asset stays readable for a download that already holds it") {
    TempDir dir;
    Store s(dir.path());
    const uint64_t id = s.create_release("vt132", "firmware", fields("V1.0.0"), "ci")->id;
    const UploadResult up = upload(s, id, "VT132.bin", "still here");
    const std::shared_ptr<const Blob> held = s.release_by_id("vt132", "firmware", id)->assets[0].blob;
    s.delete_asset("vt132", "firmware", up.asset.id);
    CHECK(std::string(held->data(), held->size()) == "still here");
    CHECK(s.release_by_id("vt132", "firmware", id)->assets.empty());
  }

  TEST_CASE("swap_assets renames staged assets over the old ones in one write, and survives a restart") {
    TempDir dir;
    uint64_t id = 0;
    uint64_t old_sig = 0;
    {
      Store s(dir.path());
      id = s.create_release("vt132", "firmware", fields("V1.0.0"), "ci")->id;
      upload(s, id, "m.json", "old manifest");
      old_sig = upload(s, id, "m.sig", "old sig").asset.id;
      const uint64_t new_m = upload(s, id, "m.json.renewing", "new manifest").asset.id;
      const uint64_t new_s = upload(s, id, "m.sig.renewing", "new sig").asset.id;
      const uint64_t g = s.generation();
      const ReleasePtr r = s.swap_assets("vt132", "firmware", id, {{new_m, "m.json"}, {new_s, "m.sig"}});
      CHECK(s.generation() == g + 1);  // one write: readers see both renames or neither
      REQUIRE(r->assets.size() == 2);
      CHECK(r->find_asset("m.json")->id == new_m);
      CHECK(r->find_asset("m.sig")->id == new_s);
    }
    Store s(dir.path());
    const ReleasePtr r = s.release_by_id("vt132", "firmware", id);
    REQUIRE(r->find_asset("m.json") != nullptr);
    CHECK(std::string(r->find_asset("m.json")->blob->data(), r->find_asset("m.json")->blob->size()) == "new manifest");
    CHECK(std::string(r->find_asset("m.sig")->blob->data(), r->find_asset("m.sig")->blob->size()) == "new sig");
    CHECK(r->find_asset(old_sig) == nullptr);
  }

  TEST_CASE("swap_assets refuses an asset of another release, a repeated name and an unknown release") {
    TempDir dir;
    Store s(dir.path());
    const uint64_t a = s.create_release("vt132", "firmware", fields("V1.0.0"), "ci")->id;
    const uint64_t b = s.create_release("vt132", "firmware", fields("V1.1.0"), "ci")->id;
    const uint64_t in_a = upload(s, a, "x.bin", "x").asset.id;
    const uint64_t in_b = upload(s, b, "y.bin", "y").asset.id;
    const uint64_t in_b2 = upload(s, b, "z.bin", "z").asset.id;
    CHECK(error_kind([&] { s.swap_assets("vt132", "firmware", b, {{in_a, "x.bin"}}); }) == StoreError::Invalid);
    CHECK(error_kind([&] { s.swap_assets("vt132", "firmware", b, {{in_b, "n"}, {in_b2, "n"}}); }) ==
          StoreError::Invalid);
    CHECK(error_kind([&] { s.swap_assets("vt132", "firmware", b, {{in_b, "../x"}}); }) == StoreError::Invalid);
    CHECK(error_kind([&] { s.swap_assets("vt132", "firmware", 999, {{in_b, "n"}}); }) == StoreError::NotFound);
    CHECK(s.release_by_id("vt132", "firmware", b)->find_asset("y.bin") != nullptr);
  }

  TEST_CASE("every write bumps the generation that response caches key on") {
    TempDir dir;
    Store s(dir.path());
    const uint64_t g0 = s.generation();
    const uint64_t id = s.create_release("vt132", "firmware", fields("V1.0.0", true), "ci")->id;
    const uint64_t g1 = s.generation();
    CHECK(g1 > g0);
    s.update_release("vt132", "firmware", id, fields("V1.0.0", false));
    CHECK(s.generation() > g1);
  }

  TEST_CASE("only ENOSPC and EDQUOT are a full disk") {
    CHECK(is_disk_full(ENOSPC));
    CHECK(is_disk_full(EDQUOT));
    for (int other : {EMFILE, ENFILE, EIO, EACCES, ENOMEM, EFBIG}) CHECK_FALSE(is_disk_full(other));
  }

  TEST_CASE("a full disk: begin_upload throws StoreError DiskFull, a write says disk_full()") {
    TempDir dir;
    Store s(dir.path());
    // A real full file system: tmpfs over tmp/ with room for one small file (CAP_SYS_ADMIN,
    // as CI has), in a mount namespace of this process's own.
    const fs::path tmp = dir.path() / "store" / "tmp";
    REQUIRE(::unshare(CLONE_NEWNS) == 0);
    REQUIRE(::mount("none", "/", nullptr, MS_REC | MS_PRIVATE, nullptr) == 0);
    REQUIRE(::mount("tmpfs", tmp.c_str(), "tmpfs", 0, "size=64k,nr_inodes=2") == 0);
    {
      std::unique_ptr<Upload> up = s.begin_upload();
      const std::string chunk(16 * 1024, 'x');
      bool written = true;
      for (int i = 0; i < 8 && written; ++i) written = up->write(chunk.data(), chunk.size());
      CHECK_FALSE(written);
      CHECK(up->disk_full());
      // No inode left for a second upload file.
      CHECK(error_kind([&] { s.begin_upload(); }) == StoreError::DiskFull);
    }
    ::umount2(tmp.c_str(), MNT_DETACH);
  }

  TEST_CASE("too many open files is not a full disk: begin_upload throws the FileError (EMFILE)") {
    TempDir dir;
    Store s(dir.path());
    rlimit old{};
    REQUIRE(::getrlimit(RLIMIT_NOFILE, &old) == 0);
    const int probe = ::dup(0);  // the lowest free descriptor: none above it may be opened
    REQUIRE(probe >= 0);
    ::close(probe);
    rlimit low = old;
    low.rlim_cur = static_cast<rlim_t>(probe);
    REQUIRE(::setrlimit(RLIMIT_NOFILE, &low) == 0);
    int code = 0;
    try {
      s.begin_upload();
    } catch (const vt132::host::FileError& e) {
      code = e.code();
    } catch (const StoreError&) {
      code = -1;
    }
    ::setrlimit(RLIMIT_NOFILE, &old);
    CHECK(code == EMFILE);
  }
}
