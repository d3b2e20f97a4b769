#pragma once
// The static export: the server's public, read-only surface written as files with the URL
// shapes devices and GitHub clients use, for nginx, a CDN or an object store to serve
// (the layout: export_tree.hpp and the contract in the docs). Every JSON document and page
// is rendered by the server's own Service from a synthetic GET without a token, so the files
// are byte for byte what the server answers a public client with the same --public-url;
// there is no second renderer. Asset bytes are hard links of the store's immutable files
// when those are world-readable already, otherwise copies (export files are 0644 for the web
// server's user, and a hard link shares its mode with the store's 0600 file); an asset the
// previous tree holds already is linked from there, so a refresh writes only what is new.
//
// Left out on purpose: drafts (public view), /devices and the pages' devices and mirror
// sections (live state, not published content: the export's Service has neither), /metrics,
// /healthz, GraphQL, tag lists and query-string variants (only the first page of
// `releases`, default per_page, is a file).
#include <atomic>
#include <cstdint>
#include <filesystem>

#include "service.hpp"
#include "storage.hpp"
#include "vt132/host/error.hpp"

namespace vt132::server {

// The store changed while the export ran: the tree might mix two states (a `latest` naming
// a release whose files were not written), so it was dropped; export again.
class ExportStale : public host::Error {
 public:
  using host::Error::Error;
};
// `stop` was set: the export was abandoned and EXPORT left as it was.
class ExportCancelled : public host::Error {
 public:
  using host::Error::Error;
};

struct ExportOptions {
  std::filesystem::path out;            // EXPORT: the symlink to the current tree
  bool copy = false;                    // copy asset bytes even where a hard link would do
  const std::atomic<bool>* stop = nullptr;  // checked between files
};

struct ExportResult {
  std::filesystem::path tree;  // EXPORT.trees/<N>, EXPORT's new target
  uint64_t documents = 0;      // JSON files and pages
  uint64_t asset_files = 0;    // byte files (several per asset: download, .bytes, latest, /{name})
  uint64_t reused = 0;         // of them, links to the previous tree's files (unchanged assets)
  uint64_t linked = 0;         // ... hard links of store files
  uint64_t copied = 0;         // ... copies of store files (the others link to one of these in the tree)
  uint64_t bytes_copied = 0;
};

// Writes a new tree from what `store` holds now, through `service` (whose config's
// public_url is the base of every link: host::Error when it is empty) and switches
// options.out to it. ExportRefused (export_tree.hpp) for foreign content at EXPORT,
// ExportStale, ExportCancelled, host::Error for I/O failures; EXPORT is unchanged then.
ExportResult export_static(Service& service, const Store& store, const ExportOptions& options);

}  // namespace vt132::server
