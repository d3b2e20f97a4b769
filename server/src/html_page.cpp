// The human page: releases with version, date, notes, asset sizes, SHA-256 and links.
#include "service.hpp"

namespace vt132::server {

namespace {

std::string escape(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

std::string human_size(uint64_t n) {
  char buf[32];
  if (n >= (1u << 20)) {
    std::snprintf(buf, sizeof buf, "%.2f MiB", static_cast<double>(n) / (1u << 20));
  } else if (n >= 1024) {
    std::snprintf(buf, sizeof buf, "%.1f KiB", static_cast<double>(n) / 1024);
  } else {
    std::snprintf(buf, sizeof buf, "%llu B", static_cast<unsigned long long>(n));
  }
  return buf;
}

void render_repo(std::string& out, const Repo& repo, const std::vector<ReleasePtr>& releases, const ReleasePtr& latest) {
  const std::string base = "/" + escape(repo.owner) + "/" + escape(repo.name);
  out += "<h2><a href=\"" + base + "\">" + escape(repo.owner) + "/" + escape(repo.name) + "</a></h2>\n";
  if (releases.empty()) out += "<p>No releases yet.</p>\n";
  for (const ReleasePtr& r : releases) {
    out += "<section><h3>" + escape(r->tag_name);
    if (!r->name.empty() && r->name != r->tag_name) out += " &mdash; " + escape(r->name);
    if (latest && latest->id == r->id) out += " <small>(latest)</small>";
    if (r->prerelease) out += " <small>(pre-release)</small>";
    out += "</h3>\n<p>Published " + escape(iso8601(r->published_at)) + "</p>\n";
    if (!r->body.empty()) out += "<pre>" + escape(r->body) + "</pre>\n";
    out += "<table><tr><th>File</th><th>Size</th><th>SHA-256</th></tr>\n";
    for (const Asset& a : r->assets) {
      out += "<tr><td><a href=\"" + base + "/releases/download/" + escape(r->tag_name) + "/" + escape(a.name) + "\">" +
             escape(a.name) + "</a></td><td>" + human_size(a.size) + "</td><td><code>" + escape(a.sha256) +
             "</code></td></tr>\n";
    }
    for (const UnavailableAsset& u : r->unavailable) {
      out += "<tr class=\"unavailable\"><td>" + escape(u.asset.name) + " &mdash; <strong>not served</strong>: " +
             escape(u.reason) + "</td><td>" + human_size(u.asset.size) + "</td><td><code>" + escape(u.asset.sha256) +
             "</code></td></tr>\n";
    }
    out += "</table>";
    if (!r->whole()) out += "<p><strong>Incomplete: this release is never offered as latest.</strong></p>";
    out += "</section>\n";
  }
}

// What the store quarantined at this start: the operator must hear of it where they look.
void render_quarantine_banner(std::string& out, const Quarantine& q) {
  if (q.moved().empty()) return;
  out += "<div class=\"banner\"><strong>" + std::to_string(q.moved().size()) +
         " damaged file(s) in the data directory were moved to quarantine at start</strong>, to <code>" +
         escape(q.dir().string()) +
         "</code>. Nothing was deleted; releases missing an asset are not offered as latest. See the server log "
         "and docs/local-server.md (Damaged data directory).<ul>\n";
  for (const QuarantinedFile& f : q.moved()) {
    out += "<li><code>" + escape(f.from.string()) + "</code>: " + escape(f.reason) + "</li>\n";
  }
  out += "</ul></div>\n";
}

}  // namespace

void Service::page(const httplib::Request&, httplib::Response& res, const Route& route, bool) {
  std::string out =
      "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>VT132 updates</title>\n"
      "<style>body{font-family:sans-serif;max-width:60em;margin:auto;padding:1em}"
      "td,th{padding:.2em .8em;text-align:left}code{font-size:.8em}pre{white-space:pre-wrap}"
      ".banner{border:2px solid #b00;padding:.5em 1em;background:#fee}.unavailable{color:#b00}</style>"
      "</head><body>\n<h1>VT132 firmware updates</h1>\n";
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

}  // namespace vt132::server
