// release_import and the inbox protocol on a real store in a temporary data directory: what
// `vt132-ota-server add` relies on when it is interrupted or handed a damaged directory.
#include <doctest/doctest.h>

#include <filesystem>
#include <string>

#include "../../../support/host_test_files.hpp"
#include "inbox.hpp"
#include "release_import.hpp"
#include "storage.hpp"
#include "vt132/host/file_io.hpp"
#include "vt132/host/image_builder.hpp"
#include "vt132/host/release_writer.hpp"

using namespace vt132::server;
namespace fs = std::filesystem;
using vt132::test::TempDir;

namespace {

constexpr const char* kRepo = "thehighnibble/vt132";

// A release directory as `add` queues it: create_release of a fresh V1.1.0 image.
fs::path make_release_dir(const fs::path& at) {
  fs::create_directories(at / "data");  // the store's data directory, as the server makes it
  vt132::host::ImageSpec spec;
  spec.version = "V1.1.0";
  const auto image = vt132::host::build_image(spec);
  vt132::host::write_file_atomic(at / "VT132.bin", image.data(), image.size());
  vt132::host::ReleaseRequest r;
  r.image = at / "VT132.bin";
  r.tag = "V1.1.0";
  r.repo = kRepo;
  r.out = at / "release";
  vt132::host::create_release(r);
  return r.out;
}

}  // namespace

TEST_SUITE("server_release_import") {
  TEST_CASE("an asset that differs from release.json is refused before anything is stored") {
    TempDir tmp;
    const fs::path dir = make_release_dir(tmp.path());
    vt132::host::write_file_atomic(dir / "SHA256SUMS", std::string("tampered\n"));
    Store store(tmp.path() / "data");
    try {
      import_release_dir(store, dir, "");
      FAIL("a tampered asset was imported");
    } catch (const vt132::host::Error& e) {
      CHECK(std::string(e.what()).find("SHA256SUMS is not the file release.json describes") != std::string::npos);
    }
    CHECK(store.releases("thehighnibble", "vt132", true).empty());
  }

  TEST_CASE("importing again after an interruption finishes the release in the draft it began") {
    TempDir tmp;
    const fs::path dir = make_release_dir(tmp.path());
    Store store(tmp.path() / "data");
    // What a crash after the image's upload leaves: our draft with one of the files.
    ReleaseFields draft;
    draft.tag_name = "V1.1.0";
    draft.draft = true;
    const ReleasePtr begun = store.create_release("thehighnibble", "vt132", draft, kImportAuthor);
    const auto image = vt132::host::read_file(dir / "VT132.bin", 1u << 22);
    auto up = store.begin_upload();
    REQUIRE(up->write(reinterpret_cast<const char*>(image.data()), image.size()));
    store.commit_upload("thehighnibble", "vt132", begun->id, std::move(up), "VT132.bin", "", "application/octet-stream",
                        kImportAuthor);

    const ImportOutcome outcome = import_release_dir(store, dir, "");
    CHECK(outcome.release->id == begun->id);
    CHECK_FALSE(outcome.release->draft);
    CHECK(outcome.release->assets.size() == 3);  // image, manifest, SHA256SUMS (unsigned: no .sig)
    CHECK(store.latest("thehighnibble", "vt132")->id == begun->id);
    // And once more: already there, nothing changes.
    CHECK(import_release_dir(store, dir, "").already_published);
    CHECK(store.releases("thehighnibble", "vt132", true).size() == 1);
  }

  TEST_CASE("drain_inbox: each entry gets a result and goes; one whose result exists is only removed") {
    TempDir tmp;
    const fs::path data = tmp.path() / "data";
    fs::create_directories(data);
    Store store(data);
    vt132::host::make_directories(inbox_dir(data), 0700);
    const fs::path good = inbox_dir(data) / "add-1-1";
    fs::rename(make_release_dir(tmp.path()), good);
    const fs::path bad = inbox_dir(data) / "add-2-1";
    fs::create_directory(bad);  // no release.json
    const fs::path done = inbox_dir(data) / "add-3-1";
    fs::create_directory(done);
    vt132::host::write_file_atomic(result_path(done), std::string("{\"ok\":false,\"message\":\"earlier\"}"));

    drain_inbox(store, data, InboxContext{"", InstallTarget{}});
    const auto good_result = read_result(good);
    REQUIRE(good_result);
    CHECK(good_result->ok);
    CHECK(good_result->repo == kRepo);
    CHECK(good_result->tag == "V1.1.0");
    CHECK_FALSE(good_result->install_lines.empty());
    const auto bad_result = read_result(bad);
    REQUIRE(bad_result);
    CHECK_FALSE(bad_result->ok);
    CHECK(bad_result->message.find("release.json") != std::string::npos);
    CHECK(read_result(done)->message == "earlier");
    for (const fs::path& entry : {good, bad, done}) CHECK_FALSE(fs::exists(entry));
  }
}
