// Asset bytes: browser download URLs, the API's octet-stream form and /{name} at the root.
// Answered with 200 directly (no redirect), single ranges as 206, from the shared memory
// map of the asset file.

#include <ctime>
#include <memory>

#include "names.hpp"
#include "ranges.hpp"
#include "service.hpp"
#include "utc_time.hpp"

namespace vt132::server {

namespace {

constexpr size_t kWriteChunk = 64 * 1024;

std::string http_date(int64_t unix_seconds) {
  return format_utc(unix_seconds, "%a, %d %b %Y %H:%M:%S GMT");
}

}  // namespace

void Service::download(const httplib::Request& req, httplib::Response& res, const Route& route) {
  std::string owner(route.owner), repo(route.repo);
  if (route.kind == RouteKind::RootAsset) {
    if (repo_owner_.empty()) {
      note_client(req);
      send_error(res, 404, "This server serves /" + std::string(route.name) +
                               " only when started with --repo OWNER/NAME (its latest release's asset)");
      return;
    }
    owner = repo_owner_;
    repo = repo_name_;
  }
  const ReleasePtr release = route.kind == RouteKind::Download ? store_.release_by_tag(owner, repo, route.tag)
                                                                : store_.latest(owner, repo);
  const std::optional<Repo> found = store_.find_repo(owner, repo);
  const Asset* asset = release ? release->find_asset(route.name) : nullptr;
  if (!release && route.kind != RouteKind::Download) {
    note_client(req);
    send_error(res, 404, no_release_message(owner, repo));
    return;
  }
  if (!release || release->draft || !found || asset == nullptr) {
    note_client(req);
    send_error(res, 404, "Not Found");
    return;
  }
  serve_asset(req, res, *found, *release, *asset);
}

void Service::serve_asset(const httplib::Request& req, httplib::Response& res, const Repo& repo,
                          const Release& release, const Asset& asset) {
  const std::string etag = "\"" + asset.sha256 + "\"";
  const uint64_t size = asset.size;
  res.set_header("ETag", etag);
  res.set_header("Accept-Ranges", "bytes");
  res.set_header("Last-Modified", http_date(asset.created_at));
  res.set_header("Content-Disposition", "attachment; filename=" + asset.name);
  if (etag_matches(req, etag)) {
    note_client(req);
    res.status = 304;
    return;
  }
  RangeDecision range;
  // If-Range with another validator: the client's partial copy is stale, send it all.
  const bool if_range_ok = !req.has_header("If-Range") || req.get_header_value("If-Range") == etag;
  if (req.has_header("Range") && if_range_ok) range = decide_range(req.get_header_value("Range"), size);
  if (range.kind == RangeDecision::Unsatisfiable) {
    note_client(req);
    res.status = 416;
    res.set_header("Content-Range", "bytes */" + std::to_string(size));
    return;
  }
  uint64_t first = 0;
  uint64_t length = size;
  if (range.kind == RangeDecision::Partial) {
    first = range.first;
    length = range.length();
    res.status = 206;
    res.set_header("Content-Range", "bytes " + std::to_string(range.first) + "-" + std::to_string(range.last) + "/" +
                                        std::to_string(size));
  } else {
    res.status = 200;
  }
  if (req.method == "GET" && first == 0) metrics_.count_download(repo.owner, repo.name, release.tag_name, asset.id);
  if (length == 0 || req.method != "GET") note_client(req);
  if (length == 0) {
    res.set_content("", "application/octet-stream");
    return;
  }
  std::shared_ptr<const Blob> blob = asset.blob;
  Metrics* metrics = &metrics_;
  // The devices list learns how far this response got when it ends.
  struct DeviceFetch {
    Devices* devices = nullptr;
    std::string key, repo, tag, asset;
    uint64_t size = 0, first = 0, sent = 0;
  };
  auto fetch = std::make_shared<DeviceFetch>();
  if (devices_ && req.method == "GET") {
    *fetch = DeviceFetch{devices_, "", repo.owner + "/" + repo.name, release.tag_name, asset.name, size, first, 0};
    fetch->key = devices_->fetch_started(ClientFacts{req.remote_addr, req.get_header_value("User-Agent"), std::time(nullptr)},
                                         AssetFetch{fetch->repo, fetch->tag, fetch->asset, size, first});
  }
  metrics->downloads_in_progress().fetch_add(1);
  res.set_content_provider(
      static_cast<size_t>(length), "application/octet-stream",
      [blob, first, metrics, fetch](size_t offset, size_t remaining, httplib::DataSink& sink) {
        const size_t n = std::min(remaining, kWriteChunk);
        if (!sink.write(blob->data() + first + offset, n)) return false;
        metrics->add_bytes_sent(n);
        fetch->sent += n;
        return true;
      },
      [metrics, fetch](bool) {
        metrics->downloads_in_progress().fetch_sub(1);
        if (fetch->devices) {
          fetch->devices->fetched(fetch->key, AssetFetch{fetch->repo, fetch->tag, fetch->asset, fetch->size, fetch->first},
                                  fetch->sent, std::time(nullptr));
        }
      });
}

}  // namespace vt132::server
