// vt132-ota-server: a GitHub-compatible HTTPS update server for VT132 firmware.
#include <cstdio>
#include <iostream>

#include <CLI/CLI.hpp>
#include <spdlog/spdlog.h>

#include "add_command.hpp"
#include "config.hpp"
#include "data_owner.hpp"
#include "export_command.hpp"
#include "http_server.hpp"
#include "names.hpp"
#include "storage.hpp"
#include "tokens.hpp"
#include "vt132/host/error.hpp"

namespace {

using vt132::server::ServerConfig;

void add_server_options(CLI::App& app, ServerConfig& c) {
  app.set_config("--config", "", "Read options from this TOML/INI file (keys are the long option names)");
  // Required: from the command line or the --config file (data = "...").
  app.add_option("--data", c.data_dir, "Data directory: releases, tokens, TLS files")->required();
  app.add_option("--listen", c.listen, "HTTPS address:port")->capture_default_str();
  app.add_option("--http-listen", c.http_listen, "Also serve plain HTTP here (older firmware only)");
  app.add_option("--tls-cert", c.tls_cert, "Server certificate chain (PEM); default: DATA/tls, created on first start");
  app.add_option("--tls-key", c.tls_key, "Private key of --tls-cert (PEM)");
  app.add_option("--tls-name", c.tls_names, "Extra host name or address for a generated certificate (repeatable)");
  app.add_option("--repo", c.repo, "OWNER/NAME whose latest release is served at /{asset}, e.g. /VT132.bin");
  app.add_option("--public-url", c.public_url, "Base URL for links in JSON (default: from the Host header)");
  app.add_option("--export-dir", c.export_dir,
                 "Keep a static export of the releases at this path (a symlink; see `export --help`), "
                 "refreshed after every change; needs --public-url, where the export is served");
  app.add_option("--max-upload-bytes", c.max_upload_bytes, "Largest request body")->capture_default_str();
  app.add_option("--max-threads", c.max_threads, "Connections served at once per listener (one thread each)")
      ->capture_default_str()
      ->check(CLI::Range(1, 100000));
  app.add_option("--max-queue", c.max_queue, "Accepted connections waiting for a thread")
      ->capture_default_str()
      ->check(CLI::Range(1, 100000));
  app.add_option("--worker-idle-timeout", c.worker_idle_timeout_s, "Seconds before an idle thread ends")
      ->capture_default_str()
      ->check(CLI::Range(1, 86400));
  app.add_option("--max-request-head", c.max_request_head,
                 "Bytes of request line and headers (and TLS handshake) per request; more: 431")
      ->capture_default_str()
      ->check(CLI::Range(4096, 1 << 20));
  app.add_option("--max-headers", c.max_headers, "Header fields per request; more: 431")
      ->capture_default_str()
      ->check(CLI::Range(1, 10000));
  app.add_option("--request-head-timeout", c.request_head_timeout_s,
                 "Seconds from a request's first byte to its last header; longer: 408")
      ->capture_default_str()
      ->check(CLI::Range(1, 3600));
  app.add_option("--read-timeout", c.read_timeout_s, "Seconds a client may stay silent mid-request")->capture_default_str();
  app.add_option("--write-timeout", c.write_timeout_s, "Seconds a client may not read")->capture_default_str();
  app.add_option("--keep-alive-timeout", c.keep_alive_timeout_s, "Idle seconds before closing a connection")
      ->capture_default_str();
  app.add_option("--keep-alive-max", c.keep_alive_max, "Requests per connection")->capture_default_str();
  app.add_option("--send-buffer", c.send_buffer, "SO_SNDBUF bytes per connection (0: kernel default)")
      ->capture_default_str();
  app.add_option("--shutdown-grace", c.shutdown_grace_s, "Seconds in-flight requests get after SIGTERM")
      ->capture_default_str();
  app.add_option("--log-level", c.log_level, "trace, debug, info, warn, error")->capture_default_str();
  app.add_option("--access-log", c.access_log, "One log line per request (true/false)")->capture_default_str();
  app.add_flag("--device-log,!--no-device-log", c.device_log,
               "Keep the devices list (/devices): per device id, or per address for stock firmware, what it "
               "reported and downloaded, in DATA/store/devices.json. --no-device-log (config: device-log = false) "
               "stores no device ids or addresses at all")
      ->capture_default_str();
}

void add_mirror_options(CLI::App& app, ServerConfig& c) {
  app.add_option("--mirror", c.mirror,
                 "Keep a local copy of this upstream OWNER/NAME's releases (also served at /{asset} "
                 "unless --repo names another)");
  app.add_option("--upstream", c.upstream, "API of the --mirror upstream (GitHub or another vt132-ota-server)")
      ->capture_default_str();
  app.add_option("--mirror-interval", c.mirror_interval_s, "Seconds between syncs (failed ones retry sooner, backing off)")
      ->capture_default_str()
      ->check(CLI::Range(1, 7 * 86400));
  app.add_option("--upstream-token-env", c.upstream_token_env,
                 "Environment variable holding an upstream token (private repos; 5000 requests/h instead of 60)");
  app.add_option("--upstream-cacert", c.upstream_cacert, "PEM CA bundle for the upstream (default: the system store)")
      ->check(CLI::ExistingFile);
  app.add_option("--trust-key", c.trust_key,
                 "Public key (PEM) that must have signed each mirrored release's vt132-manifest.json")
      ->check(CLI::ExistingFile);
  app.add_option("--mirror-prune", c.mirror_prune,
                 "Also drop or change local copies when upstream deletes or edits a release (true/false)")
      ->capture_default_str();
}

CLI::App* add_add_command(CLI::App& app, vt132::server::AddOptions& o) {
  CLI::App* add = app.add_subcommand("add", "Publish an image (e.g. a downloaded VT132.bin) as the latest release");
  add->add_option("IMAGE", o.image, "The app image; checked as `vt132-release verify` does")->required();
  add->add_option("--tag", o.tag, "Release tag; must equal the version inside the image (default: that version)");
  add->add_option("--repo", o.repo, "OWNER/NAME to publish in (default: the server's --repo or config file repo)");
  add->add_option("--notes", o.notes, "Release notes file (Markdown, UTF-8)");
  add->add_option("--key", o.key, "ECDSA P-256 private key (vt132-release keygen) to sign the manifest");
  add->footer(
      "Usage: vt132-ota-server add IMAGE --data DIR [--tag TAG] [--repo OWNER/NAME] [--notes FILE] [--key KEY]\n"
      "(--data and --config as for the server; run as the data directory's owner, or as root).\n"
      "Makes the release as `vt132-release create` does (manifest, signature with --key, SHA256SUMS)\n"
      "and publishes it as the latest: through the running server, which serves it at once, or\n"
      "directly when no server runs on DIR. Then prints the AT+U= lines that install it.\n"
      "Example: sudo vt132-ota-server --config /etc/vt132-ota-server.toml add VT132.bin");
  return add;
}

CLI::App* add_export_command(CLI::App& app, vt132::server::ExportCommandOptions& o) {
  CLI::App* exp = app.add_subcommand("export", "Write the releases as static files for nginx or a CDN to serve");
  exp->add_option("--out", o.out, "EXPORT: the symlink to make; its trees go in EXPORT.trees/ beside it")->required();
  exp->add_option("--base-url", o.base_url,
                  "Where the export will be served, e.g. https://updates.example.org: the links in its JSON "
                  "(default: --public-url)");
  exp->add_flag("--copy", o.copy, "Copy asset bytes instead of hard-linking world-readable store files");
  exp->footer(
      "Usage: vt132-ota-server export --data DIR --out EXPORT --base-url URL [--repo OWNER/NAME] [--copy]\n"
      "Give it the server's --config (or the same --data, --repo, --listen, --http-listen): with --repo\n"
      "that repository's latest assets are also at /{name} (/VT132.bin), and the pages' install lines\n"
      "name the listeners. Writes what the server answers a client without a token (drafts left out)\n"
      "as files with the same URL shapes: repos/{o}/{r}/releases/latest, .../releases/tags/{tag},\n"
      ".../releases/{id}, .../releases/assets/{id} (+ {id}.bytes, the octet-stream form),\n"
      ".../releases/index.json (the first page), {o}/{r}/releases/download/{tag}/{name},\n"
      "{o}/{r}/releases/latest/download/{name}, the pages as .../index.html, and ca.pem.\n"
      "Each export is a new tree EXPORT.trees/N; EXPORT, a symlink, is switched to it in one rename,\n"
      "so readers never see half an update; the previous tree is kept, older ones removed. A foreign\n"
      "EXPORT is refused, never replaced. Asset files are hard links of store files that are already\n"
      "world-readable (same filesystem), otherwise copies; files are 0644, directories 0755.\n"
      "No server may run on DIR meanwhile: a running one keeps its own export with --export-dir EXPORT.\n"
      "As root it acts as DIR's owner (as `add` does), who must be able to write beside EXPORT.\n"
      "Serve EXPORT with: try_files $uri $uri/index.json $uri/index.html =404;\n"
      "  default_type application/json; /api/v3 stripped (see server/dist/nginx-export.conf).\n"
      "Example: vt132-ota-server --config /etc/vt132-ota-server.toml export --out /srv/vt132 \\\n"
      "           --base-url https://updates.example.org\n");
  return exp;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{
      "vt132-ota-server: serves VT132 firmware releases over HTTPS with GitHub's REST API,\n"
      "so devices and GitHub clients (gh, vt132-release publish) work against it.",
      "vt132-ota-server"};
  app.set_version_flag("--version", std::string("vt132-ota-server ") + VT132_VERSION);
  app.fallthrough();
  ServerConfig config;
  add_server_options(app, config);
  add_mirror_options(app, config);
  app.footer(
      "First start: vt132-ota-server --data /var/lib/vt132-ota --repo OWNER/NAME\n"
      "  makes a local CA in DATA/tls and prints its pin and the AT+U= commands for a VT132.\n"
      "Publish an image: vt132-ota-server add VT132.bin --data DIR [--repo OWNER/NAME] [--key KEY]\n"
      "Tokens for publishing: vt132-ota-server --data DIR token create NAME [--repo OWNER/NAME]\n"
      "Memory ceiling under load or attack: about 24 MB + listeners x max-threads x\n"
      "  (32 x max-request-head + 256 KiB): 216 MB with the defaults for HTTPS alone, 408 MB\n"
      "  with --http-listen too (plus the page cache of the files being served).");

  CLI::App* token = app.add_subcommand("token", "Manage write tokens (stored hashed in DATA/tokens.json)");
  token->require_subcommand(1);
  std::string token_name;
  CLI::App* create = token->add_subcommand("create", "Make a token and print it (shown only this once)");
  create->add_option("name", token_name, "What the token is for, e.g. ci or laptop")->required();
  std::vector<std::string> token_repos;
  create->add_option("--repo", token_repos,
                     "OWNER/NAME the token may write to (repeatable); without it, every repository");
  CLI::App* list = token->add_subcommand("list", "List token names");
  CLI::App* revoke = token->add_subcommand("revoke", "Delete a token");
  revoke->add_option("name", token_name, "Name of the token")->required();

  vt132::server::AddOptions add_options;
  CLI::App* add = add_add_command(app, add_options);
  vt132::server::ExportCommandOptions export_options;
  CLI::App* export_command = add_export_command(app, export_options);

  try {
    app.parse(argc, argv);
    spdlog::set_level(spdlog::level::from_str(config.log_level));
    // A mirror serves what it follows at /{asset}; a bad --mirror is reported as itself later.
    if (config.repo.empty() && vt132::server::valid_full_name(config.mirror)) config.repo = config.mirror;
    if (add->parsed()) {
      vt132::server::run_add(config, add_options, std::cout);
      return 0;
    }
    if (export_command->parsed()) {
      vt132::server::run_export(config, export_options, std::cout);
      return 0;
    }
    if (token->parsed()) {
      std::filesystem::create_directories(config.data_dir);
      vt132::server::act_as_data_owner(config.data_dir);  // tokens.json must stay the server's
      vt132::server::TokenStore tokens(config.data_dir / "tokens.json");
      if (create->parsed()) {
        std::cout << tokens.create(token_name, token_repos) << "\n";
      } else if (list->parsed()) {
        for (const auto& t : tokens.list()) {
          std::string scope;
          for (const std::string& r : t.repos) scope += (scope.empty() ? "" : ",") + r;
          std::cout << t.name << "\tcreated " << vt132::server::iso8601(t.created_at) << "\t"
                    << (scope.empty() ? "all repositories" : scope) << "\n";
        }
      } else if (revoke->parsed()) {
        if (!tokens.revoke(token_name)) throw vt132::host::Error("no token named \"" + token_name + "\"");
        std::cout << "revoked " << token_name << "\n";
      }
      return 0;
    }
    return vt132::server::run_server(config);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? 0 : 2;
  } catch (const vt132::host::Error& e) {
    std::fprintf(stderr, "vt132-ota-server: %s\n", e.what());
    return 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "vt132-ota-server: %s\n", e.what());
    return 1;
  }
}
