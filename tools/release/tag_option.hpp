#pragma once
// VT132 tags its releases V1.5.0, V1.7.0: a capital V, then the version. A tag like 1.9.0 or
// v1.9.0 is still a valid version (devices order it the same), but it breaks the pattern the
// release list, links and the device's display follow, and an image built as V1.9.0 then
// does not match it. Every option that takes a tag goes through with_tag_hint, so each
// command says so the same way.
#include <optional>
#include <string>
#include <string_view>

#include <CLI/CLI.hpp>

namespace vt132::release {

// "V1.9.0" for "1.9.0" or "v1.9.0"; nothing for a tag that has the V or is no version.
std::optional<std::string> suggested_tag(std::string_view tag);

// Prints "vt132-release: note: ..." on stderr when the option's value gets a suggestion,
// before the command runs (so the note stands above any error the tag then causes).
CLI::Option* with_tag_hint(CLI::Option* option);

}  // namespace vt132::release
