#pragma once
// What a request may name: owners, repositories, tags, asset names, labels and ids.
//
// Nothing a client sends is used as a file name: the store names files by the numeric ids it
// hands out. These checks keep the names we do accept to the characters GitHub itself
// allows, so that URLs, JSON and HTML built from them stay plain, and so a bad name gets a
// clear 404/422 instead of reaching deeper code. Owners, repositories, tags and asset names
// follow the rule the release tools share (vt132/host/names.hpp). Self-contained (std only)
// so the fuzz target can compile it (with lib/src/names.cpp) directly.
#include <cstdint>
#include <optional>
#include <string_view>

#include "vt132/host/names.hpp"

namespace vt132::server {

using host::names::kMaxAssetNameLength;
using host::names::kMaxOwnerLength;
using host::names::kMaxRepoLength;
using host::names::kMaxTagLength;
using host::names::normalize_asset_name;
using host::names::valid_asset_name;
using host::names::valid_full_name;
using host::names::valid_owner;
using host::names::valid_repo;
using host::names::valid_tag;

// ASCII case-insensitive equality: GitHub matches owners and repositories (and HTTP schemes
// are matched) without regard to case.
bool iequals(std::string_view a, std::string_view b);

constexpr size_t kMaxLabelLength = 255;
constexpr size_t kMaxReleaseNameLength = 255;
constexpr size_t kMaxReleaseBodyLength = 125000;  // GitHub's limit for release notes
constexpr uint64_t kMaxId = (uint64_t{1} << 53) - 1;  // ids stay exact in JSON doubles

// An asset name a store may hold: valid_asset_name, or what earlier versions of this server
// accepted before names were normalised ('~', a trailing '.'). Such assets stay listed and
// downloadable; new names are always normalised.
bool stored_asset_name(std::string_view s);
// Free text for labels, release names and notes: valid UTF-8 without control characters
// (tab, CR and LF allowed when multiline), at most max_bytes bytes.
bool valid_text(std::string_view s, size_t max_bytes, bool multiline);
// A decimal id: digits only, no leading zero, 1..kMaxId.
std::optional<uint64_t> parse_id(std::string_view s);

}  // namespace vt132::server
