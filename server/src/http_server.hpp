#pragma once
#include "config.hpp"

namespace vt132::server {

// Opens the data directory, prepares TLS, listens and serves until SIGTERM or SIGINT.
// Returns the process exit code.
int run_server(const ServerConfig& config);

}  // namespace vt132::server
