// GitHub's release rules, as tables: no store, no disk, no clock.
#include <doctest/doctest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "release_rules.hpp"
#include "store_errors.hpp"

using namespace vt132::server;

namespace {

ReleasePtr release(uint64_t id, uint64_t latest_seq, int64_t created_at, const char* tag = "V1.0.0", bool draft = false,
                   bool prerelease = false, bool whole = true) {
  auto r = std::make_shared<Release>();
  r->id = id;
  r->tag_name = tag;
  r->latest_seq = latest_seq;
  r->created_at = created_at;
  r->published_at = draft ? 0 : created_at;
  r->draft = draft;
  r->prerelease = prerelease;
  if (!whole) r->unavailable.push_back(UnavailableAsset{Asset{}, "its file is missing"});
  return r;
}

// One step of a sequence: what a client asks for through create, edit or delete.
struct Op {
  enum Kind { Create, Edit, Delete } kind;
  std::string tag;
  int64_t created_at = 0;  // Create only
  ReleaseFields fields;
};

ReleaseFields fields(std::optional<bool> draft, std::optional<bool> prerelease, MakeLatest make_latest) {
  ReleaseFields f;
  f.draft = draft;
  f.prerelease = prerelease;
  f.make_latest = make_latest;
  return f;
}

Op create(const char* tag, int64_t at, MakeLatest m = MakeLatest::Unset) {
  return {Op::Create, tag, at, fields(false, false, m)};
}
Op create_draft(const char* tag, int64_t at) { return {Op::Create, tag, at, fields(true, false, MakeLatest::Unset)}; }
Op create_prerelease(const char* tag, int64_t at, MakeLatest m = MakeLatest::Unset) {
  return {Op::Create, tag, at, fields(false, true, m)};
}
Op edit(const char* tag, MakeLatest m) { return {Op::Edit, tag, 0, fields(std::nullopt, std::nullopt, m)}; }
Op edit(const char* tag, std::optional<bool> draft, std::optional<bool> prerelease,
        MakeLatest m = MakeLatest::Unset) {
  return {Op::Edit, tag, 0, fields(draft, prerelease, m)};
}
Op delete_release(const char* tag) { return {Op::Delete, tag, 0, {}}; }

// A repository driven as the store drives it: apply_fields, then settle_latest's changes.
class Repository {
 public:
  explicit Repository(std::vector<ReleasePtr> releases = {}, uint64_t next_seq = 1)
      : releases_(std::move(releases)), next_seq_(next_seq) {
    for (const ReleasePtr& r : releases_) next_id_ = std::max(next_id_, r->id + 1);
  }

  void run(const Op& op) {
    const ReleasePtr old = by_tag(op.tag);
    if (op.kind == Op::Create) {
      REQUIRE(!old);
      Release r;
      r.id = next_id_++;
      r.tag_name = op.tag;
      r.created_at = op.created_at;
      r.draft = true;  // as the store does, so that apply_fields sees a publication
      settle(r, op.fields, op.created_at);
      return;
    }
    REQUIRE(old);
    if (op.kind == Op::Edit) {
      Release r = *old;
      settle(r, op.fields, 1000);
      return;
    }
    const auto changes = settle_latest(releases_, nullptr, old->id, MakeLatest::Unset, false, next_seq_);
    releases_.erase(std::find(releases_.begin(), releases_.end(), old));
    apply(changes);
  }

  std::string latest() const {
    const ReleasePtr r = select_latest(releases_);
    return r ? r->tag_name : "";
  }
  size_t marked() const {
    return static_cast<size_t>(
        std::count_if(releases_.begin(), releases_.end(), [](const ReleasePtr& r) { return r->latest_seq != 0; }));
  }

 private:
  ReleasePtr by_tag(const std::string& tag) const {
    for (const ReleasePtr& r : releases_) {
      if (r->tag_name == tag) return r;
    }
    return nullptr;
  }

