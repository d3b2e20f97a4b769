#pragma once
// What `vt132-release inspect` shows about an app image, as text or JSON.
#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "vt132/core/app_image.hpp"

namespace vt132::host {

// Largest file we read as an image: the biggest ESP32 flash. Anything larger is not an image.
constexpr size_t kMaxImageFileSize = 16u << 20;

struct ImageReport {
  size_t file_size = 0;
  core::ImageInfo info;
  core::ImageProblem problem;  // the first problem, error Ok when the image is valid
  bool complete() const;       // the whole image was read (no structural problem)
  bool valid() const { return problem.error == core::ImageError::Ok; }
  std::string problem_text() const;
};

ImageReport examine_image(const std::vector<uint8_t>& bytes, const core::ImagePolicy& policy);

nlohmann::json report_to_json(const ImageReport& report);
std::string report_to_text(const ImageReport& report, const std::string& file_name);

}  // namespace vt132::host
