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

// Fills the fields every request to a server has (publish, renew, yank, status): api_url,
// repo, token and ca_file, from these options.
template <class Request>
void set_server_fields(Request& req, const ServerOptions& opts, bool token_required) {
  req.api_url = opts.api;
  req.repo = opts.repo;
  req.token = token_from(opts, token_required);
  req.ca_file = opts.cacert;
}

}  // namespace vt132::release
