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

std::string repo_to_disk(const Repo& repo);
// DamagedFile when `bytes` is not {"owner", "name"} with valid names.
Repo repo_from_disk(const std::vector<uint8_t>& bytes, uint64_t id);

}  // namespace vt132::server
