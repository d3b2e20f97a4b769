#include "tag_option.hpp"

#include <cstdio>

#include "vt132/core/version.hpp"

namespace vt132::release {

std::optional<std::string> suggested_tag(std::string_view tag) {
  core::Version version;
  if (core::parse_version(tag, version) != core::VersionError::Ok || tag.front() == 'V') return std::nullopt;
  return "V" + std::string(tag.front() == 'v' ? tag.substr(1) : tag);
}

CLI::Option* with_tag_hint(CLI::Option* option) {
  return option->each([](const std::string& tag) {
    if (const auto better = suggested_tag(tag)) {
      std::fprintf(stderr, "vt132-release: note: VT132 tags start with a capital V: %s, not %s\n", better->c_str(),
                   tag.c_str());
    }
  });
}

}  // namespace vt132::release