  void settle(Release& r, const ReleaseFields& f, int64_t now) {
    const bool published = apply_fields(r, f, now);
    auto subject = std::make_shared<const Release>(r);
    const auto changes = settle_latest(releases_, subject, r.id, f.make_latest, published, next_seq_);
    replace(subject);
    apply(changes);
  }

  void replace(const ReleasePtr& r) {
    for (ReleasePtr& x : releases_) {
      if (x->id == r->id) {
        x = r;
        return;
      }
    }
    releases_.push_back(r);
  }

  void apply(const std::vector<LatestSeqChange>& changes) {
    for (const LatestSeqChange& c : changes) {
      for (const ReleasePtr& x : releases_) {
        if (x->id != c.release_id) continue;
        auto copy = std::make_shared<Release>(*x);
        copy->latest_seq = c.latest_seq;
        replace(copy);
        break;
      }
    }
  }

  std::vector<ReleasePtr> releases_;
  uint64_t next_id_ = 1;
  uint64_t next_seq_ = 1;
};

}  // namespace

TEST_SUITE("server_release_rules") {
  TEST_CASE("latest after create / edit / delete sequences follows GitHub's make_latest rules") {
    using M = MakeLatest;
    struct Row {
      const char* what;
      std::vector<Op> ops;
      const char* latest;  // "": none
    };
    const std::vector<Row> table = {
        {"no release: none", {}, ""},
        {"a new publication is latest by default (make_latest defaults to true)",
         {create("V1.0.0", 10), create("V0.9.1", 10)}, "V0.9.1"},
        {"make_latest=false on create keeps the previous latest",
         {create("V1.0.0", 10), create("V2.0.0", 20, M::False)}, "V1.0.0"},
        {"make_latest=false on create keeps a latest chosen by the legacy rule",
         {create("V1.0.0", 10, M::Legacy), create("V2.0.0", 20, M::False)}, "V1.0.0"},
        {"make_latest=false on the only release: it is still latest, nothing else can be",
         {create("V1.0.0", 10, M::False)}, "V1.0.0"},
        {"delete the latest: the newest remaining release takes over, not one marked long ago",
         {create("V0.9.0", 10), create("V1.0.0", 20), edit("V0.9.0", M::True), create("V1.1.0", 30),
          delete_release("V1.1.0")},
         "V1.0.0"},
        {"delete the latest: drafts and prereleases are passed over",
         {create("V1.0.0", 10), create_prerelease("V1.2.0-rc.1", 20), create_draft("V1.3.0", 25),
          create("V1.1.0", 30), delete_release("V1.1.0")},
         "V1.0.0"},
        {"delete the latest: no release left that can be latest gives none",
         {create_prerelease("V2.0.0-rc.1", 10), create("V1.0.0", 20), delete_release("V1.0.0")}, ""},
        {"delete a release that is not latest: the latest stays",
         {create("V1.0.0", 10), create("V2.0.0", 20), edit("V1.0.0", M::True), delete_release("V2.0.0")}, "V1.0.0"},
        {"delete the release pinned by make_latest=false: the newest remaining takes over",
         {create("V1.0.0", 10), create("V2.0.0", 20, M::False), delete_release("V1.0.0")}, "V2.0.0"},
        {"a prerelease is never latest, even with make_latest=true",
         {create("V1.0.0", 10), create_prerelease("V2.0.0-beta.1", 20, M::True)}, "V1.0.0"},
        {"a draft is never latest, even with make_latest=true",
         {create("V1.0.0", 10), create_draft("V2.0.0", 20), edit("V2.0.0", M::True)}, "V1.0.0"},
        {"only a draft and a prerelease: none", {create_draft("V1.0.0", 10), create_prerelease("V2.0.0-rc.1", 20)}, ""},
        {"publishing a draft makes it latest, though created before a newer release",
         {create_draft("V1.1.0", 10), create("V1.0.0", 20), edit("V1.1.0", false, std::nullopt)}, "V1.1.0"},
        {"publishing a draft with make_latest=false keeps the previous latest",
         {create_draft("V1.1.0", 10), create("V1.0.0", 20), edit("V1.1.0", false, std::nullopt, M::False)},
         "V1.0.0"},
        {"editing an older release with make_latest=true makes it latest",
         {create("V1.0.0", 10), create("V2.0.0", 20), edit("V1.0.0", M::True)}, "V1.0.0"},
        {"an edit without make_latest leaves the latest where it is",
         {create("V1.0.0", 10), create("V2.0.0", 20), edit("V1.0.0", M::True), edit("V2.0.0", false, false)},
         "V1.0.0"},
        {"make_latest=false on the latest itself: the newest other release takes over",
         {create("V1.0.0", 10), create("V2.0.0", 20), create("V3.0.0", 30), edit("V3.0.0", M::False)}, "V2.0.0"},
        {"turning the latest into a prerelease: the newest remaining takes over",
         {create("V1.0.0", 10), create("V2.0.0", 20), edit("V2.0.0", std::nullopt, true)}, "V1.0.0"},
        {"turning the latest back into a draft: the newest remaining takes over",
         {create("V1.0.0", 10), create("V2.0.0", 20), edit("V2.0.0", true, std::nullopt)}, "V1.0.0"},
        {"a prerelease made a full release is not newly published: the latest stays",
         {create("V1.0.0", 10), create_prerelease("V2.0.0", 20), edit("V2.0.0", std::nullopt, false)}, "V1.0.0"},
        {"a prerelease made a full release with make_latest=true becomes latest",
         {create("V1.0.0", 10), create_prerelease("V2.0.0", 20), edit("V2.0.0", std::nullopt, false, M::True)},
         "V2.0.0"},
        {"legacy on create: the newest creation date wins, the explicit mark is gone",
         {create("V1.0.0", 10), create("V2.0.0", 30), edit("V1.0.0", M::True), create("V1.5.0", 20, M::Legacy)},
         "V2.0.0"},
        {"legacy on edit: the newest creation date wins",
         {create("V1.0.0", 10), create("V2.0.0", 20), edit("V1.0.0", M::True), edit("V1.0.0", M::Legacy)}, "V2.0.0"},
        {"legacy: same creation date, the higher semantic version (1.10 above 1.9)",
         {create("V1.10.0", 10), create("V1.9.0", 10, M::Legacy)}, "V1.10.0"},
        {"legacy: same creation date, a version above a tag that is not one",
         {create("V1.0.0", 10), create("nightly", 10, M::Legacy)}, "V1.0.0"},
        {"legacy: a later creation date wins over a higher version",
         {create("V2.0.0", 10), create("V1.0.1", 20, M::Legacy)}, "V1.0.1"},
    };
    for (const Row& row : table) {
      CAPTURE(row.what);
      Repository repo;
      for (const Op& op : row.ops) repo.run(op);
      CHECK(repo.latest() == row.latest);
      CHECK(repo.marked() <= 1);
    }
  }

  TEST_CASE("a store written before (several releases marked) keeps its answer; its first write leaves one mark") {
    // Before, every publication and make_latest=true took a new mark and none was cleared.
    Repository repo({release(1, 1, 10, "V1.0.0"), release(2, 3, 5, "V0.9.0"), release(3, 4, 20, "V1.1.0")}, 5);
    CHECK(repo.latest() == "V1.1.0");
    repo.run(delete_release("V1.1.0"));
    CHECK(repo.latest() == "V1.0.0");  // not V0.9.0, marked long ago
    CHECK(repo.marked() == 0);
  }

  TEST_CASE("select_latest: published, stable, whole; the marked one, else the newest created, then version") {
    struct Row {
      const char* what;
      std::vector<ReleasePtr> releases;
      uint64_t expected;  // 0: none
    };
    const std::vector<Row> table = {
        {"no releases", {}, 0},
        {"only a draft", {release(1, 1, 0, "V1.0.0", true)}, 0},
        {"only a prerelease", {release(1, 1, 10, "V1.0.0", false, true)}, 0},
        {"a marked release wins over a newer one", {release(1, 2, 10), release(2, 0, 20)}, 1},
        {"several marks (an older store): the highest", {release(1, 3, 10), release(2, 2, 20), release(3, 1, 30)}, 1},
        {"no mark: the newest created", {release(1, 0, 20), release(2, 0, 10)}, 1},
        {"no mark, same creation: the higher version", {release(1, 0, 10, "V1.10.0"), release(2, 0, 10, "V1.9.0")}, 1},
        {"no mark, same creation and version: the higher id", {release(1, 0, 10), release(2, 0, 10)}, 2},
        {"a draft with a mark is passed over", {release(1, 0, 10), release(2, 5, 0, "V2.0.0", true)}, 1},
        {"an incomplete release is never latest: the newest good one is",
         {release(1, 0, 10), release(2, 2, 20, "V2.0.0", false, false, false)}, 1},
        {"only incomplete releases: none", {release(1, 1, 10, "V1.0.0", false, false, false)}, 0},
    };
    for (const Row& row : table) {
      CAPTURE(row.what);
      const ReleasePtr got = select_latest(row.releases);
      CHECK((got ? got->id : 0) == row.expected);
    }
  }

  TEST_CASE("apply_fields: publication time, and whether this edit published the release") {
    struct Row {
      const char* what;
      bool draft_before;
      std::optional<bool> draft;
      bool draft_after;
      int64_t published_after;  // with now = 500, and 100 when it was published before
      bool published_now;
    };
    const std::vector<Row> table = {
        {"publishing a draft stamps it", true, false, false, 500, true},
        {"an edit of a published release keeps its date", false, std::nullopt, false, 100, false},
        {"back to draft clears the publication date", false, true, true, 0, false},
        {"a draft stays unpublished", true, std::nullopt, true, 0, false},
    };
    for (const Row& row : table) {
      CAPTURE(row.what);
      Release r;
      r.draft = row.draft_before;
      r.published_at = row.draft_before ? 0 : 100;
      r.latest_seq = 3;
      ReleaseFields f;
      f.draft = row.draft;
      f.make_latest = MakeLatest::True;
      CHECK(apply_fields(r, f, 500) == row.published_now);
      CHECK(r.draft == row.draft_after);
      CHECK(r.published_at == row.published_after);
      CHECK(r.latest_seq == 3);  // marks are settle_latest's
    }
  }

  TEST_CASE("check_fields refuses what a client may not set, naming the field") {
    struct Row {
      const char* what;
      ReleaseFields fields;
      const char* field;  // nullptr: accepted
    };
    auto with = [](auto member, std::string value) {
      ReleaseFields f;
      f.*member = std::move(value);
      return f;
    };
    const std::vector<Row> table = {
        {"a plain tag", with(&ReleaseFields::tag_name, "V1.0.0"), nullptr},
        {"a tag with a slash", with(&ReleaseFields::tag_name, "a/b"), "tag_name"},
        {"a tag with ..", with(&ReleaseFields::tag_name, "V1..0"), "tag_name"},
        {"a name with a control character", with(&ReleaseFields::name, "a\x01"), "name"},
        {"a multi-line body", with(&ReleaseFields::body, "line 1\nline 2"), nullptr},
        {"a body of invalid UTF-8", with(&ReleaseFields::body, "\xff"), "body"},
        {"a target_commitish with a newline", with(&ReleaseFields::target_commitish, "a\nb"), "target_commitish"},
    };
    for (const Row& row : table) {
      CAPTURE(row.what);
      std::string field;
      try {
        check_fields(row.fields);
      } catch (const StoreError& e) {
        CHECK(e.kind() == StoreError::Invalid);
        field = e.field();
      }
      CHECK(field == (row.field == nullptr ? "" : row.field));
    }
  }
}
