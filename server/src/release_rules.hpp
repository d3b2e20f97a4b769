#pragma once
// GitHub's release rules as pure functions (no clock, no disk): which fields a client may
// set, what an edit does to publication and `make_latest`, and which release is `latest`.
#include <cstdint>
#include <vector>

#include "release.hpp"

namespace vt132::server {

// StoreError(Invalid) naming the first field a client may not set to its value.
void check_fields(const ReleaseFields& fields);

// Applies `fields` to `release` as GitHub does. `now` stamps a publication; a release made
// latest (make_latest "true", or unset while being published) takes `next_latest_seq`,
// which is then incremented; "false" and "legacy" take the mark away.
void apply_fields(Release& release, const ReleaseFields& fields, int64_t now, uint64_t& next_latest_seq);

// What /releases/latest answers: among published, non-prerelease releases whose every asset
// can be served, the highest (latest_seq, published_at, id); null when there is none.
ReleasePtr select_latest(const std::vector<ReleasePtr>& releases);

}  // namespace vt132::server
