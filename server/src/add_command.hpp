#pragma once
// `vt132-ota-server add IMAGE`: publishes a downloaded or built image as the latest release,
// on the server machine, whether or not the server runs. The image is checked as
// `vt132-release verify` checks it, the tag is its own version, and the release directory is
// made by the same code as `vt132-release create` (signed with --key); the store then takes
// it through DATA/inbox (inbox.hpp), so the running server publishes it without a restart.
#include <filesystem>
#include <ostream>
#include <string>

#include "config.hpp"

namespace vt132::server {

struct AddOptions {
  std::filesystem::path image;
  std::string tag;                // empty: the image's version; otherwise it must equal it
  std::string repo;               // empty: the server's --repo (config.repo)
  std::filesystem::path notes;    // release notes (Markdown); empty: none
  std::filesystem::path key;      // signing key; empty: unsigned
};

// Prints what it checked, what it published and the AT+U= lines that install it to `out`.
// host::Error (exit 1) for an image, tag or option it refuses, or a publication that failed:
// then nothing new is in the store.
void run_add(const ServerConfig& config, const AddOptions& options, std::ostream& out);

}  // namespace vt132::server
