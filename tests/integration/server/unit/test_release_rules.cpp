// GitHub's release rules, as tables: no store, no disk, no clock.
#include <doctest/doctest.h>

#include <vector>

#include "release_rules.hpp"
#include "store_errors.hpp"

using namespace vt132::server;

namespace {

ReleasePtr release(uint64_t id, uint64_t latest_seq, int64_t published_at, bool draft = false, bool prerelease = false,
                   bool whole = true) {
  auto r = std::make_shared<Release>();
  r->id = id;
  r->latest_seq = latest_seq;
  r->published_at = published_at;
  r->draft = draft;
  r->prerelease = prerelease;
  if (!whole) r->unavailable.push_back(UnavailableAsset{Asset{}, "its file is missing"});
  return r;
}

}  // namespace

TEST_SUITE("server_release_rules") {
  TEST_CASE("select_latest: published, stable, whole; highest latest_seq, then publication, then id") {
    struct Row {
      const char* what;
      std::vector<ReleasePtr> releases;
      uint64_t expected;  // 0: none
    };
    const std::vector<Row> table = {
        {"no releases", {}, 0},
        {"only a draft", {release(1, 1, 0, true)}, 0},
        {"only a prerelease", {release(1, 1, 10, false, true)}, 0},
        {"the higher latest_seq wins over a later publication", {release(1, 2, 10), release(2, 1, 20)}, 1},
        {"equal latest_seq: the later publication", {release(1, 0, 20), release(2, 0, 10)}, 1},
        {"equal everything: the higher id", {release(1, 0, 10), release(2, 0, 10)}, 2},
        {"a draft with a higher mark is skipped", {release(1, 1, 10), release(2, 5, 0, true)}, 1},
        {"an incomplete release is never latest: the previous good one is",
         {release(1, 1, 10), release(2, 2, 20, false, false, false)}, 1},
        {"only incomplete releases: none", {release(1, 1, 10, false, false, false)}, 0},
    };
    for (const Row& row : table) {
      CAPTURE(row.what);
      const ReleasePtr got = select_latest(row.releases);
      CHECK((got ? got->id : 0) == row.expected);
    }
  }

  TEST_CASE("apply_fields: publication time and the latest mark, as GitHub's make_latest") {
    struct Row {
      const char* what;
      bool draft_before;
      uint64_t seq_before;
      std::optional<bool> draft;
      MakeLatest make_latest;
      bool draft_after;
      int64_t published_after;  // with now = 500, and 100 when it was published before
      uint64_t seq_after;       // next_latest_seq starts at 7
    };
    const std::vector<Row> table = {
        {"publishing a draft makes it latest by default", true, 0, false, MakeLatest::Unset, false, 500, 7},
        {"publishing with make_latest false does not", true, 0, false, MakeLatest::False, false, 500, 0},
        {"publishing with legacy does not mark it", true, 0, false, MakeLatest::Legacy, false, 500, 0},
        {"an edit of a published release keeps its mark and date", false, 3, std::nullopt, MakeLatest::Unset, false,
         100, 3},
        {"make_latest true on a published release takes the next mark", false, 3, std::nullopt, MakeLatest::True,
         false, 100, 7},
        {"make_latest false takes the mark away", false, 3, std::nullopt, MakeLatest::False, false, 100, 0},
        {"back to draft clears the publication date", false, 3, true, MakeLatest::Unset, true, 0, 3},
        {"a draft stays unpublished", true, 0, std::nullopt, MakeLatest::Unset, true, 0, 0},
    };
    for (const Row& row : table) {
      CAPTURE(row.what);
      Release r;
      r.draft = row.draft_before;
      r.published_at = row.draft_before ? 0 : 100;
      r.latest_seq = row.seq_before;
      ReleaseFields f;
      f.draft = row.draft;
      f.make_latest = row.make_latest;
      uint64_t next = 7;
      apply_fields(r, f, 500, next);
      CHECK(r.draft == row.draft_after);
      CHECK(r.published_at == row.published_after);
      CHECK(r.latest_seq == row.seq_after);
      CHECK(next == (row.seq_after == 7 ? 8u : 7u));
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
