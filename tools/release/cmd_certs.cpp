// `certs --out DIR --name HOST [--name IP ...] [--days N]`: a local CA and server certificate.
#include <iostream>
#include <memory>

#include "commands.hpp"
#include "vt132/host/certs.hpp"

namespace vt132::release {

void add_certs_command(CLI::App& app, CommandContext&) {
  auto out = std::make_shared<std::string>();
  auto opts = std::make_shared<host::CertOptions>();
  CLI::App* cmd = app.add_subcommand("certs", "Make a local CA and a server certificate for a LAN update server");
  cmd->add_option("--out", *out, "Directory for ca.pem, ca.key, server.pem, server.key (never overwritten)")
      ->required();
  cmd->add_option("--name", opts->names, "Host name or IP address the server is reached by (repeat for more)")
      ->required();
  cmd->add_option("--days", opts->days, "Validity of the server certificate (1..3650); the CA gets 10 years")
      ->capture_default_str();
  cmd->footer(
      "All keys are ECDSA P-256, keys mode 0600. A VT132 trusts the server through the CA: build\n"
      "ca.pem into the firmware, or pin the printed SHA-256 of its public key.\n"
      "Check with: openssl verify -CAfile DIR/ca.pem DIR/server.pem\n"
      "Example: vt132-release certs --out certs/lan --name vt132-updates.local --name 192.168.1.20");
  cmd->callback([out, opts] {
    const host::CertPaths paths = host::create_local_ca_and_server_cert(*out, *opts);
    std::cout << "CA certificate:     " << paths.ca_cert.string() << "\n"
              << "CA public key pin:  sha256:" << host::ca_pin_sha256(paths.ca_cert) << "\n"
              << "server certificate: " << paths.server_cert.string() << " (for";
    for (const std::string& name : host::certificate_names(paths.server_cert)) std::cout << " " << name;
    std::cout << ")\n"
              << "server key:         " << paths.server_key.string() << " (mode 0600)\n";
  });
}

}  // namespace vt132::release
