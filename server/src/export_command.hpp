#pragma once
// `vt132-ota-server export --out EXPORT`: writes the static export (static_export.hpp) of a
// data directory no server is running on. A running server keeps its own export current
// with --export-dir instead (export_refresher.hpp).
#include <filesystem>
#include <ostream>
#include <string>

#include "config.hpp"

namespace vt132::server {

struct ExportCommandOptions {
  std::filesystem::path out;  // EXPORT
  std::string base_url;       // empty: config.public_url
  bool copy = false;
};

// A base URL the export's links can start with: http(s)://host[:port][/path] without a
// trailing '/', query or fragment. host::Error naming `option` otherwise.
void check_base_url(const std::string& url, const std::string& option);

// Prints where the export went and what it holds. host::Error (exit 1) when no base URL is
// known, the data directory has no store or is in use by a server, or EXPORT is refused.
void run_export(const ServerConfig& config, const ExportCommandOptions& options, std::ostream& out);

}  // namespace vt132::server
