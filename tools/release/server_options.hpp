#pragma once
// The options every command that talks to GitHub or a vt132-ota-server takes, and the
// token they read from the environment.
#include <string>

#include <CLI/CLI.hpp>

namespace vt132::release {

struct ServerOptions {
  std::string api = "https://api.github.com";
  std::string repo;
  std::string token_env = "GITHUB_TOKEN";
  std::string cacert;
};

// --api, --repo (required unless `repo_help` says where else it comes from), --token-env, --cacert.
void add_server_options(CLI::App* cmd, ServerOptions& opts, const char* repo_help = nullptr);

// The token from $token_env; Error naming the variable when it is unset and `required`.
std::string token_from(const ServerOptions& opts, bool required);

}  // namespace vt132::release
