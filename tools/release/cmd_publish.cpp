// `publish DIR --api URL --repo OWNER/NAME`: a release directory onto GitHub or our server.
#include <unistd.h>

#include <cstdio>
#include <iostream>
#include <string>
#include <memory>

#include "commands.hpp"
#include "server_options.hpp"
#include "vt132/host/error.hpp"
#include "vt132/host/publisher.hpp"

namespace vt132::release {

namespace {

struct PublishOptions {
  std::string dir;
  ServerOptions server;
  bool draft = false;
  bool replace = false;
  bool yes = false;
  bool allow_unsigned = false;
};

// A y/N question on the terminal; anything but y or yes is no.
bool ask(const std::string& question) {
  std::cerr << question << " [y/N] " << std::flush;
  std::string answer;
  if (!std::getline(std::cin, answer)) return false;
  return answer == "y" || answer == "Y" || answer == "yes";
}

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
  add_server_options(cmd, opts->server, "OWNER/NAME (default: the one recorded by create --repo)");
  cmd->add_flag("--draft", opts->draft, "Upload everything but leave the release a draft");
  cmd->add_flag("--replace", opts->replace,
                "Replace assets whose content differs from the local files (the new one is uploaded first)");
  cmd->add_flag("--yes", opts->yes, "With --replace: replace assets of a published release without asking");
  cmd->add_flag("--allow-unsigned", opts->allow_unsigned,
                "Publish an unsigned release although the latest release is signed");
  cmd->footer(
      "Creates the release as a draft, uploads each asset (skipping those already there with the same\n"
      "digest), then publishes it. Re-running after an interruption finishes the job. An asset with\n"
      "different content under the same name is refused unless --replace; on a published release\n"
      "--replace shows both digests, refuses an image of another version, and asks (on a terminal)\n"
      "or needs --yes. An unsigned release is refused while the latest one is signed (devices that\n"
      "require signatures would be stuck) unless --allow-unsigned. Warns when the latest release's\n"
      "manifest expires within 30 days (see `vt132-release renew`).\n"
      "Examples:\n"
      "  GITHUB_TOKEN=... vt132-release publish dist/V1.8.0 --repo thehighnibble/vt132\n"
      "  VT132_TOKEN=... vt132-release publish dist/V1.8.0 --api https://updates.lan:8443/api/v3 \\\n"
      "      --repo thehighnibble/vt132 --token-env VT132_TOKEN --cacert data/tls/ca.pem");
  cmd->callback([opts] {
    host::PublishRequest req;
    req.dir = opts->dir;
    set_server_fields(req, opts->server, true);
    req.draft = opts->draft;
    req.replace = opts->replace;
    req.yes = opts->yes;
    req.allow_unsigned = opts->allow_unsigned;
    if (isatty(STDIN_FILENO)) req.confirm = ask;
    req.say = [](const std::string& line) { std::cout << line << std::endl; };
    req.warn = [](const std::string& line) { std::cerr << line << std::endl; };
    if (isatty(STDERR_FILENO)) req.progress = draw_progress;
    const host::PublishResult r = host::publish_release(req);
    std::cout << (r.published ? "published" : "left as draft") << ": release id " << r.release_id << ", "
              << r.uploaded << " uploaded, " << r.replaced << " replaced, " << r.skipped << " already there";
    if (!r.html_url.empty()) std::cout << "\n" << r.html_url;
    std::cout << "\n";
  });
}

}  // namespace vt132::release
