#include "mirror.hpp"

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <map>
#include <vector>

#include <spdlog/spdlog.h>

#include "names.hpp"
#include "service.hpp"
#include "storage.hpp"
#include "vt132/core/manifest.hpp"
#include "vt132/host/error.hpp"
#include "vt132/host/hex.hpp"
#include "vt132/host/release_writer.hpp"

namespace vt132::server {

namespace {

using nlohmann::json;

int64_t now_seconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

struct UpstreamAsset {
  uint64_t id = 0;
  std::string name;
  std::string label;
  std::string content_type;
  uint64_t size = 0;
  std::string sha256;  // from "digest": "sha256:<hex>"; empty when the upstream gives none
  std::string url;     // the API URL (Accept: application/octet-stream), else the browser URL
};

struct UpstreamRelease {
  std::string tag;
  std::string name;
  std::string body;
  std::string target;
  bool prerelease = false;
  std::vector<UpstreamAsset> assets;
};

namespace {

// A release the upstream lists that cannot be mirrored; the sync goes on with the others.
struct Refused : std::runtime_error {
  using std::runtime_error::runtime_error;
};

std::string text_field(const json& j, const char* key) {
  const auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

bool is_sha256_hex(const std::string& s) {
  return s.size() == 64 && s.find_first_not_of("0123456789abcdef") == std::string::npos;
}

UpstreamAsset read_asset(const json& j, uint64_t max_bytes) {
  if (!j.is_object()) throw Refused("an asset entry is not an object");
  UpstreamAsset a;
  a.name = text_field(j, "name");
  if (!valid_asset_name(a.name)) throw Refused("asset name \"" + host::printable(a.name.substr(0, 80)) + "\" is not valid");
  const auto id = j.find("id");
  const auto size = j.find("size");
  if (id == j.end() || !id->is_number_unsigned() || size == j.end() || !size->is_number_unsigned()) {
    throw Refused(a.name + ": no numeric id or size");
  }
  a.id = id->get<uint64_t>();
  a.size = size->get<uint64_t>();
  if (a.size > max_bytes) {
    throw Refused(a.name + ": " + std::to_string(a.size) + " bytes, over --max-upload-bytes " + std::to_string(max_bytes));
  }
  a.label = text_field(j, "label");
  if (!valid_text(a.label, kMaxLabelLength, false)) a.label.clear();
  a.content_type = text_field(j, "content_type");
  if (a.content_type.empty() || !valid_text(a.content_type, 255, false)) a.content_type = "application/octet-stream";
  const std::string digest = text_field(j, "digest");
  if (!digest.empty()) {
    if (digest.rfind("sha256:", 0) != 0 || !is_sha256_hex(digest.substr(7))) {
      throw Refused(a.name + ": digest \"" + host::printable(digest.substr(0, 80)) + "\" is not sha256:<64 hex digits>");
    }
    a.sha256 = digest.substr(7);
  }
  a.url = text_field(j, "url");
  if (a.url.empty()) a.url = text_field(j, "browser_download_url");
  if (a.url.empty()) throw Refused(a.name + ": no download URL");
  return a;
}

UpstreamRelease read_release(const json& j, uint64_t max_bytes) {
  UpstreamRelease r;
  r.tag = text_field(j, "tag_name");
  if (!valid_tag(r.tag)) throw Refused("tag \"" + host::printable(r.tag.substr(0, 80)) + "\" is not valid");
  r.name = text_field(j, "name");
  r.body = text_field(j, "body");
  r.target = text_field(j, "target_commitish");
  r.prerelease = j.value("prerelease", false);
  const auto assets = j.find("assets");
  if (assets == j.end() || !assets->is_array()) throw Refused(r.tag + ": no asset list");
  if (assets->size() > kMirrorMaxAssets) {
    throw Refused(r.tag + ": " + std::to_string(assets->size()) + " assets, more than the mirror takes (" +
                  std::to_string(kMirrorMaxAssets) + ")");
  }
  std::set<std::string> names;
  for (const json& a : *assets) {
    r.assets.push_back(read_asset(a, max_bytes));
    if (!names.insert(r.assets.back().name).second) throw Refused(r.tag + ": asset " + r.assets.back().name + " twice");
  }
  return r;
}

// The resumable download's name in tmp/resume/: only digits and hex, never upstream text.
std::string resume_key(const UpstreamAsset& a) {
  return "a" + std::to_string(a.id) + "-" + (a.sha256.empty() ? std::string("nodigest") : a.sha256.substr(0, 16));
}

// How the local copy differs from the upstream release ("" when it does not).
std::string differences(const Release& local, const UpstreamRelease& up) {
  std::vector<std::string> what;
  if (local.name != up.name) what.push_back("name");
  if (local.body != up.body) what.push_back("notes");
  if (local.prerelease != up.prerelease) what.push_back("prerelease");
  std::map<std::string, std::string> here;
  for (const Asset& a : local.assets) here[a.name] = a.sha256;
  for (const UpstreamAsset& a : up.assets) {
    const auto it = here.find(a.name);
    if (it == here.end()) {
      what.push_back("asset " + a.name + " added");
    } else {
      if (!a.sha256.empty() && a.sha256 != it->second) what.push_back("asset " + a.name + " replaced");
      here.erase(it);
    }
  }
  for (const auto& [name, sha] : here) what.push_back("asset " + name + " deleted");
  std::string out;
  for (const std::string& w : what) out += (out.empty() ? "" : ", ") + w;
  return out;
}

bool assets_changed(const std::string& diff) { return diff.find("asset ") != std::string::npos; }

}  // namespace

struct Mirror::Counts {
  size_t up_to_date = 0;
  size_t published = 0;
  std::vector<std::string> refused;  // "TAG: why"
};

int64_t mirror_backoff_seconds(int interval_s, uint64_t failures) {
  const int64_t start = std::max<int64_t>(1, std::min<int64_t>(interval_s, 30));
  const int64_t cap = std::max<int64_t>(interval_s, 15 * 60);
  int64_t delay = start;
  for (uint64_t i = 1; i < failures && delay < cap; ++i) delay *= 2;
  return std::min(delay, cap);
}

Mirror::Mirror(MirrorOptions options, Store& store, MirrorStatus& status)
    : options_(std::move(options)), store_(store), status_(status), client_(options_.upstream) {
  if (!valid_full_name(options_.repo)) throw host::Error("--mirror \"" + options_.repo + "\" is not OWNER/NAME");
  if (options_.interval_s < 1) throw host::Error("--mirror-interval must be at least 1 second");
  owner_ = options_.repo.substr(0, options_.repo.find('/'));
  name_ = options_.repo.substr(options_.repo.find('/') + 1);
  if (!options_.trust_key.empty()) trust_key_.emplace(options_.trust_key);
  status_.update([&](MirrorSnapshot& s) {
    s.repo = options_.repo;
    s.upstream = options_.upstream.api_url;
    s.next_sync_at = now_seconds();
  });
}

Mirror::~Mirror() { stop(); }

void Mirror::start() {
  spdlog::info("mirror: following {} at {} every {} s{}{}", options_.repo, options_.upstream.api_url,
               options_.interval_s, trust_key_ ? ", manifests checked with key " + trust_key_->fingerprint_sha256() : "",
               options_.prune ? ", pruning what upstream drops" : "");
  thread_ = std::thread([this] { run(); });
}

void Mirror::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  client_.cancel();
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

int64_t Mirror::next_delay(bool ok) {
  uint64_t failures = 0;
  status_.update([&](MirrorSnapshot& s) {
    s.consecutive_failures = ok ? 0 : s.consecutive_failures + 1;
    failures = s.consecutive_failures;
  });
  int64_t delay = ok ? options_.interval_s : mirror_backoff_seconds(options_.interval_s, failures);
  // The upstream's own wish (Retry-After, a spent rate limit) wins when it is later.
  if (client_.not_before() > now_seconds() + delay) delay = client_.not_before() - now_seconds();
  return delay;
}

void Mirror::run() {
  for (;;) {
    std::string result;
    bool ok = false;
    try {
      ok = sync_once(result);
    } catch (const std::exception& e) {
      result = std::string("failed: ") + e.what();
    }
    {
      std::lock_guard lock(mutex_);
      if (stopping_) return;
    }
    const int64_t delay = next_delay(ok);
    const int64_t now = now_seconds();
    status_.update([&](MirrorSnapshot& s) {
      s.last_sync_at = now;
      s.last_sync_ok = ok;
      s.last_result = result;
      if (ok) s.last_success_at = now;
      s.next_sync_at = now + delay;
      ++s.syncs_total;
      if (!ok) ++s.syncs_failed_total;
      s.upstream_requests_total = client_.requests_sent();
    });
    if (ok) {
      spdlog::info("mirror: sync done: {}; next in {} s", result, delay);
    } else {
      spdlog::warn("mirror: sync {}; serving what is here, retrying in {} s", result, delay);
    }
    std::unique_lock lock(mutex_);
    if (wake_.wait_for(lock, std::chrono::seconds(delay), [this] { return stopping_; })) return;
  }
}

void Mirror::report_once(const std::string& key, const std::string& message) {
  if (reported_.size() < 10000 && reported_.insert(key).second) spdlog::warn("mirror: {}", message);
}

bool Mirror::sync_once(std::string& result) {
  const JsonAnswer list = client_.get_json(
      "/repos/" + options_.repo + "/releases?per_page=" + std::to_string(kMirrorMaxReleases), etag_);
  status_.update([&](MirrorSnapshot& s) { s.upstream_requests_total = client_.requests_sent(); });
  if (list.not_modified) {
    status_.update([](MirrorSnapshot& s) { ++s.not_modified_total; });
    result = "upstream unchanged (304)";
    return true;
  }
  if (!list.body.is_array()) throw UpstreamError(200, "the upstream's release list is not a JSON array");
  const size_t listed = std::min(list.body.size(), kMirrorMaxReleases);

  // Oldest first, so each publication finds its predecessors here; the upstream's newest
  // stable release (GitHub lists newest first) is the one marked latest.
  std::vector<std::pair<std::unique_ptr<UpstreamRelease>, std::string>> releases;  // release or why not
  std::set<std::string> upstream_tags;
  bool newest_seen = false;
  std::string newest_stable;
  for (size_t i = 0; i < listed; ++i) {
    const json& j = list.body[i];
    if (!j.is_object() || j.value("draft", false)) continue;
    upstream_tags.insert(text_field(j, "tag_name"));
    try {
      auto r = std::make_unique<UpstreamRelease>(read_release(j, options_.max_asset_bytes));
      if (!r->prerelease && !newest_seen) {
        newest_seen = true;
        newest_stable = r->tag;
      }
      releases.emplace_back(std::move(r), "");
    } catch (const Refused& e) {
      releases.emplace_back(nullptr, e.what());
    }
  }
  Counts counts;
  for (auto it = releases.rbegin(); it != releases.rend(); ++it) {
    if (!it->first) {
      counts.refused.push_back(it->second);
      report_once("invalid:" + it->second, "upstream release not mirrored: " + it->second);
      continue;
    }
    const UpstreamRelease& up = *it->first;
    try {
      mirror_release(up, up.tag == newest_stable, counts);
    } catch (const Refused& e) {
      counts.refused.push_back(up.tag + ": " + e.what());
      spdlog::error("mirror: release {} not published: {}", up.tag, e.what());
    } catch (const StoreError& e) {
      counts.refused.push_back(up.tag + ": " + e.what());
      spdlog::error("mirror: release {} not published: the store refused it: {}", up.tag, e.what());
    }
  }
  // A list cut at the bound does not show what the upstream deleted.
  if (list.body.size() < kMirrorMaxReleases) follow_removals(upstream_tags);

  // The ETag is kept only once everything listed is here: a refused release is tried again
  // at the next sync instead of hiding behind a 304.
  etag_ = counts.refused.empty() ? list.etag : "";
  result = std::to_string(counts.published) + " published, " + std::to_string(counts.up_to_date) + " up to date";
  if (!counts.refused.empty()) {
    result += ", " + std::to_string(counts.refused.size()) + " refused (" + counts.refused.front() +
              (counts.refused.size() > 1 ? ", ..." : "") + ")";
  }
  return true;
}

void Mirror::mirror_release(const UpstreamRelease& up, bool newest_stable, Counts& counts) {
  ReleasePtr local = store_.release_by_tag(owner_, name_, up.tag);
  if (local && local->author != kMirrorAuthor) {
    report_once("foreign:" + up.tag, "release " + up.tag + " exists here and was not made by the mirror: left as it is");
    ++counts.up_to_date;
    return;
  }
  if (local && !local->draft) {
    follow_edit(*local, up);
    // A pruned release (its assets changed upstream) is mirrored again below.
    local = store_.release_by_tag(owner_, name_, up.tag);
    if (local) {
      ++counts.up_to_date;
      return;
    }
  }
  if (!local) {
    ReleaseFields f;
    f.tag_name = up.tag;
    f.name = up.name;
    f.body = up.body;
    if (!up.target.empty()) f.target_commitish = up.target;
    f.prerelease = up.prerelease;
    f.draft = true;
    local = store_.create_release(owner_, name_, f, kMirrorAuthor);
    spdlog::info("mirror: new upstream release {} ({} assets): downloading into a draft", up.tag, up.assets.size());
  }
  const uint64_t draft_id = local->id;
  // A draft asset the upstream no longer has, or has with other bytes, goes: a draft is the
  // mirror's own work area, never served.
  for (const Asset& a : local->assets) {
    const auto match = std::find_if(up.assets.begin(), up.assets.end(), [&](const UpstreamAsset& u) {
      return u.name == a.name && (u.sha256.empty() || u.sha256 == a.sha256) && u.size == a.size;
    });
    if (match == up.assets.end()) store_.delete_asset(owner_, name_, a.id);
  }
  // The small signed manifest first: with --trust-key a bad one stops before the image.
  std::vector<const UpstreamAsset*> order;
  for (const UpstreamAsset& a : up.assets) order.push_back(&a);
  std::stable_partition(order.begin(), order.end(), [](const UpstreamAsset* a) {
    return a->name == host::kManifestAssetName || a->name == host::kSignatureAssetName;
  });
  std::string refused;
  bool signature_checked = false;
  for (const UpstreamAsset* a : order) {
    const ReleasePtr draft = store_.release_by_id(owner_, name_, draft_id);
    if (!draft) throw Refused("its draft was deleted while the mirror filled it");
    const bool signing_file = a->name == host::kManifestAssetName || a->name == host::kSignatureAssetName;
    if (trust_key_ && !signing_file && !signature_checked) {
      signed_manifest(*draft);  // a foreign signature stops here, before the big downloads
      signature_checked = true;
    }
    if (draft->find_asset(a->name) != nullptr) continue;
    if (a->sha256.empty() && !trust_key_) {
      refused = a->name + ": the upstream gives no sha256 digest and no --trust-key manifest can vouch for it";
      break;
    }
    try {
      fetch_asset(draft_id, *a);
    } catch (const Refused& e) {
      refused = e.what();
      break;
    }
  }
  if (!refused.empty()) {
    status_.update([](MirrorSnapshot& s) { ++s.assets_refused_total; });
    throw Refused(refused);
  }
  const ReleasePtr draft = store_.release_by_id(owner_, name_, draft_id);
  if (trust_key_) {
    const std::set<std::string> vouched = check_manifest(*draft);
    for (const UpstreamAsset& a : up.assets) {
      if (a.sha256.empty() && vouched.count(a.name) == 0) {
        throw Refused(a.name + ": the upstream gives no sha256 digest and the signed manifest does not list it");
      }
    }
  }
  ReleaseFields publish;
  publish.draft = false;
  publish.make_latest = newest_stable ? MakeLatest::True : MakeLatest::False;
  store_.update_release(owner_, name_, draft_id, publish);
  ++counts.published;
  status_.update([](MirrorSnapshot& s) { ++s.releases_published_total; });
  spdlog::info("mirror: published {} ({} assets verified{})", up.tag, up.assets.size(),
               trust_key_ ? ", manifest signature good" : "");
}

void Mirror::fetch_asset(uint64_t draft_id, const UpstreamAsset& a) {
  std::unique_ptr<Upload> part = store_.resume_upload(resume_key(a));
  if (part->size() > a.size) part->restart();
  if (part->size() > 0 && part->size() < a.size) {
    spdlog::info("mirror: resuming {} at byte {} of {}", a.name, part->size(), a.size);
  } else if (part->size() == 0) {
    spdlog::info("mirror: downloading {} ({} bytes)", a.name, a.size);
  }
  if (part->size() < a.size || a.size == 0) {
    try {
      client_.download(a.url, *part, a.size);
    } catch (const UpstreamError& e) {
      // A 4xx for this asset is about it alone; anything else means the upstream is down.
      if (e.status() >= 400 && e.status() < 500 && e.status() != 403 && e.status() != 429) throw Refused(e.what());
      throw;
    }
  }
  if (part->size() != a.size) {
    const uint64_t got = part->size();
    part->discard();
    throw Refused(a.name + ": the upstream lists " + std::to_string(a.size) + " bytes, it sent " + std::to_string(got));
  }
  const std::string sha = part->sha256_so_far();
  if (!a.sha256.empty() && sha != a.sha256) {
    part->discard();
    throw Refused(a.name + ": its SHA-256 " + sha + " does not match the upstream digest sha256:" + a.sha256 +
                  " (damaged or tampered; not published)");
  }
  store_.commit_upload(owner_, name_, draft_id, std::move(part), a.name, a.label, a.content_type, kMirrorAuthor);
  status_.update([](MirrorSnapshot& s) { ++s.assets_downloaded_total; });
}

core::Manifest Mirror::signed_manifest(const Release& draft) const {
  const Asset* manifest = draft.find_asset(host::kManifestAssetName);
  const Asset* sig = draft.find_asset(host::kSignatureAssetName);
  if (manifest == nullptr || sig == nullptr) {
    throw Refused(std::string("--trust-key is set but the release has no ") + host::kManifestAssetName + " and " +
                  host::kSignatureAssetName);
  }
  const std::string_view text(manifest->blob->data(), manifest->blob->size());
  const std::vector<uint8_t> signature(sig->blob->data(), sig->blob->data() + sig->blob->size());
  if (!trust_key_->verify(text, signature)) {
    throw Refused(std::string(host::kManifestAssetName) + ": the signature does not verify with --trust-key " +
                  trust_key_->fingerprint_sha256());
  }
  core::Manifest m;
  core::ManifestProblem problem;
  if (core::parse_manifest(text.data(), text.size(), m, problem) != core::ManifestError::Ok) {
    char buf[160];
    core::format_manifest_problem(problem, buf, sizeof buf);
    throw Refused(std::string(host::kManifestAssetName) + ": " + buf);
  }
  if (draft.tag_name != m.version) {
    throw Refused(std::string("the signed manifest is for version ") + host::printable(m.version) + ", not " +
                  draft.tag_name);
  }
  return m;
}

std::set<std::string> Mirror::check_manifest(const Release& draft) const {
  const core::Manifest m = signed_manifest(draft);
  auto vouch = [&](const char* name, uint64_t size, const core::Sha256Digest& sha, bool required) {
    const Asset* a = draft.find_asset(name);
    if (a == nullptr) {
      if (required) throw Refused(std::string("the signed manifest names image ") + host::printable(name) + ", which the release lacks");
      return;
    }
    const std::string want = host::to_hex(sha.data(), sha.size());
    if (a->size != size || a->sha256 != want) {
      throw Refused(a->name + ": its SHA-256 " + a->sha256 + " or size does not match the signed manifest (sha256 " +
                    want + ", " + std::to_string(size) + " bytes)");
    }
  };
  vouch(m.image, m.size, m.sha256, true);
  std::set<std::string> vouched{host::kManifestAssetName, host::kSignatureAssetName, m.image};
  for (size_t i = 0; i < m.patch_count; ++i) {
    vouch(m.patches[i].asset, m.patches[i].size, m.patches[i].sha256, false);
    vouched.insert(m.patches[i].asset);
  }
  return vouched;
}

void Mirror::follow_edit(const Release& local, const UpstreamRelease& up) {
  const std::string diff = differences(local, up);
  if (diff.empty()) return;
  if (!options_.prune) {
    report_once("edit:" + up.tag + ":" + diff,
                "upstream edited release " + up.tag + " (" + diff + "); the local copy is kept (--mirror-prune follows)");
    return;
  }
  if (assets_changed(diff)) {
    spdlog::warn("mirror: upstream edited release {} ({}): --mirror-prune: replacing the local copy", up.tag, diff);
    store_.delete_release(owner_, name_, local.id);
    return;
  }
  spdlog::warn("mirror: upstream edited release {} ({}): --mirror-prune: following", up.tag, diff);
  ReleaseFields f;
  f.name = up.name;
  f.body = up.body;
  f.prerelease = up.prerelease;
  store_.update_release(owner_, name_, local.id, f);
}

void Mirror::follow_removals(const std::set<std::string>& upstream_tags) {
  for (const ReleasePtr& r : store_.releases(owner_, name_, true)) {
    if (r->author != kMirrorAuthor || upstream_tags.count(r->tag_name) != 0) continue;
    if (r->draft) {
      // The mirror's unfinished work for a release the upstream dropped: not served, not kept.
      store_.delete_release(owner_, name_, r->id);
      continue;
    }
    if (!options_.prune) {
      report_once("gone:" + r->tag_name, "upstream no longer lists release " + r->tag_name +
                                             "; the local copy is kept (--mirror-prune removes it)");
      continue;
    }
    spdlog::warn("mirror: upstream no longer lists release {}: --mirror-prune: removing the local copy", r->tag_name);
    store_.delete_release(owner_, name_, r->id);
  }
}

}  // namespace vt132::server

namespace vt132::server {

std::unique_ptr<Mirror> make_mirror(const ServerConfig& config, Store& store, MirrorStatus& status) {
  if (config.mirror.empty()) return nullptr;
  MirrorOptions o;
  o.repo = config.mirror;
  o.upstream.api_url = config.upstream;
  o.upstream.ca_file = config.upstream_cacert.string();
  o.upstream.max_json_bytes = kMaxJsonBody;
  if (!config.upstream_token_env.empty()) {
    const char* token = std::getenv(config.upstream_token_env.c_str());
    if (token == nullptr || *token == '\0') {
      throw host::Error("--upstream-token-env " + config.upstream_token_env + ": that environment variable is not set");
    }
    o.upstream.token = token;
  }
  o.interval_s = config.mirror_interval_s;
  o.trust_key = config.trust_key;
  o.prune = config.mirror_prune;
  o.max_asset_bytes = config.max_upload_bytes;
  return std::make_unique<Mirror>(std::move(o), store, status);
}

}  // namespace vt132::server
