#pragma once
// What the pages show of a release that only changes when the release does: its notes as
// HTML and its trust facts (release_trust.hpp). Computed once per store generation
// (Store::generation) instead of on every view: rendering Markdown and checking a
// signature cost far more than the rest of a page.
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "release.hpp"
#include "release_trust.hpp"
#include "vt132/host/signing.hpp"

namespace vt132::server {

struct ReleaseView {
  std::string notes_html;
  ReleaseTrust trust;
};

class ReleaseViewCache {
 public:
  explicit ReleaseViewCache(std::vector<host::VerifyKey> trusted) : trusted_(std::move(trusted)) {}

  // `generation` must be read before `release` was taken from the store: a view computed
  // from a snapshot older than the current generation is then never kept for it.
  std::shared_ptr<const ReleaseView> get(const Release& release, uint64_t generation);
  bool checks_keys() const { return !trusted_.empty(); }

 private:
  static constexpr size_t kMaxEntries = 4096;
  const std::vector<host::VerifyKey> trusted_;
  std::mutex mutex_;
  uint64_t generation_ = 0;
  std::unordered_map<uint64_t, std::shared_ptr<const ReleaseView>> views_;  // by release id
};

}  // namespace vt132::server
