#include "static_export.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>

#include <spdlog/spdlog.h>

#include "export_tree.hpp"
#include "names.hpp"
#include "vt132/host/file_io.hpp"
#include "vt132/host/hex.hpp"

namespace vt132::server {
namespace fs = std::filesystem;
using host::Error;
using host::FileError;

namespace {

// A GET as a public client sends it: no token (no drafts), no Accept (the default media
// type), no Host (links come from --public-url).
std::optional<std::string> render(Service& service, const std::string& path) {
  httplib::Request req;
  req.method = "GET";
  req.path = path;
  httplib::Response res;
  service.handle(req, res, true);
  if (res.status != 200) return std::nullopt;
  return std::move(res.body);
}

// Store names are validated (names.hpp) and hold no '/'; this is the last line of defence
// that keeps every file inside the tree.
void check_relative(const std::string& rel) {
  size_t start = 0;
  while (true) {
    const size_t slash = rel.find('/', start);
    const std::string_view seg = std::string_view(rel).substr(start, slash == std::string::npos ? std::string::npos
                                                                                                 : slash - start);
    if (seg.empty() || seg == "." || seg == ".." || seg.find('\0') != std::string_view::npos) {
      throw Error("refusing to export the path \"" + host::printable(rel) + "\": not a plain relative path");
    }
    if (slash == std::string::npos) return;
    start = slash + 1;
  }
}

// A file of the previous tree that can stand for an asset of `size` bytes: ours, so only the
// size and the web server's read permission are checked (a store file linked there earlier
// shares its mode with the store's).
bool reusable(const fs::path& file, uint64_t size) {
  struct stat st {};
  return ::lstat(file.c_str(), &st) == 0 && S_ISREG(st.st_mode) && static_cast<uint64_t>(st.st_size) == size &&
         (st.st_mode & S_IROTH) != 0;
}

bool world_readable_file(const fs::path& file) {
  struct stat st {};
  return ::stat(file.c_str(), &st) == 0 && S_ISREG(st.st_mode) && (st.st_mode & S_IROTH) != 0;
}

void write_new_file(const fs::path& file, const char* data, size_t size) {
  const int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, kExportFileMode);
  if (fd < 0) {
    const int code = errno;
    throw FileError("cannot create " + file.string() + ": " + std::strerror(code), code);
  }
  // The umask must not take the web server's read permission away.
  bool ok = ::fchmod(fd, kExportFileMode) == 0;
  while (ok && size > 0) {
    const ssize_t n = ::write(fd, data, size);
    if (n < 0 && errno == EINTR) continue;
    ok = n > 0;
    if (ok) {
      data += n;
      size -= static_cast<size_t>(n);
    }
  }
  int code = ok ? 0 : errno;
  if (::close(fd) != 0 && ok) {
    ok = false;
    code = errno;
  }
  if (!ok) throw FileError("cannot write " + file.string() + ": " + std::strerror(code), code);
}

// Writes the files of one tree; counts what it wrote.
class TreeWriter {
 public:
  // `previous`: the tree EXPORT shows now, whose asset files may be linked (not with --copy,
  // which asks for files of their own).
  TreeWriter(fs::path root, std::optional<fs::path> previous, const ExportOptions& options)
      : root_(std::move(root)), previous_(options.copy ? std::nullopt : std::move(previous)), options_(options) {}

  // The GET `url` as the file `rel`; false (nothing written) when the server answers no 200.
  bool document(const std::string& url, const std::string& rel, Service& service) {
    check_stop();
    const std::optional<std::string> body = render(service, url);
    if (!body) return false;
    const fs::path file = prepare(rel);
    write_new_file(file, body->data(), body->size());
    ++result_.documents;
    return true;
  }

