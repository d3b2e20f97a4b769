#pragma once
// The on-disk JSON of the store: repo.json and release.json, written by this server and read
// back at start. Reading checks everything a request would have been checked for, so a
// damaged or hand-edited file is reported (DamagedFile, with the reason) instead of served.
#include <cstdint>
#include <string>
#include <vector>

#include "release.hpp"

namespace vt132::server {

// Every asset the release lists goes to disk, the unavailable ones included, so a file
// restored from quarantine is served again at the next start.
std::string release_to_disk(const Release& release);
// All listed assets come back in `assets` (without blobs). DamagedFile when `bytes` is not
// such a document, a field is missing or invalid, or its id is not `id`.
Release release_from_disk(const std::vector<uint8_t>& bytes, uint64_t id);

// tags.json: {"tags": [...]}, the tags a repository keeps after their releases went.
std::string tags_to_disk(const std::vector<std::string>& tags);
// DamagedFile when `bytes` is not that document, a tag is invalid or listed twice, or there
// are more than `max_tags`.
std::vector<std::string> tags_from_disk(const std::vector<uint8_t>& bytes, size_t max_tags);

std::string repo_to_disk(const Repo& repo);
// DamagedFile when `bytes` is not {"owner", "name"} with valid names.
Repo repo_from_disk(const std::vector<uint8_t>& bytes, uint64_t id);

}  // namespace vt132::server
