#include "release_rules.hpp"

#include <tuple>

#include "names.hpp"
#include "store_errors.hpp"

namespace vt132::server {

void check_fields(const ReleaseFields& f) {
  if (f.tag_name && !valid_tag(*f.tag_name)) {
    throw StoreError(StoreError::Invalid, "Release", "tag_name",
                     "tag_name is not a valid tag name (letters, digits, '.', '-', '_', '+'; at most 100)");
  }
  if (f.target_commitish && !valid_text(*f.target_commitish, 255, false)) {
    throw StoreError(StoreError::Invalid, "Release", "target_commitish", "target_commitish is invalid");
  }
  if (f.name && !valid_text(*f.name, kMaxReleaseNameLength, false)) {
    throw StoreError(StoreError::Invalid, "Release", "name", "name is too long or has control characters");
  }
  if (f.body && !valid_text(*f.body, kMaxReleaseBodyLength, true)) {
    throw StoreError(StoreError::Invalid, "Release", "body", "body is too long or not valid UTF-8 text");
  }
}

void apply_fields(Release& r, const ReleaseFields& f, int64_t now, uint64_t& next_latest_seq) {
  if (f.tag_name) r.tag_name = *f.tag_name;
  if (f.target_commitish) r.target_commitish = *f.target_commitish;
  if (f.name) r.name = *f.name;
  if (f.body) r.body = *f.body;
  if (f.prerelease) r.prerelease = *f.prerelease;
  const bool was_draft = r.draft;
  if (f.draft) r.draft = *f.draft;
  if (was_draft && !r.draft) r.published_at = now;
  if (!r.draft && r.published_at == 0) r.published_at = now;
  if (r.draft) r.published_at = 0;
  // GitHub: make_latest defaults to true, applied when a release is published.
  const bool publishing = was_draft && !r.draft;
  if (f.make_latest == MakeLatest::True || (f.make_latest == MakeLatest::Unset && publishing)) {
    r.latest_seq = next_latest_seq++;
  } else if (f.make_latest == MakeLatest::False || f.make_latest == MakeLatest::Legacy) {
    r.latest_seq = 0;
  }
}

ReleasePtr select_latest(const std::vector<ReleasePtr>& releases) {
  ReleasePtr best;
  for (const ReleasePtr& r : releases) {
    if (r->draft || r->prerelease || !r->whole()) continue;
    if (!best || std::tie(r->latest_seq, r->published_at, r->id) >
                     std::tie(best->latest_seq, best->published_at, best->id)) {
      best = r;
    }
  }
  return best;
}

}  // namespace vt132::server
