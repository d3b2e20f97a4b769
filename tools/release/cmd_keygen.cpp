// `keygen --out KEY.pem`: the maintainer's release signing key pair.
#include <filesystem>
#include <iostream>
#include <memory>

#include "commands.hpp"
#include "vt132/host/signing.hpp"

namespace vt132::release {

void add_keygen_command(CLI::App& app, CommandContext&) {
  auto out = std::make_shared<std::string>();
  CLI::App* cmd = app.add_subcommand("keygen", "Make an ECDSA P-256 key pair for signing releases");
  cmd->add_option("--out", *out, "Private key file to create (mode 0600); the public key goes to <name>.pub.pem")
      ->required();
  cmd->footer(
      "P-256 because the VT132's ESP32 verifies with mbedTLS and its hardware. Keep the private\n"
      "key offline; build the public key (or its fingerprint) into the firmware. Existing files are\n"
      "never overwritten.\n"
      "Example: vt132-release keygen --out keys/release.pem");
  cmd->callback([out] {
    // A key folder of its own, private to its owner, is what the example above suggests.
    const std::filesystem::path parent = std::filesystem::path(*out).parent_path();
    if (!parent.empty() && !std::filesystem::exists(parent)) {
      std::filesystem::create_directories(parent);
      std::filesystem::permissions(parent, std::filesystem::perms::owner_all);
    }
    const host::SigningKeyFiles files = host::generate_signing_key(*out);
    std::cout << "private key: " << files.private_key.string() << " (mode 0600, keep it secret)\n"
              << "public key:  " << files.public_key.string() << "\n"
              << "fingerprint: sha256:" << files.fingerprint_sha256 << "\n";
  });
}

}  // namespace vt132::release
