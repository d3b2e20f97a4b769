// Fuzzes the streaming app image reader, the parser every downloaded byte goes through on
// the device. Invariants: no out-of-bounds access (ASan), the problem offset lies within
// the input, feeding in two chunks gives the same answer as one, and an image that parses
// cleanly survives stamping and still parses.
#include <cstdint>
#include <cstring>
#include <vector>

#include "vt132/core/app_image.hpp"

namespace core = vt132::core;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  core::ImagePolicy policy;
  policy.max_size = 1 << 20;
  policy.expected_chip = size > 0 && (data[0] & 1) ? core::kChipEsp32 : -1;
  core::ImageInfo whole;
  core::ImageProblem problem;
  const core::ImageError err = core::parse_image(core::ByteView{data, size}, policy, whole, problem);
  if (problem.offset > size + 1) __builtin_trap();
  char text[256];
  core::format_image_problem(problem, text, sizeof text);

  const size_t split = size > 0 ? data[size - 1] % (size + 1) : 0;
  core::ImageStream stream(policy);
  stream.feed(data, split);
  stream.feed(data + split, size - split);
  if (stream.finish() != err) __builtin_trap();
  if (err == core::ImageError::Ok && stream.info().file_sha256 != whole.file_sha256) __builtin_trap();

  if (err == core::ImageError::Ok) {
    std::vector<uint8_t> copy(data, data + size);
    core::ImageProblem stamp_problem;
    if (core::stamp_image(copy.data(), copy.size(), "V9.9.9-fuzz", 1, stamp_problem) != core::ImageError::Ok) {
      __builtin_trap();
    }
    core::ImageInfo after;
    if (core::parse_image(core::ByteView{copy.data(), copy.size()}, policy, after, stamp_problem) !=
        core::ImageError::Ok) {
      __builtin_trap();
    }
    if (std::strcmp(after.app.version, "V9.9.9-fuzz") != 0) __builtin_trap();
  }
  return 0;
}
