#include "add_command.hpp"

#include <sys/inotify.h>
#include <poll.h>
#include <unistd.h>

#include <chrono>

#include <spdlog/spdlog.h>

#include "data_lock.hpp"
#include "data_owner.hpp"
#include "inbox.hpp"
#include "install_hints.hpp"
#include "storage.hpp"
#include "vt132/host/error.hpp"
#include "vt132/host/file_io.hpp"
#include "vt132/host/hex.hpp"
#include "vt132/host/release_writer.hpp"

namespace vt132::server {
namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;
using host::Error;

namespace {

// How long a running server may take to publish the entry before `add` gives up waiting.
constexpr std::chrono::seconds kServerDeadline{60};
// Between two attempts to take the lock: a server that stops meanwhile leaves the job to us.
constexpr int kLockRetryMs = 1000;

host::ReleaseRequest release_request(const ServerConfig& config, const AddOptions& o) {
  host::ReleaseRequest r;
  r.image = o.image;
  r.repo = o.repo.empty() ? config.repo : o.repo;
  if (!o.notes.empty()) r.notes = o.notes;
  if (!o.key.empty()) r.key = o.key;
  return r;
}

// The tag: the image's own version; a --tag that differs is refused, never written into it.
std::string release_tag(const host::ReleaseRequest& request, const std::string& tag_option) {
  const std::string version = host::checked_image_version(request);
  if (!tag_option.empty() && tag_option != version) {
    throw Error("--tag " + host::printable(tag_option) + " differs from the version inside " + request.image.string() +
                ", " + host::printable(version) + ": add publishes an image under its own version (rebuild it, or "
                "make the release with vt132-release create --stamp)");
  }
  return version;
}

// The entry, assembled beside the inbox and renamed into it whole. As root on another user's
// directory, the files are handed to that user before this process becomes that user, so
// the server can read and remove them.
fs::path submit(const fs::path& data_dir, host::ReleaseRequest request, host::ReleaseSummary& summary) {
  const fs::path inbox = inbox_dir(data_dir);
  const bool for_owner = root_acting_for(data_dir);
  const DataOwner owner = data_owner(data_dir);
  std::error_code ec;
  const bool made = !fs::exists(inbox, ec);
  host::make_directories(inbox, 0700);
  if (made && for_owner) give_to(inbox, owner);
  const fs::path entry = inbox / new_inbox_entry_name();
  const fs::path staging = host::make_staging_dir(entry);
  try {
    request.out = staging / "release";
    summary = host::create_release(request);
    if (for_owner) {
      give_to(staging, owner);
      become(owner);
    }
    host::publish_directory(request.out, entry);
  } catch (...) {
    fs::remove_all(staging, ec);
    throw;
  }
  fs::remove(staging, ec);
  return entry;
}

// Waits up to `ms` for the entry's result to appear; true once it is there.
bool wait_for_result(const fs::path& entry, int ms) {
  const int fd = ::inotify_init1(IN_CLOEXEC);
  if (fd >= 0) ::inotify_add_watch(fd, entry.parent_path().c_str(), IN_MOVED_TO);
  std::error_code ec;
  if (!fs::exists(result_path(entry), ec) && fd >= 0) {
    pollfd p{fd, POLLIN, 0};
    ::poll(&p, 1, ms);
  }
  if (fd >= 0) ::close(fd);
  return fs::exists(result_path(entry), ec);
}

// Who publishes: this process when it can take the data directory's lock (no server runs),
// otherwise the running server, which is waited for. True when the server did it.
bool deliver(const ServerConfig& config, const fs::path& entry) {
  const auto deadline = Clock::now() + kServerDeadline;
  while (true) {
    try {
      Store store(config.data_dir);
      drain_inbox(store, config.data_dir, InboxContext{config.repo, install_target(config)});
      return false;
    } catch (const DataDirInUse& e) {
      if (wait_for_result(entry, kLockRetryMs)) return true;
      if (Clock::now() > deadline) {
        throw Error("the server holding " + config.data_dir.string() + " has not published " + entry.string() +
                    " within " + std::to_string(kServerDeadline.count()) + " s (" + e.what() +
                    "); it stays queued there and is published when a server with `add` support starts");
      }
    }
  }
}

void print_published(std::ostream& out, const InboxResult& r, const host::ReleaseSummary& summary, bool by_server) {
  if (r.already_published) {
    out << r.tag << " is already published in " << r.repo << " with this image: nothing changed\n";
  } else {
    out << "published " << r.tag << " in " << r.repo << " (release " << r.release_id << ")"
        << (r.prerelease ? " as a prerelease: devices offered prereleases (ATS40=1) see it" : " as its latest release")
        << (by_server ? ", served now by the running server" : "") << "\n";
    out << (summary.signed_manifest ? "  signed with key sha256:" + summary.key_fingerprint
                                    : "  NOT signed (no --key): devices that require signatures will refuse it")
        << "\n";
  }
  if (!by_server) out << "no server is running on this data directory: start it to serve the release; the lines "
                         "below assume the options given here\n";
  for (const std::string& line : r.install_lines) out << line << "\n";
}

}  // namespace

void run_add(const ServerConfig& config, const AddOptions& options, std::ostream& out) {
  // The image first: a refused one leaves no trace, not even a new data directory.
  host::ReleaseRequest request = release_request(config, options);
  request.tag = release_tag(request, options.tag);
  fs::create_directories(config.data_dir);
  require_owner_or_root(config.data_dir, "add");
  host::ReleaseSummary summary;
  const fs::path entry = submit(config.data_dir, request, summary);
  const host::ReleaseAsset& image = summary.assets.front();
  out << options.image.string() << ": valid " << request.chip << " app image " << request.tag << ", " << image.size
      << " bytes, sha256 " << image.sha256_hex << "\n";
  // Publishing here logs what is printed below anyway; warnings (a repaired store) still show.
  spdlog::set_level(spdlog::level::warn);
  const bool by_server = deliver(config, entry);
  const std::optional<InboxResult> result = read_result(entry);
  if (!result) throw Error("no result for " + entry.string());
  std::error_code ec;
  fs::remove(result_path(entry), ec);
  if (!result->ok) throw Error(result->message);
  print_published(out, *result, summary, by_server);
}

}  // namespace vt132::server
