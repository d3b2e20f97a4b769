#pragma once
// GitHub's release rules as pure functions (no clock, no disk): which fields a client may
// set, what an edit does to publication, and which release is `latest`.
//
// Latest, as GitHub documents it (REST API 2022-11-28):
// - GET /releases/latest: "the most recent non-prerelease, non-draft release, sorted by the
//   created_at attribute".
// - make_latest on create and edit: "Specifies whether this release should be set as the
//   latest release for the repository. Drafts and prereleases cannot be set as latest.
//   Defaults to true for newly published releases. legacy specifies that the latest release
//   should be determined based on the release creation date and higher semantic version."
// So a repository has at most one release explicitly set as latest (the mark: the release
// with a non-zero latest_seq; the highest wins if a crash or an older store left several),
// and without a mark the legacy rule decides: the newest created_at, then the higher
// semantic version of the tag.
#include <cstdint>
#include <vector>

#include "release.hpp"

namespace vt132::server {

// StoreError(Invalid) naming the first field a client may not set to its value.
void check_fields(const ReleaseFields& fields);

// Applies `fields` to `release` (not make_latest: see settle_latest). `now` stamps a
// publication. True when this published the release (it was a draft and is not any more).
bool apply_fields(Release& release, const ReleaseFields& fields, int64_t now);

// What /releases/latest answers: among published, non-prerelease releases whose every asset
// can be served, the marked one (highest latest_seq), else the legacy rule; null when none.
ReleasePtr select_latest(const std::vector<ReleasePtr>& releases);

struct LatestSeqChange {
  uint64_t release_id;
  uint64_t latest_seq;
};

// What a create, edit or delete does to the latest marks, per make_latest. `before`: the
// repository's releases before it; `subject`: the release created or edited as it will be
// stored (null: release `subject_id` was deleted); `make_latest` and `published_now` as the
// request and apply_fields gave them (Unset and false for a delete). Returns the latest_seq
// changes that leave at most one release marked: first the release that gains the mark (a
// new one from `next_seq`, unless it already holds the highest), then the marks cleared.
// Stored in that order, a crash part-way leaves the new mark the highest, so the intended
// release is latest; the first write after an older store (with several marks) clears them.
std::vector<LatestSeqChange> settle_latest(const std::vector<ReleasePtr>& before, const ReleasePtr& subject,
                                           uint64_t subject_id, MakeLatest make_latest, bool published_now,
                                           uint64_t& next_seq);

}  // namespace vt132::server