  // The bytes of `asset` as the file `rel`, by the first that works of: a link to a file of
  // this tree that holds them already; a hard link of `store_file` when allowed; a link to
  // the file the previous tree holds them in at `bytes_rel` (its {id}.bytes: asset ids are
  // never reused and published bytes never change, so a refresh copies only new assets); a
  // copy of the mapped bytes (valid even when the server deletes the asset meanwhile).
  void asset(const std::string& rel, const Asset& asset, const fs::path& store_file, const std::string& bytes_rel) {
    check_stop();
    const fs::path file = prepare(rel);
    ++result_.asset_files;
    const auto done = written_.find(asset.id);
    if (done != written_.end() && ::link(done->second.c_str(), file.c_str()) == 0) return;
    // Hard links across filesystems fail (EXDEV), as they do when the server removed the
    // file meanwhile: a copy does in both cases.
    if (!options_.copy && world_readable_file(store_file) && ::link(store_file.c_str(), file.c_str()) == 0) {
      ++result_.linked;
      written_.emplace(asset.id, file.string());
      return;
    }
    if (previous_ && reusable(*previous_ / bytes_rel, asset.size) &&
        ::link((*previous_ / bytes_rel).c_str(), file.c_str()) == 0) {
      ++result_.reused;
      written_.emplace(asset.id, file.string());
      return;
    }
    if (!asset.blob) throw Error("asset " + std::to_string(asset.id) + " has no bytes to export");
    write_new_file(file, asset.blob->data(), asset.blob->size());
    ++result_.copied;
    result_.bytes_copied += asset.blob->size();
    written_.emplace(asset.id, file.string());
  }

  // True when `rel` is free at the tree's root (an asset at /{name} must not take the place
  // of a directory or page written before it).
  bool free(const std::string& rel) const {
    struct stat st {};
    return ::lstat((root_ / rel).c_str(), &st) != 0 && errno == ENOENT;
  }

  const ExportResult& result() const { return result_; }

 private:
  void check_stop() const {
    if (options_.stop != nullptr && options_.stop->load()) throw ExportCancelled("export cancelled");
  }

  // Checks `rel` and creates its parent directories (0755); returns the file's path.
  fs::path prepare(const std::string& rel) {
    check_relative(rel);
    const fs::path file = root_ / rel;
    const fs::path parent = file.parent_path();
    if (made_dirs_.insert(parent.string()).second) host::make_directories(parent, kExportDirMode);
    return file;
  }

