// `certs --out DIR --name HOST [--name IP ...] [--days N]`: a local CA and server certificate.
// `certs --renew DIR [--name ...] [--days N]`: a new server certificate from that CA.
#include <iostream>
#include <memory>

#include "commands.hpp"
#include "vt132/host/certs.hpp"

namespace vt132::release {

namespace {

struct CertsOptions {
  std::string out;
  std::string renew;
  host::CertOptions cert;
};

void print_pin(const host::CertPaths& paths, const char* note) {
  std::cout << "CA certificate:     " << paths.ca_cert.string() << note << "\n"
            << "CA public key pin:  sha256:" << host::ca_pin_sha256(paths.ca_cert) << note << "\n";
}

void create(const CertsOptions& opts) {
  if (opts.cert.names.empty()) throw CLI::RequiredError("--name");
  const host::CertPaths paths = host::create_local_ca_and_server_cert(opts.out, opts.cert);
  print_pin(paths, "");
  std::cout << "server certificate: " << paths.server_cert.string() << " (for";
  for (const std::string& name : host::certificate_names(paths.server_cert)) std::cout << " " << name;
  std::cout << ")\n"
            << "server key:         " << paths.server_key.string() << " (mode 0600)\n";
}

void renew(const CertsOptions& opts) {
  const host::RenewedCert r = host::renew_server_cert(opts.renew, opts.cert);
  print_pin(r.paths, " (unchanged)");
  std::cout << "server certificate: " << r.paths.server_cert.string() << " (new, for";
  for (const std::string& name : r.names) std::cout << " " << name;
  std::cout << "), valid until " << r.expiry;
  if (!r.old_expiry.empty()) std::cout << "; the old one until " << r.old_expiry;
  std::cout << "\n"
            << "server key:         " << r.paths.server_key.string() << " (new, mode 0600)\n"
            << "Restart the server to use them; devices keep trusting it through the same pin.\n";
}

}  // namespace

void add_certs_command(CLI::App& app, CommandContext&) {
  auto opts = std::make_shared<CertsOptions>();
  CLI::App* cmd = app.add_subcommand("certs", "Make a local CA and a server certificate for a LAN update server");
  auto* out = cmd->add_option("--out", opts->out,
                              "Directory for ca.pem, ca.key, server.pem, server.key (never overwritten)");
  auto* renew_opt = cmd->add_option("--renew", opts->renew,
                                    "Instead: a new server.pem and server.key in this directory, signed by its CA\n"
                                    "(ca.pem and ca.key are only read: the pin devices hold stays valid)");
  out->excludes(renew_opt);
  cmd->add_option("--name", opts->cert.names,
                  "Host name or IP address the server is reached by (repeat for more);\n"
                  "with --renew, default: the names of the current server.pem");
  cmd->add_option("--days", opts->cert.days, "Validity of the server certificate (1..3650); the CA gets 10 years")
      ->capture_default_str();
  cmd->footer(
      "All keys are ECDSA P-256, keys mode 0600. A VT132 trusts the server through the CA: build\n"
      "ca.pem into the firmware, or pin the printed SHA-256 of its public key.\n"
      "Before the server certificate expires, --renew makes a new one from the same CA; each file\n"
      "is replaced atomically, then restart the server.\n"
      "Check with: openssl verify -CAfile DIR/ca.pem DIR/server.pem\n"
      "Examples: vt132-release certs --out certs/lan --name vt132-updates.local --name 192.168.1.20\n"
      "          vt132-release certs --renew certs/lan");
  cmd->callback([opts] {
    if (opts->out.empty() && opts->renew.empty()) throw CLI::RequiredError("--out or --renew");
    if (opts->renew.empty()) {
      create(*opts);
    } else {
      renew(*opts);
    }
  });
}

}  // namespace vt132::release
