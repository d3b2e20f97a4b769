// `publish DIR --api URL --repo OWNER/NAME`: a release directory onto GitHub or our server.
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <memory>

#include "commands.hpp"
#include "vt132/host/error.hpp"
#include "vt132/host/publisher.hpp"

namespace vt132::release {

namespace {

struct PublishOptions {
  std::string dir;
  std::string api = "https://api.github.com";
  std::string repo;
  std::string token_env = "GITHUB_TOKEN";
  std::string cacert;
  bool draft = false;
  bool replace = false;
};

// A one-line bar redrawn in place on a terminal; nothing per chunk otherwise.
void draw_progress(const std::string& asset, uint64_t sent, uint64_t total) {
  const int width = 30;
  const int filled = total ? static_cast<int>(sent * width / total) : width;
  std::fprintf(stderr, "\r  %-24s [%s%s] %3d%%", asset.c_str(), std::string(filled, '#').c_str(),
               std::string(width - filled, ' ').c_str(), total ? static_cast<int>(sent * 100 / total) : 100);
  if (sent == total) std::fprintf(stderr, "\r\033[K");
  std::fflush(stderr);
}

}  // namespace

void add_publish_command(CLI::App& app, CommandContext&) {
  auto opts = std::make_shared<PublishOptions>();
  CLI::App* cmd = app.add_subcommand("publish", "Publish a release directory to GitHub or a vt132-ota-server");
  cmd->add_option("DIR", opts->dir, "Release directory made by `create`")->required();
  cmd->add_option("--api", opts->api, "API base URL")->capture_default_str();
  cmd->add_option("--repo", opts->repo, "OWNER/NAME (default: the one recorded by create --repo)");
  cmd->add_option("--token-env", opts->token_env, "Environment variable holding the API token")->capture_default_str();
  cmd->add_option("--cacert", opts->cacert, "CA certificate to trust (a local server's ca.pem)");
  cmd->add_flag("--draft", opts->draft, "Upload everything but leave the release a draft");
  cmd->add_flag("--replace", opts->replace,
                "Replace assets whose content differs from the local files (the new one is uploaded first)");
  cmd->footer(
      "Creates the release as a draft, uploads each asset (skipping those already there with the same\n"
      "digest), then publishes it. Re-running after an interruption finishes the job. An asset with\n"
      "different content under the same name is refused unless --replace.\n"
      "Examples:\n"
      "  GITHUB_TOKEN=... vt132-release publish dist/V1.8.0 --repo thehighnibble/vt132\n"
      "  VT132_TOKEN=... vt132-release publish dist/V1.8.0 --api https://updates.lan:8443/api/v3 \\\n"
      "      --repo thehighnibble/vt132 --token-env VT132_TOKEN --cacert data/tls/ca.pem");
  cmd->callback([opts] {
    host::PublishRequest req;
    req.dir = opts->dir;
    req.api_url = opts->api;
    req.repo = opts->repo;
    req.ca_file = opts->cacert;
    req.draft = opts->draft;
    req.replace = opts->replace;
    const char* token = std::getenv(opts->token_env.c_str());
    if (token == nullptr || *token == '\0') {
      throw host::Error("no token: set the environment variable " + opts->token_env + " (or name another with --token-env)");
    }
    req.token = token;
    req.say = [](const std::string& line) { std::cout << line << std::endl; };
    if (isatty(STDERR_FILENO)) req.progress = draw_progress;
    const host::PublishResult r = host::publish_release(req);
    std::cout << (r.published ? "published" : "left as draft") << ": release id " << r.release_id << ", "
              << r.uploaded << " uploaded, " << r.replaced << " replaced, " << r.skipped << " already there";
    if (!r.html_url.empty()) std::cout << "\n" << r.html_url;
    std::cout << "\n";
  });
}

}  // namespace vt132::release