  fs::path root_;
  std::optional<fs::path> previous_;
  const ExportOptions& options_;
  ExportResult result_;
  std::set<std::string> made_dirs_;
  std::unordered_map<uint64_t, std::string> written_;  // asset id -> its first file in this tree
};

struct RepoPaths {
  std::string api;  // /api/v3/repos/{o}/{r}
  std::string rel;  // repos/{o}/{r}
  std::string web;  // {o}/{r}
};

RepoPaths repo_paths(const Repo& repo) {
  const std::string full = repo.owner + "/" + repo.name;
  return RepoPaths{"/api/v3/repos/" + full, "repos/" + full, full};
}

// Where the tree keeps an asset's bytes by id (the API's octet-stream form).
std::string bytes_rel(const RepoPaths& p, uint64_t asset_id) {
  return p.rel + "/releases/assets/" + std::to_string(asset_id) + ".bytes";
}

void export_release(TreeWriter& w, Service& service, const Store& store, const Repo& repo, const Release& release) {
  const RepoPaths p = repo_paths(repo);
  const std::string id = std::to_string(release.id);
  w.document(p.api + "/releases/tags/" + release.tag_name, p.rel + "/releases/tags/" + release.tag_name, service);
  w.document(p.api + "/releases/" + id, p.rel + "/releases/" + id, service);
  w.document("/" + p.web + "/releases/tag/" + release.tag_name,
             p.web + "/releases/tag/" + release.tag_name + "/index.html", service);
  for (const Asset& a : release.assets) {
    const std::string aid = std::to_string(a.id);
    const fs::path file = store.asset_file(repo, release.id, a.id);
    w.document(p.api + "/releases/assets/" + aid, p.rel + "/releases/assets/" + aid, service);
    w.asset(bytes_rel(p, a.id), a, file, bytes_rel(p, a.id));
    w.asset(p.web + "/releases/download/" + release.tag_name + "/" + a.name, a, file, bytes_rel(p, a.id));
  }
}

void export_repo(TreeWriter& w, Service& service, const Store& store, const Repo& repo) {
  const RepoPaths p = repo_paths(repo);
  w.document(p.api, p.rel + "/index.json", service);
  w.document(p.api + "/releases", p.rel + "/releases/index.json", service);
  for (const ReleasePtr& r : store.releases(repo.owner, repo.name, false)) {
    export_release(w, service, store, repo, *r);
  }
  w.document("/" + p.web, p.web + "/index.html", service);
  w.document("/" + p.web + "/releases", p.web + "/releases/index.html", service);
  const ReleasePtr latest = store.latest(repo.owner, repo.name);
  if (!latest || !w.document(p.api + "/releases/latest", p.rel + "/releases/latest", service)) return;
  w.document("/" + p.web + "/releases/latest", p.web + "/releases/latest/index.html", service);
  for (const Asset& a : latest->assets) {
    w.asset(p.web + "/releases/latest/download/" + a.name, a, store.asset_file(repo, latest->id, a.id),
            bytes_rel(p, a.id));
  }
}

// /{name}: the --repo's latest release's assets (older firmware's /VT132.bin), written last
// and only where nothing else of the tree stands.
void export_root_assets(TreeWriter& w, const Store& store, const std::string& full_name) {
  const size_t slash = full_name.find('/');
  if (!valid_full_name(full_name) || slash == std::string::npos) return;
  const std::optional<Repo> repo = store.find_repo(full_name.substr(0, slash), full_name.substr(slash + 1));
  const ReleasePtr latest = repo ? store.latest(repo->owner, repo->name) : nullptr;
  if (!latest) return;
  for (const Asset& a : latest->assets) {
    if (a.name == kExportMarker || !w.free(a.name)) {
      spdlog::warn("export: /{} is taken by another file of the export; the asset is not at the root", a.name);
      continue;
    }
    w.asset(a.name, a, store.asset_file(*repo, latest->id, a.id), bytes_rel(repo_paths(*repo), a.id));
  }
}

void write_surface(TreeWriter& w, Service& service, const Store& store) {
  w.document("/", "index.html", service);
  w.document("/ca.pem", "ca.pem", service);
  for (const Repo& repo : store.repos()) export_repo(w, service, store, repo);
  // The --repo repository exists before its first release (Service::existing_repo): its
  // empty list and pages are answers too.
  const std::string& full = service.config().repo;
  const size_t slash = full.find('/');
  if (valid_full_name(full) && slash != std::string::npos &&
      !store.find_repo(full.substr(0, slash), full.substr(slash + 1))) {
    export_repo(w, service, store, Repo{0, full.substr(0, slash), full.substr(slash + 1)});
  }
  export_root_assets(w, store, service.config().repo);
}

}  // namespace

ExportResult export_static(Service& service, const Store& store, const ExportOptions& options) {
  if (service.config().public_url.empty()) {
    throw Error("the export needs the base URL its links point at (--base-url, or the server's --public-url)");
  }
  ExportTrees trees(options.out);
  // The running server's store may change while we write: the generation tells.
  const uint64_t generation = store.generation();
  const fs::path tree = trees.begin();
  try {
    std::optional<fs::path> previous;
    if (trees.current()) previous = trees.trees_dir() / std::to_string(*trees.current());
    TreeWriter w(tree, previous, options);
    write_surface(w, service, store);
    if (store.generation() != generation) {
      throw ExportStale("the store changed while the export was written; it is written again");
    }
    trees.commit(tree);
    ExportResult result = w.result();
    result.tree = tree;
    return result;
  } catch (...) {
    trees.abandon(tree);
    throw;
  }
}

}  // namespace vt132::server
