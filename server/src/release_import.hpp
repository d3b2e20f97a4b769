#pragma once
// Puts a release directory made by `vt132-release create` (release.json, the image, its
// manifest and signature, SHA256SUMS; see vt132/host/release_writer.hpp) into the store, as
// `vt132-release publish` does over the API: a draft, each asset, then publication (and, for
// a non-prerelease, the latest mark). Every asset is checked against release.json's size and
// digest before anything is stored. Running it again after an interruption finishes the job:
// its own draft of the tag is reused (or replaced when it holds other bytes), and a published
// release of the tag with the same image is "already published", not an error.
#include <filesystem>
#include <string>

#include "storage.hpp"

namespace vt132::server {

// The author and uploader recorded for what it stores (shown as the release's author).
constexpr const char* kImportAuthor = "vt132-ota-server-add";
// At most this many assets in one directory, each at most kMaxImportAssetBytes.
constexpr size_t kMaxImportAssets = 16;
constexpr uint64_t kMaxImportAssetBytes = 20u << 20;

struct ImportOutcome {
  std::string repo;  // OWNER/NAME it went to
  ReleasePtr release;
  bool already_published = false;  // the tag was published with this image before; nothing changed
};

// `default_repo` (the server's --repo) is used when release.json names no repository.
// host::Error with a message for the person who ran `add` when the directory is not a
// complete release, no repository is known, or the tag belongs to another release; what the
// store refuses (a full disk) arrives the same way.
ImportOutcome import_release_dir(Store& store, const std::filesystem::path& dir, const std::string& default_repo);

}  // namespace vt132::server
