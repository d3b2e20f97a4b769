// `renew TAG --key KEY --repo OWNER/NAME`: a published release's manifest signed again with a
// later expiry, swapped in so that no device sees a manifest with a signature not its own.
#include <iostream>
#include <memory>

#include "commands.hpp"
#include "server_options.hpp"
#include "vt132/host/release_writer.hpp"
#include "vt132/host/renewer.hpp"

namespace vt132::release {

namespace {

struct RenewOptions {
  std::string tag;
  std::string key;
  int expires_days = 365;
  ServerOptions server;
};

}  // namespace

void add_renew_command(CLI::App& app, CommandContext&) {
  auto opts = std::make_shared<RenewOptions>();
  CLI::App* cmd = app.add_subcommand("renew", "Re-sign a published release's manifest with a later expiry");
  cmd->add_option("TAG", opts->tag, "The release's tag, e.g. V1.8.0")->required();
  cmd->add_option("--key", opts->key, "The private key that signed the release (PEM)")->required();
  cmd->add_option("--expires", opts->expires_days, "Days from now until devices refuse the renewed manifest")
      ->capture_default_str()
      ->check(CLI::Range(1, host::kMaxExpiresDays));
  add_server_options(cmd, opts->server);
  cmd->footer(
      "Downloads the release's manifest, signature and image, checks that the image (size, SHA-256,\n"
      "version) and any patches are what the manifest names and that the signature is by KEY, then\n"
      "signs the same manifest with only `expires` changed (`created` stays when the release was\n"
      "made) and replaces the manifest and its signature, nothing else. A vt132-ota-server swaps\n"
      "both in one write; on GitHub the old signature is deleted first, so for a moment devices\n"
      "find no signature (and try again later), never a signature that is not the manifest's.\n"
      "Examples:\n"
      "  GITHUB_TOKEN=... vt132-release renew V1.8.0 --key keys/release.pem --repo thehighnibble/vt132\n"
      "  VT132_TOKEN=... vt132-release renew V1.8.0 --key keys/release.pem --expires 730 \\\n"
      "      --repo thehighnibble/vt132 --api https://updates.lan:8443/api/v3 --token-env VT132_TOKEN \\\n"
      "      --cacert data/tls/ca.pem");
  cmd->callback([opts] {
    host::RenewRequest req;
    set_server_fields(req, opts->server, true);
    req.tag = opts->tag;
    req.key = opts->key;
    req.expires_days = opts->expires_days;
    req.say = [](const std::string& line) { std::cout << line << std::endl; };
    const host::RenewResult r = host::renew_release(req);
    std::cout << "renewed " << opts->tag << ": manifest expires " << r.new_expires << " (was " << r.old_expires
              << "), signed by " << r.key_fingerprint << "\n"
              << (r.single_write ? "manifest and signature swapped in one server write\n"
                                 : "manifest and signature swapped in steps (old signature removed first)\n");
  });
}

}  // namespace vt132::release
