#include "server_options.hpp"

#include <cstdlib>

#include "vt132/host/error.hpp"

namespace vt132::release {

void add_server_options(CLI::App* cmd, ServerOptions& opts, const char* repo_help) {
  cmd->add_option("--api", opts.api, "API base URL (a vt132-ota-server: https://HOST:PORT/api/v3)")
      ->capture_default_str();
  CLI::Option* repo = cmd->add_option("--repo", opts.repo, repo_help ? repo_help : "OWNER/NAME");
  if (repo_help == nullptr) repo->required();
  cmd->add_option("--token-env", opts.token_env, "Environment variable holding the API token")->capture_default_str();
  cmd->add_option("--cacert", opts.cacert, "CA certificate to trust (a local server's ca.pem)");
}

std::string token_from(const ServerOptions& opts, bool required) {
  const char* token = std::getenv(opts.token_env.c_str());
  if (token != nullptr && *token != '\0') return token;
  if (required) {
    throw host::Error("no token: set the environment variable " + opts.token_env + " (or name another with --token-env)");
  }
  return "";
}

}  // namespace vt132::release
