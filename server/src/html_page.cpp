// The human pages: `/` and the repository pages list the releases; a release's html_url (and
// /releases/latest) shows one. Both teach what a newcomer needs: what this server serves
// where, the AT+U= lines that install an image, the CA to trust and its pin, and for each
// release whether it is signed (by which key), yanked or expiring. Plain HTML with a small
// inline style; no JavaScript. Everything from outside goes through html_escape; release
// notes through markdown_to_html (safe mode).
#include <algorithm>
#include <ctime>

#include "html_text.hpp"
#include "names.hpp"
#include "service.hpp"

namespace vt132::server {

namespace {

// The VT132 image a device installs; its release gets the AT+U= lines that install it.
constexpr std::string_view kDeviceImage = "VT132.bin";
// A latest release whose manifest expires sooner than this gets a warning (docs/releasing.md).
constexpr int64_t kExpiryWarningSeconds = 30 * 86400;

// What every section of a page needs to know about this server and this request.
struct PageContext {
  BaseUrls base;          // https://host:port: as the browser reached us (or --public-url)
  std::string http_base;  // http://host:port of the plain-HTTP listener; empty when it is off
  std::string root_repo;  // --repo: whose latest assets /{name} serves; may be empty
  const std::optional<CaCertificate>& ca;
  int64_t now = 0;
};

// "host" of "https://host:port" (brackets kept for IPv6).
std::string host_of(const std::string& web) {
  std::string_view s = web;
  const size_t scheme = s.find("://");
  if (scheme != std::string_view::npos) s.remove_prefix(scheme + 3);
  s = s.substr(0, s.find('/'));
  const size_t colon = s.rfind(':');
  const size_t bracket = s.rfind(']');
  if (colon != std::string_view::npos && (bracket == std::string_view::npos || colon > bracket)) s = s.substr(0, colon);
  return std::string(s);
}

std::string repo_path(const Repo& repo) { return "/" + repo.owner + "/" + repo.name; }

std::string link(const std::string& href, const std::string& text) {
  return "<a href=\"" + html_escape(href) + "\">" + html_escape(text) + "</a>";
}

std::string code(const std::string& text) { return "<code>" + html_escape(text) + "</code>"; }

// A <pre> of lines to type on a VT132, one command per line.
std::string at_lines(const std::vector<std::string>& lines) {
  std::string out = "<pre class=\"at\">";
  for (const std::string& l : lines) out += html_escape(l) + "\n";
  return out + "</pre>\n";
}

// ---- this server ----

void render_ca_row(std::string& out, const PageContext& ctx) {
  out += "<tr><th>CA certificate</th><td>";
  if (ctx.ca) {
    out += link("/ca.pem", "/ca.pem") + " &mdash; the local CA this server made; its public key's SHA-256 pin is<br>" +
           "<code class=\"pin\" id=\"ca-pin\">" + html_escape(ctx.ca->pin_sha256) +
           "</code><br><small>Compare it with the pin the server printed at start before you trust the file: "
           "this page may have come through anyone on the network.</small>";
  } else {
    out += "none to download: this server uses a certificate its operator provided (<code>--tls-cert</code>); "
           "trust the CA that issued it.";
  }
  out += "</td></tr>\n";
}

void render_root_asset_row(std::string& out, const PageContext& ctx) {
  out += "<tr><th>Stock firmware</th><td>";
  if (ctx.root_repo.empty()) {
    out += "<code>/VT132.bin</code> is not served: start the server with <code>--repo OWNER/NAME</code> to serve that "
           "repository's latest image there.";
  } else if (ctx.http_base.empty()) {
    out += link(ctx.base.web + "/VT132.bin", ctx.base.web + "/VT132.bin") + " (latest of " + code(ctx.root_repo) +
           ") over HTTPS only. Plain HTTP is <strong>off</strong>; stock firmware needs it: start the server with "
           "<code>--http-listen 0.0.0.0:8080</code>.";
  } else {
    out += link(ctx.http_base + "/VT132.bin", ctx.http_base + "/VT132.bin") + " (latest of " + code(ctx.root_repo) +
           ") over plain HTTP, which is <strong>on</strong>: anyone on the network can read or alter those downloads.";
  }
  out += "</td></tr>\n";
}

void render_server_section(std::string& out, const PageContext& ctx) {
  out += "<section id=\"server\"><h2>This server</h2>\n<table class=\"facts\">\n";
  out += "<tr><th>Pages</th><td>" + link(ctx.base.web + "/", ctx.base.web + "/") + "</td></tr>\n";
  out += "<tr><th>GitHub REST API</th><td><code>" + html_escape(ctx.base.api()) +
         "</code> (also at the root), for <code>vt132-release publish --api</code>, <code>gh</code> and other "
         "GitHub clients; devices read <code>/repos/OWNER/NAME/releases/latest</code></td></tr>\n";
  render_root_asset_row(out, ctx);
  render_ca_row(out, ctx);
  out += "</table></section>\n";
}

// ---- installing ----

// The lines that install `repo`'s latest release: HTTPS for firmware that pins this
// server's CA, and /VT132.bin over plain HTTP for stock firmware when this is the --repo.
void render_install_section(std::string& out, const PageContext& ctx, const Repo& repo) {
  out += "<div class=\"install\"><h3>Install the latest on a VT132</h3>\n";
  out += "<p>Firmware that trusts this server's CA (pin above):</p>\n" +
         at_lines({"AT+U=" + ctx.base.web + "/repos/" + repo.owner + "/" + repo.name + "/releases/latest", "AT+U?",
                   "AT+U^"});
  const bool is_root_repo = !ctx.root_repo.empty() && iequals(ctx.root_repo, repo.owner + "/" + repo.name);
  if (is_root_repo && !ctx.http_base.empty()) {
    out += "<p>Stock firmware (plain HTTP; it reads the version from the image itself):</p>\n" +
           at_lines({"AT+U=" + ctx.http_base + "/VT132.bin", "AT+U?", "AT+U^"});
  } else if (is_root_repo) {
    out += "<p>Stock firmware needs plain HTTP, which is off: start the server with "
           "<code>--http-listen 0.0.0.0:8080</code>, then type <code>AT+U=http://" +
           html_escape(host_of(ctx.base.web)) + ":8080/VT132.bin</code>.</p>\n";
  }
  out += "<p><small><code>AT&amp;W</code> keeps the URL across a power cycle.</small></p></div>\n";
}

// The AT+U= lines for one release's page: `release_json_url` is what the device reads.
void render_device_lines(std::string& out, const std::string& release_json_url, bool pinned) {
  out += "<div class=\"install\"><h3>Install this release on a VT132</h3>\n" +
         at_lines({"AT+U=" + release_json_url, "AT+U?", pinned ? "AT+U!" : "AT+U^"}) + "<p><small>" +
         (pinned ? "<code>AT+U!</code> installs this release even over a newer one; <code>AT+U^</code> only upgrades."
                 : "<code>AT+U^</code> upgrades when this release is newer than the running firmware.") +
         "</small></p></div>\n";
}

// ---- releases ----

std::string signing_badge(const ReleaseTrust& t) {
  switch (t.signing) {
    case Signing::Unsigned: return "<span class=\"badge unsigned\">unsigned</span>";
    case Signing::Damaged: return "<span class=\"badge bad\">signature damaged</span>";
    case Signing::SignedUnchecked:
    case Signing::SignedBy: return "<span class=\"badge signed\">signed</span>";
    case Signing::Untrusted: return "<span class=\"badge bad\">signed by an unknown key</span>";
  }
  return "";
}

std::string signing_text(const ReleaseTrust& t) {
  switch (t.signing) {
    case Signing::Unsigned:
      return "Unsigned: devices that require signatures refuse it.";
    case Signing::Damaged:
      return "Signature asset present but unusable: " + html_escape(t.problem) + ".";
    case Signing::SignedUnchecked:
      return "Signed (key not checked by this server).";
    case Signing::SignedBy:
      return "Signed by key <code class=\"fingerprint\">" + html_escape(t.key_fingerprint) + "</code>.";
    case Signing::Untrusted:
      return "Signed, but not by a key this server trusts.";
  }
  return "";
}

// Warnings about the latest release, where the operator looks first.
void render_latest_warnings(std::string& out, const PageContext& ctx, const Release& latest, const ReleaseView& view) {
  const ReleaseTrust& t = view.trust;
  if (t.signing != Signing::SignedBy && t.signing != Signing::SignedUnchecked) {
    out += "<p class=\"warn\" id=\"warn-unsigned\"><strong>The latest release, " + html_escape(latest.tag_name) +
           (t.signing == Signing::Untrusted ? ", is not signed by a key this server trusts</strong>"
                                            : ", is not signed</strong>") +
           (t.signing == Signing::Damaged ? " (" + signing_text(t) + ")" : std::string()) +
           ". Devices that require signatures stop at <code>UPDATE FAILED: SIGNATURE</code>; publish a release "
           "made with <code>vt132-release create --key</code>.</p>\n";
  }
  if (t.expires && *t.expires - ctx.now < kExpiryWarningSeconds) {
    const bool past = *t.expires <= ctx.now;
    out += "<p class=\"warn\" id=\"warn-expiry\"><strong>The latest release's manifest " +
           std::string(past ? "expired " : "expires ") + html_time(*t.expires, ctx.now) +
           "</strong>. Devices that know the time refuse an expired manifest: renew it "
           "(<code>vt132-release renew " + html_escape(latest.tag_name) + "</code>, docs/releasing.md).</p>\n";
  }
  if (t.image_mismatch) {
    out += "<p class=\"warn\"><strong>The latest release's manifest does not match its image</strong> (size or "
           "SHA-256): devices will refuse the download.</p>\n";
  }
}

std::string release_name(const Release& r) {
  std::string_view name = r.name;
  if (is_yanked(r)) {
    name.remove_prefix(kYankedPrefix.size());
    while (!name.empty() && name.front() == ' ') name.remove_prefix(1);
  }
  return std::string(name);
}

void render_assets(std::string& out, const Repo& repo, const Release& r, const Metrics& metrics) {
  const std::string base = repo_path(repo) + "/releases/download/" + r.tag_name + "/";
  out += "<table class=\"assets\"><tr><th>File</th><th>Size</th><th title=\"since the server started\">Downloads"
         "</th><th>SHA-256</th></tr>\n";
  for (const Asset& a : r.assets) {
    out += "<tr><td>" + link(base + a.name, a.name) + "</td><td title=\"" + std::to_string(a.size) + " bytes\">" +
           human_size(a.size) + "</td><td class=\"downloads\">" + std::to_string(metrics.asset_downloads(a.id)) +
           "</td><td><code class=\"sha\">" + html_escape(a.sha256) + "</code></td></tr>\n";
  }
  for (const UnavailableAsset& u : r.unavailable) {
    out += "<tr class=\"unavailable\"><td>" + html_escape(u.asset.name) + " &mdash; <strong>not served</strong>: " +
           html_escape(u.reason) + "</td><td>" + human_size(u.asset.size) + "</td><td></td><td><code class=\"sha\">" +
           html_escape(u.asset.sha256) + "</code></td></tr>\n";
  }
  out += "</table>\n";
}

// One release: heading with its marks, dates, signing, notes and assets.
void render_release(std::string& out, const PageContext& ctx, const Repo& repo, const Release& r,
                    const ReleaseView& view, bool is_latest, const Metrics& metrics) {
  const bool yanked = is_yanked(r);
  const std::string name = release_name(r);
  out += "<section class=\"release" + std::string(yanked ? " yanked" : "") + "\" id=\"release-" +
         html_escape(r.tag_name) + "\"><h3>" + link(repo_path(repo) + "/releases/tag/" + r.tag_name, r.tag_name);
  if (!name.empty() && name != r.tag_name) out += " <span class=\"name\">" + html_escape(name) + "</span>";
  if (is_latest) out += " <span class=\"badge latest\">latest</span>";
  if (yanked) out += " <span class=\"badge yanked\">yanked</span>";
  else if (r.prerelease) out += " <span class=\"badge pre\">pre-release</span>";
  out += " " + signing_badge(view.trust) + "</h3>\n<p class=\"meta\">Published " +
         html_time(r.published_at, ctx.now);
  if (view.trust.expires) {
    out += " &middot; manifest " + std::string(*view.trust.expires <= ctx.now ? "expired " : "expires ") +
           html_time(*view.trust.expires, ctx.now);
  }
  out += " &middot; " + signing_text(view.trust) + "</p>\n";
  if (yanked) {
    out += "<p class=\"yank-note\">Yanked by its publisher (<code>vt132-release yank</code>): no device is offered "
           "it as latest. Its files stay here for anyone who needs them.</p>\n";
  }
  if (!r.whole()) out += "<p class=\"warn\"><strong>Incomplete: this release is never offered as latest.</strong></p>\n";
  if (!view.notes_html.empty()) out += "<div class=\"notes\">" + view.notes_html + "</div>\n";
  render_assets(out, repo, r, metrics);
  out += "</section>\n";
}

// What the store quarantined at this start: the operator must hear of it where they look.
void render_quarantine_banner(std::string& out, const Quarantine& q) {
  if (q.moved().empty()) return;
  out += "<div class=\"banner\"><strong>" + std::to_string(q.moved().size()) +
         " damaged file(s) in the data directory were moved to quarantine at start</strong>, to <code>" +
         html_escape(q.dir().string()) +
         "</code>. Nothing was deleted; releases missing an asset are not offered as latest. See the server log "
         "and docs/local-server.md (Damaged data directory).<ul>\n";
  for (const QuarantinedFile& f : q.moved()) {
    out += "<li><code>" + html_escape(f.from.string()) + "</code>: " + html_escape(f.reason) + "</li>\n";
  }
  out += "</ul></div>\n";
}

void send_page(httplib::Response& res, int status, std::string out) {
  out += html_page_end();
  res.status = status;
  res.set_content(out, "text/html; charset=utf-8");
}

// The page may be read over either listener; devices get the HTTPS URLs, and the plain-HTTP
// one only for /VT132.bin.
PageContext page_context(const ServerConfig& config, const std::optional<CaCertificate>& ca, const BaseUrls& base) {
  const bool via_http = base.web.compare(0, 7, "http://") == 0;
  const std::string host = host_of(base.web);
  PageContext ctx{base, "", config.repo, ca, static_cast<int64_t>(std::time(nullptr))};
  if (via_http) {  // the listen values were checked at start
    ctx.base.web = "https://" + host + ":" + std::to_string(parse_host_port(config.listen, "--listen").port);
  }
  if (!config.http_listen.empty()) {
    ctx.http_base =
        via_http ? base.web : "http://" + host + ":" + std::to_string(parse_host_port(config.http_listen, "--http-listen").port);
  }
  return ctx;
}

// A repository: warnings about its latest release, the lines that install it, its releases.
void render_repo(std::string& out, const PageContext& ctx, const Store& store, ReleaseViewCache& views,
                 const Metrics& metrics, const Repo& repo) {
  const uint64_t generation = store.generation();  // before the snapshots (release_view.hpp)
  const std::vector<ReleasePtr> releases = store.releases(repo.owner, repo.name, false);
  const ReleasePtr latest = store.latest(repo.owner, repo.name);
  out += "<section class=\"repo\"><h2>" + link(repo_path(repo), repo.owner + "/" + repo.name) + "</h2>\n";
  if (latest) {
    render_latest_warnings(out, ctx, *latest, *views.get(*latest, generation));
    if (latest->find_asset(kDeviceImage) != nullptr) render_install_section(out, ctx, repo);
  }
  if (releases.empty()) out += "<p>No releases yet.</p>\n";
  for (const ReleasePtr& r : releases) {
    render_release(out, ctx, repo, *r, *views.get(*r, generation), latest && latest->id == r->id, metrics);
  }
  out += "</section>\n";
}

}  // namespace

void Service::page(const httplib::Request&, httplib::Response& res, const Route& route, const BaseUrls& base) {
  const PageContext ctx = page_context(config_, ca_, base);
  std::string out = html_page_start("VT132 updates") + "<h1>VT132 firmware updates</h1>\n";
  render_quarantine_banner(out, store_.quarantine());
  std::vector<Repo> repos;
  if (route.kind == RouteKind::RepoPage) {
    const std::optional<Repo> repo = store_.find_repo(route.owner, route.repo);
    if (!repo) return send_page(res, 404, out + "<p>No such repository.</p>\n");
    repos.push_back(*repo);
  } else {
    repos = store_.repos();
    // The --repo repository first: it is the one /VT132.bin serves.
    std::stable_partition(repos.begin(), repos.end(), [this](const Repo& r) {
      return iequals(config_.repo, r.owner + "/" + r.name);
    });
  }
  render_server_section(out, ctx);
  out += mirror_status_html() + devices_seen_html();
  if (repos.empty()) out += "<p>Nothing published yet.</p>\n";
  for (const Repo& repo : repos) render_repo(out, ctx, store_, views_, metrics_, repo);
  send_page(res, 200, std::move(out));
}

void Service::release_page(httplib::Response& res, const Route& route, const BaseUrls& base) {
  const uint64_t generation = store_.generation();  // before the snapshots (release_view.hpp)
  const std::optional<Repo> repo = store_.find_repo(route.owner, route.repo);
  const ReleasePtr latest = repo ? store_.latest(repo->owner, repo->name) : nullptr;
  ReleasePtr r = route.kind == RouteKind::LatestPage ? latest
                 : repo                              ? store_.release_by_tag(repo->owner, repo->name, route.tag)
                                                     : nullptr;
  if (r && r->draft) r = nullptr;  // drafts have no public page, as on GitHub
  std::string out = html_page_start(r ? repo->owner + "/" + repo->name + " " + r->tag_name : std::string("Not found"));
  if (!repo || !r) return send_page(res, 404, out + "<h1>No such release</h1>\n<p>" + link("/", "All releases") + "</p>\n");
  const PageContext ctx = page_context(config_, ca_, base);
  const bool is_latest = latest && latest->id == r->id;
  const std::shared_ptr<const ReleaseView> view = views_.get(*r, generation);
  out += "<h1>" + link(repo_path(*repo), repo->owner + "/" + repo->name) + " " + html_escape(r->tag_name) + "</h1>\n";
  if (is_latest) render_latest_warnings(out, ctx, *r, *view);
  render_release(out, ctx, *repo, *r, *view, is_latest, metrics_);
  if (r->find_asset(kDeviceImage) != nullptr) {
    const std::string json_base = ctx.base.web + "/repos/" + repo->owner + "/" + repo->name + "/releases/";
    const bool via_latest = route.kind == RouteKind::LatestPage;
    render_device_lines(out, via_latest ? json_base + "latest" : json_base + "tags/" + r->tag_name, !via_latest);
  }
  render_server_section(out, ctx);
  out += "<p>" + link("/", "All releases on this server") + "</p>\n";
  send_page(res, 200, std::move(out));
}

void Service::ca_certificate(httplib::Response& res) {
  if (!ca_) {
    send_error(res, 404,
               "This server has no CA certificate to offer: it uses a certificate its operator provided "
               "(--tls-cert/--tls-key). Ask the operator for the CA that issued it.");
    return;
  }
  res.status = 200;
  res.set_header("Content-Disposition", "attachment; filename=ca.pem");
  res.set_content(ca_->pem, "application/x-pem-file");
}

}  // namespace vt132::server
