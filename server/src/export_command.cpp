#include "export_command.hpp"

#include <chrono>
#include <optional>

#include <spdlog/spdlog.h>

#include "ca_certificate.hpp"
#include "data_lock.hpp"
#include "data_owner.hpp"
#include "metrics.hpp"
#include "names.hpp"
#include "service.hpp"
#include "static_export.hpp"
#include "storage.hpp"
#include "tokens.hpp"
#include "vt132/host/certs.hpp"
#include "vt132/host/error.hpp"
#include "vt132/host/hex.hpp"

namespace vt132::server {
namespace fs = std::filesystem;
using host::Error;

namespace {

constexpr size_t kMaxBaseUrlLength = 1024;

bool starts_with_ci(const std::string& s, const std::string& prefix) {
  return s.size() >= prefix.size() && iequals(std::string_view(s).substr(0, prefix.size()), prefix);
}

// The CA /ca.pem and the pages show, as the server loads it: only the one it made in
// DATA/tls (an operator's own certificate has no CA of ours).
std::optional<CaCertificate> data_dir_ca(const ServerConfig& config) {
  if (!config.tls_cert.empty()) return std::nullopt;
  const fs::path ca = host::cert_paths_in(config.data_dir / "tls").ca_cert;
  std::error_code ec;
  if (!fs::exists(ca, ec)) return std::nullopt;
  return load_ca_certificate(ca);
}

// The store, alone. Why not read it beside a running server: Store's start repairs what a
// crash left (removes, quarantines), which only the lock holder may do, and a store read
// file by file while the server writes could be caught halfway through a change that spans
// files (the latest mark moving between two release.json, an asset file removed after its
// release.json dropped it). The running server has the consistent in-memory snapshot, so it
// exports itself (--export-dir), and this command refuses.
Store open_store_alone(const ServerConfig& config) {
  std::error_code ec;
  if (!fs::is_directory(config.data_dir / "store", ec)) {
    throw Error(config.data_dir.string() + " holds no release store (no store/ directory): give the server's --data");
  }
  try {
    return Store(config.data_dir);
  } catch (const DataDirInUse& e) {
    throw Error(std::string(e.what()) + ". A running server exports itself: give it --export-dir " +
                "EXPORT (config: export-dir), and it keeps EXPORT current after every change");
  }
}

}  // namespace

void check_base_url(const std::string& url, const std::string& option) {
  const std::string shown = host::printable(url.substr(0, 200));
  const bool scheme = starts_with_ci(url, "https://") || starts_with_ci(url, "http://");
  const size_t host_start = url.find("://") + 3;
  bool plain = url.size() <= kMaxBaseUrlLength;
  for (char c : url) {
    if (static_cast<unsigned char>(c) <= ' ' || c == 0x7f || c == '?' || c == '#' || c == '"' || c == '<' ||
        c == '>' || c == '\\') {
      plain = false;
    }
  }
  if (!scheme || !plain || url.size() <= host_start || url[host_start] == '/' || url.back() == '/') {
    throw Error(option + " \"" + shown + "\" is not a base URL: give http(s)://HOST[:PORT][/PATH] without a "
                "trailing '/', e.g. https://updates.example.org");
  }
}

void run_export(const ServerConfig& config, const ExportCommandOptions& options, std::ostream& out) {
  ServerConfig export_config = config;
  export_config.public_url = options.base_url.empty() ? config.public_url : options.base_url;
  if (export_config.public_url.empty()) {
    throw Error("export needs the base URL the export will be served at, for the links in its JSON: give "
                "--base-url https://HOST (or public-url in the config file)");
  }
  check_base_url(export_config.public_url, options.base_url.empty() ? "--public-url" : "--base-url");
  if (!config.repo.empty() && !valid_full_name(config.repo)) {
    throw Error("--repo \"" + host::printable(config.repo) + "\" is not OWNER/NAME");
  }
  if (options.out.empty()) throw Error("export needs --out EXPORT");
  require_owner_or_root(config.data_dir, "export");
  act_as_data_owner(config.data_dir);  // the store's files stay the server's
  spdlog::set_level(spdlog::level::warn);  // a repaired store still shows
  const auto start = std::chrono::steady_clock::now();
  Store store = open_store_alone(config);
  TokenStore tokens(config.data_dir / "tokens.json");  // never read: the export sends no token
  Metrics metrics;
  Service service(export_config, store, tokens, metrics);
  service.set_ca(data_dir_ca(config));
  ExportOptions export_options;
  export_options.out = options.out;
  export_options.copy = options.copy;
  const ExportResult r = export_static(service, store, export_options);
  const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  out << "exported " << r.documents << " documents and " << r.asset_files << " asset files (" << r.copied
      << " copies of store files, " << r.bytes_copied << " bytes; " << r.linked << " hard links of store files; "
      << r.reused << " links to the previous export's files; the rest link to those) in " << static_cast<long>(ms) << " ms\n"
      << options.out.string() << " -> " << r.tree.string() << "\n"
      << "links point at " << export_config.public_url << "\n";
}

}  // namespace vt132::server
