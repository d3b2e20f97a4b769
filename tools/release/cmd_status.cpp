// `status --repo OWNER/NAME`: each release as devices see it.
#include <iostream>
#include <memory>

#include "commands.hpp"
#include "server_options.hpp"
#include "vt132/host/release_status.hpp"

namespace vt132::release {

namespace {

struct StatusOptions {
  ServerOptions server;
  std::string trust_key;
  bool json = false;
};

}  // namespace

void add_status_command(CLI::App& app, CommandContext& ctx) {
  auto opts = std::make_shared<StatusOptions>();
  CLI::App* cmd = app.add_subcommand("status", "Each release of a repository: state, signature, expiry, digests");
  add_server_options(cmd, opts->server);
  cmd->add_option("--trust-key", opts->trust_key, "Public key PEM to verify signatures with (shows its fingerprint)");
  cmd->add_flag("--json", opts->json, "One JSON array, one object per release");
  cmd->footer(
      "For each release, newest first: tag, state (published, prerelease, draft, yanked) and whether\n"
      "it is latest, publication date, the manifest's version and expiry, the signature (checked\n"
      "with --trust-key), and each asset with its digest, compared with the manifest for the image\n"
      "and patches. The token is optional (with one, drafts are listed too).\n"
      "Exit status 1 when a release's digests do not match its manifest or a signature is bad.\n"
      "Example:\n"
      "  vt132-release status --repo thehighnibble/vt132 --trust-key keys/release.pub.pem");
  cmd->callback([opts, &ctx] {
    host::StatusRequest req;
    set_server_fields(req, opts->server, false);
    req.trust_key = opts->trust_key;
    const std::vector<host::ReleaseStatusRow> rows = host::release_status(req);
    if (opts->json) {
      std::cout << host::status_to_json(rows).dump(2) << "\n";
    } else {
      std::cout << host::status_to_text(rows);
    }
    for (const host::ReleaseStatusRow& row : rows) {
      if (!row.digests_match || row.signature == "BAD SIGNATURE") ctx.exit_code = 1;
    }
  });
}

}  // namespace vt132::release
