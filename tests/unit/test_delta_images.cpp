// The "next release" test data delta patches are measured on (image_builder.hpp): a valid
// image that differs from its base the way a rebuild does, made the same from the same seed.
#include <doctest/doctest.h>

#include <cstring>
#include <vector>

#include "vt132/core/app_image.hpp"
#include "vt132/core/bytes.hpp"
#include "vt132/host/delta_encoder.hpp"
#include "vt132/host/image_builder.hpp"
#include "vt132/host/patch_apply.hpp"

namespace core = vt132::core;
namespace host = vt132::host;

namespace {

std::vector<uint8_t> base_image(uint32_t size) {
  host::ImageSpec spec;
  spec.version = "V1.7.0";
  spec.code_like = true;
  spec.seed = 11;
  spec.segments = host::ImageSpec::vt132_like_segments(size);
  return host::build_image(spec);
}

core::ImageInfo parse(const std::vector<uint8_t>& image) {
  core::ImageInfo info;
  core::ImageProblem problem;
  REQUIRE(core::parse_image({image.data(), image.size()}, core::ImagePolicy{}, info, problem) == core::ImageError::Ok);
  return info;
}

}  // namespace

TEST_SUITE("delta_images") {

TEST_CASE("the next release is a valid image with the new version, grown code and the same seed's bytes") {
  const auto base = base_image(300 * 1024);
  host::NextReleaseSpec next;
  next.version = "V1.8.0";
  next.seed = 5;
  next.growth = 2048;
  const auto a = host::build_next_release(base, next);
  CHECK(a == host::build_next_release(base, next));
  next.seed = 6;
  CHECK(a != host::build_next_release(base, next));

  const core::ImageInfo before = parse(base);
  const core::ImageInfo after = parse(a);
  CHECK(std::strcmp(after.app.version, "V1.8.0") == 0);
  CHECK(std::strcmp(after.app.project_name, before.app.project_name) == 0);
  REQUIRE(after.segment_count == before.segment_count);
  size_t largest = 0;
  for (size_t i = 0; i < before.segment_count; ++i) {
    CHECK(after.segments[i].load_addr == before.segments[i].load_addr);
    if (before.segments[i].length > before.segments[largest].length) largest = i;
  }
  CHECK(after.segments[largest].length != before.segments[largest].length);
  CHECK(a.size() != base.size());
}

TEST_CASE("pointers into moved code follow it: a word that changed by the same amount as its neighbours") {
  const auto base = base_image(200 * 1024);
  host::NextReleaseSpec next;
  next.edits = 1;
  next.growth = 0;
  next.string_edits = 0;
  const auto after = host::build_next_release(base, next);
  const core::ImageInfo bi = parse(base);
  const core::ImageInfo ai = parse(after);
  // The one edit moves every address after it by its size: some words of the image must have
  // changed by exactly that amount, which only the pointer adjustment does.
  int64_t moved_by = 0;
  for (size_t i = 0; i < bi.segment_count; ++i) {
    moved_by += static_cast<int64_t>(ai.segments[i].length) - static_cast<int64_t>(bi.segments[i].length);
  }
  REQUIRE(moved_by != 0);
  size_t adjusted = 0;
  for (size_t i = 0; i < bi.segment_count; ++i) {
    const size_t n = std::min(bi.segments[i].length, ai.segments[i].length);
    for (size_t k = 0; k + 4 <= n; k += 4) {
      const uint32_t w0 = core::load_le32(base.data() + bi.segments[i].data_offset + k);
      const uint32_t w1 = core::load_le32(after.data() + ai.segments[i].data_offset + k);
      if (static_cast<int64_t>(w1) - static_cast<int64_t>(w0) == moved_by) ++adjusted;
    }
  }
  CHECK(adjusted > 10);
}

TEST_CASE("a 1.1 MB next release patches to a few percent and applies back exactly") {
  const auto base = base_image(1100 * 1024);
  host::NextReleaseSpec next;
  next.version = "V1.8.0";
  const auto after = host::build_next_release(base, next);
  const auto patch = host::make_patch(base, after);
  MESSAGE("patch: ", patch.size(), " bytes for a ", after.size(), "-byte image");
  CHECK(patch.size() < after.size() / 20);
  CHECK(host::apply_patch(base, patch) == after);
}

}  // TEST_SUITE
