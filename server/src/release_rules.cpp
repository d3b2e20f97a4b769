#include "release_rules.hpp"

#include <algorithm>

#include "names.hpp"
#include "store_errors.hpp"
#include "vt132/core/version.hpp"

namespace vt132::server {

namespace {

// "Drafts and prereleases cannot be set as latest."
bool can_be_latest(const Release& r) { return !r.draft && !r.prerelease; }

// What /releases/latest may answer: also every asset servable (ours: a device must be able
// to download what it is told is latest).
bool servable_as_latest(const Release& r) { return can_be_latest(r) && r.whole(); }

// The explicitly set latest: the highest mark among releases that can be latest.
ReleasePtr marked(const std::vector<ReleasePtr>& releases, bool servable_only) {
  ReleasePtr best;
  for (const ReleasePtr& r : releases) {
    if (r->latest_seq == 0 || !(servable_only ? servable_as_latest(*r) : can_be_latest(*r))) continue;
    if (!best || r->latest_seq > best->latest_seq) best = r;
  }
  return best;
}

// Semver precedence of two tags. Docs silent on tags that are not versions: we rank them
// below every version and equal among themselves, so the release id decides.
int compare_tags(const std::string& a, const std::string& b) {
  core::Version va;
  core::Version vb;
  const bool a_ok = core::parse_version(a, va) == core::VersionError::Ok;
  const bool b_ok = core::parse_version(b, vb) == core::VersionError::Ok;
  if (a_ok && b_ok) return core::compare_versions(va, vb);
  return static_cast<int>(a_ok) - static_cast<int>(b_ok);
}

// GitHub's legacy order: "the release creation date and higher semantic version", i.e. the
// later created_at, then the higher version. We have no commit, so created_at is when the
// release was created here (GitHub: "the date of the commit used for the release"). The id
// (creation order) breaks what is still tied, so the answer never depends on list order.
bool legacy_newer(const Release& a, const Release& b) {
  if (a.created_at != b.created_at) return a.created_at > b.created_at;
  const int by_version = compare_tags(a.tag_name, b.tag_name);
  if (by_version != 0) return by_version > 0;
  return a.id > b.id;
}

// The legacy rule's latest among servable releases other than `excluded` (0: none excluded).
ReleasePtr legacy_latest(const std::vector<ReleasePtr>& releases, uint64_t excluded) {
  ReleasePtr best;
  for (const ReleasePtr& r : releases) {
    if (r->id == excluded || !servable_as_latest(*r)) continue;
    if (!best || legacy_newer(*r, *best)) best = r;
  }
  return best;
}

ReleasePtr find(const std::vector<ReleasePtr>& releases, uint64_t id) {
  for (const ReleasePtr& r : releases) {
    if (r->id == id) return r;
  }
  return nullptr;
}

// Who holds the mark after the operation (0: nobody, the legacy rule decides).
uint64_t latest_holder_after(const std::vector<ReleasePtr>& before, const std::vector<ReleasePtr>& after,
                             uint64_t subject, MakeLatest make_latest, bool published_now) {
  const ReleasePtr held = marked(before, false);
  const uint64_t held_id = held ? held->id : 0;
  const ReleasePtr s = find(after, subject);
  // Deleted, or now a draft or a prerelease ("Drafts and prereleases cannot be set as
  // latest"): it loses the mark, and with no mark GET /releases/latest's rule picks the most
  // recent remaining release. Docs silent on deletion: a mark belongs to one release and goes
  // with it, so a deleted latest hands over to the newest release left, never back to one
  // that was marked some time before it.
  if (!s || !can_be_latest(*s)) return held_id == subject ? 0 : held_id;
  switch (make_latest) {
    case MakeLatest::True:
      return subject;
    case MakeLatest::Unset:
      // "Defaults to true for newly published releases"; any other edit leaves the mark.
      // Turning a published prerelease into a full release is not a new publication, so it
      // leaves the mark where it was (our reading of "newly published").
      return published_now ? subject : held_id;
    case MakeLatest::Legacy:
      // "legacy specifies that the latest release should be determined based on the release
      // creation date and higher semantic version": no explicit mark.
      return 0;
    case MakeLatest::False:
      break;
  }
  // "false": this release is not set as latest, so what was latest stays latest (pinned, so
  // that the legacy rule cannot pick this newer release instead). When this release itself
  // was latest, docs are silent: the legacy rule's choice among the others takes over; when
  // there is no other, nothing is marked and the legacy rule still answers with this one,
  // since a repository with a published release always has a latest.
  const ReleasePtr shown = select_latest(before);
  if (shown && shown->id != subject) return shown->id;
  const ReleasePtr next = legacy_latest(after, subject);
  return next ? next->id : 0;
}

// The changes that leave `holder` (0: nobody) the only marked release, gain first.
std::vector<LatestSeqChange> latest_seq_changes(const std::vector<ReleasePtr>& releases, uint64_t holder,
                                                uint64_t& next_seq) {
  uint64_t top = 0;
  for (const ReleasePtr& r : releases) top = std::max(top, r->latest_seq);
  std::vector<LatestSeqChange> out;
  const ReleasePtr h = find(releases, holder);
  if (h && (h->latest_seq == 0 || h->latest_seq != top)) out.push_back({h->id, next_seq++});
  for (const ReleasePtr& r : releases) {
    if (r->id != holder && r->latest_seq != 0) out.push_back({r->id, 0});
  }
  return out;
}

}  // namespace

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

bool apply_fields(Release& r, const ReleaseFields& f, int64_t now) {
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
  r.updated_at = now;
  return was_draft && !r.draft;
}

ReleasePtr select_latest(const std::vector<ReleasePtr>& releases) {
  // An explicit mark ("set as the latest release") wins; without one, GET /releases/latest's
  // documented rule: "the most recent non-prerelease, non-draft release, sorted by the
  // created_at attribute" (legacy: with the higher semantic version breaking ties).
  if (ReleasePtr m = marked(releases, true)) return m;
  return legacy_latest(releases, 0);
}

std::vector<LatestSeqChange> settle_latest(const std::vector<ReleasePtr>& before, const ReleasePtr& subject,
                                           uint64_t subject_id, MakeLatest make_latest, bool published_now,
                                           uint64_t& next_seq) {
  std::vector<ReleasePtr> after;
  for (const ReleasePtr& r : before) {
    if (r->id != subject_id) after.push_back(r);
  }
  if (subject) after.push_back(subject);
  const uint64_t holder = latest_holder_after(before, after, subject_id, make_latest, published_now);
  return latest_seq_changes(after, holder, next_seq);
}

}  // namespace vt132::server
