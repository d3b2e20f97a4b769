// The human pages: the repositories' releases, and one release (its html_url, and
// /releases/latest) with version, date, notes, asset sizes, SHA-256, links and, for the
// VT132 image, the AT+U= lines that install it.
#include "html_text.hpp"
#include "markdown.hpp"
#include "service.hpp"

namespace vt132::server {

namespace {

// The VT132 image a device installs; its row gets the AT+U= lines that install it.
constexpr std::string_view kDeviceImage = "VT132.bin";

// The AT+U= line for `release_json_url` (a release JSON the device reads) and what to type next.
void render_device_lines(std::string& out, const std::string& release_json_url, bool pinned) {
  out += "<p>On a VT132, type:</p>\n<pre>AT+U=" + html_escape(release_json_url) + "\n" +
         (pinned ? "AT+U!   (installs this release even over a newer one; AT+U^ only upgrades)"
                 : "AT+U^   (upgrades when this release is newer than the running firmware)") +
         "</pre>\n";
}

// One release: heading, date, notes (Markdown, safe mode), assets with size, SHA-256 and
// download link; `device_url` set: the AT+U= lines for its VT132 image.
void render_release(std::string& out, const Repo& repo, const Release& r, bool is_latest,
                    const std::string& device_url = "", bool pinned = false) {
  const std::string base = "/" + html_escape(repo.owner) + "/" + html_escape(repo.name);
  out += "<section><h3><a href=\"" + base + "/releases/tag/" + html_escape(r.tag_name) + "\">" +
         html_escape(r.tag_name) + "</a>";
  if (!r.name.empty() && r.name != r.tag_name) out += " &mdash; " + html_escape(r.name);
  if (is_latest) out += " <small>(latest)</small>";
  if (r.prerelease) out += " <small>(pre-release)</small>";
  out += "</h3>\n<p>Published " + html_escape(iso8601(r.published_at)) + "</p>\n";
  out += markdown_to_html(r.body);
  out += "<table><tr><th>File</th><th>Size</th><th>SHA-256</th></tr>\n";
  for (const Asset& a : r.assets) {
    out += "<tr><td><a href=\"" + base + "/releases/download/" + html_escape(r.tag_name) + "/" +
           html_escape(a.name) + "\">" + html_escape(a.name) + "</a></td><td>" + human_size(a.size) + " (" +
           std::to_string(a.size) + " bytes)</td><td><code>" + html_escape(a.sha256) + "</code></td></tr>\n";
  }
  for (const UnavailableAsset& u : r.unavailable) {
    out += "<tr class=\"unavailable\"><td>" + html_escape(u.asset.name) + " &mdash; <strong>not served</strong>: " +
           html_escape(u.reason) + "</td><td>" + human_size(u.asset.size) + "</td><td><code>" +
           html_escape(u.asset.sha256) + "</code></td></tr>\n";
  }
  out += "</table>";
  if (!r.whole()) out += "<p><strong>Incomplete: this release is never offered as latest.</strong></p>";
  if (!device_url.empty() && r.find_asset(kDeviceImage) != nullptr) render_device_lines(out, device_url, pinned);
  out += "</section>\n";
}

void render_repo(std::string& out, const Repo& repo, const std::vector<ReleasePtr>& releases, const ReleasePtr& latest) {
  const std::string base = "/" + html_escape(repo.owner) + "/" + html_escape(repo.name);
  out += "<h2><a href=\"" + base + "\">" + html_escape(repo.owner) + "/" + html_escape(repo.name) + "</a></h2>\n";
  if (releases.empty()) out += "<p>No releases yet.</p>\n";
  for (const ReleasePtr& r : releases) render_release(out, repo, *r, latest && latest->id == r->id);
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

}  // namespace

void Service::page(const httplib::Request&, httplib::Response& res, const Route& route, bool) {
  std::string out = html_page_start("VT132 updates") + "<h1>VT132 firmware updates</h1>\n";
  render_quarantine_banner(out, store_.quarantine());
  std::vector<Repo> repos;
  if (route.kind == RouteKind::RepoPage) {
    const std::optional<Repo> repo = store_.find_repo(route.owner, route.repo);
    if (!repo) {
      res.status = 404;
      res.set_content(out + "<p>No such repository.</p></body></html>\n", "text/html; charset=utf-8");
      return;
    }
    repos.push_back(*repo);
  } else {
    repos = store_.repos();
  }
  if (repos.empty()) out += "<p>Nothing published yet.</p>\n";
  for (const Repo& repo : repos) {
    render_repo(out, repo, store_.releases(repo.owner, repo.name, false), store_.latest(repo.owner, repo.name));
  }
  out += "</body></html>\n";
  res.status = 200;
  res.set_content(out, "text/html; charset=utf-8");
}

void Service::release_page(httplib::Response& res, const Route& route, const BaseUrls& base) {
  const std::optional<Repo> repo = store_.find_repo(route.owner, route.repo);
  const ReleasePtr latest = repo ? store_.latest(repo->owner, repo->name) : nullptr;
  ReleasePtr r = route.kind == RouteKind::LatestPage ? latest
                 : repo                              ? store_.release_by_tag(repo->owner, repo->name, route.tag)
                                                     : nullptr;
  if (r && r->draft) r = nullptr;  // drafts have no public page, as on GitHub
  std::string out = html_page_start(r ? r->tag_name : std::string("Not found"));
  if (!repo || !r) {
    res.status = 404;
    res.set_content(out + "<p>No such release.</p></body></html>\n", "text/html; charset=utf-8");
    return;
  }
  const std::string json_base = base.web + "/repos/" + repo->owner + "/" + repo->name + "/releases/";
  const bool via_latest = route.kind == RouteKind::LatestPage;
  out += "<h1><a href=\"/" + html_escape(repo->owner) + "/" + html_escape(repo->name) + "\">" +
         html_escape(repo->owner) + "/" + html_escape(repo->name) + "</a></h1>\n";
  render_release(out, *repo, *r, latest && latest->id == r->id,
                 via_latest ? json_base + "latest" : json_base + "tags/" + r->tag_name, !via_latest);
  out += "</body></html>\n";
  res.status = 200;
  res.set_content(out, "text/html; charset=utf-8");
}

}  // namespace vt132::server
