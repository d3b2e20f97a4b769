#include "inbox.hpp"

#include <poll.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "release_import.hpp"
#include "vt132/host/error.hpp"
#include "vt132/host/file_io.hpp"

namespace vt132::server {
namespace fs = std::filesystem;
using json = nlohmann::json;

namespace {

constexpr const char* kEntryPrefix = "add-";
constexpr const char* kResultSuffix = ".result";
constexpr size_t kMaxResultBytes = 64 * 1024;

// "add-<digits>-<digits>": what new_inbox_entry_name makes, nothing else.
bool is_entry_name(const std::string& name) {
  if (name.rfind(kEntryPrefix, 0) != 0) return false;
  const std::string rest = name.substr(4);
  const size_t dash = rest.find('-');
  return dash != std::string::npos && dash > 0 && dash + 1 < rest.size() && rest.size() <= 48 &&
         rest.find_first_not_of("0123456789-") == std::string::npos && rest.find('-', dash + 1) == std::string::npos;
}

json result_json(const InboxResult& r) {
  if (!r.ok) return {{"ok", false}, {"message", r.message}};
  return {{"ok", true},
          {"repo", r.repo},
          {"tag", r.tag},
          {"release_id", r.release_id},
          {"prerelease", r.prerelease},
          {"already_published", r.already_published},
          {"install_lines", r.install_lines}};
}

InboxResult import_entry(Store& store, const fs::path& entry, const InboxContext& context) {
  InboxResult result;
  try {
    const ImportOutcome outcome = import_release_dir(store, entry, context.default_repo);
    result.ok = true;
    result.repo = outcome.repo;
    result.tag = outcome.release->tag_name;
    result.release_id = outcome.release->id;
    result.prerelease = outcome.release->prerelease;
    result.already_published = outcome.already_published;
    result.install_lines = install_lines(context.target, outcome.repo);
    spdlog::info("add: {} {} in {} (release {})", outcome.already_published ? "already published" : "published",
                 result.tag, result.repo, result.release_id);
    for (const std::string& line : result.install_lines) spdlog::info("{}", line);
  } catch (const std::exception& e) {
    result.message = e.what();
    spdlog::warn("add: {} refused: {}", entry.filename().string(), result.message);
  }
  return result;
}

// Imports `entry` unless its result already exists (a crash came between the two), writes
// the result, then removes the entry. An entry whose result cannot be written stays for the
// next drain.
void process_entry(Store& store, const fs::path& entry, const InboxContext& context) {
  std::error_code ec;
  if (!fs::exists(result_path(entry), ec)) {
    const InboxResult result = import_entry(store, entry, context);
    try {
      host::write_file_atomic(result_path(entry), result_json(result).dump() + "\n", 0600);
    } catch (const std::exception& e) {
      spdlog::error("add: cannot write the result of {}: {}", entry.filename().string(), e.what());
      return;
    }
  }
  fs::remove_all(entry, ec);
  if (ec) spdlog::warn("add: cannot remove {}: {}", entry.string(), ec.message());
}

}  // namespace

fs::path inbox_dir(const fs::path& data_dir) { return data_dir / "inbox"; }

std::string new_inbox_entry_name() {
  const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(
                      std::chrono::system_clock::now().time_since_epoch())
                      .count();
  return kEntryPrefix + std::to_string(ns) + "-" + std::to_string(::getpid());
}

fs::path result_path(const fs::path& entry) { return entry.string() + kResultSuffix; }

std::optional<InboxResult> read_result(const fs::path& entry) {
  const fs::path file = result_path(entry);
  std::error_code ec;
  if (!fs::exists(file, ec)) return std::nullopt;
  const std::vector<uint8_t> bytes = host::read_file(file, kMaxResultBytes);
  try {
    const json j = json::parse(bytes.begin(), bytes.end());
    InboxResult r;
    r.ok = j.at("ok").get<bool>();
    if (!r.ok) {
      r.message = j.at("message").get<std::string>();
      return r;
    }
    r.repo = j.at("repo").get<std::string>();
    r.tag = j.at("tag").get<std::string>();
    r.release_id = j.at("release_id").get<uint64_t>();
    r.prerelease = j.at("prerelease").get<bool>();
    r.already_published = j.at("already_published").get<bool>();
    r.install_lines = j.at("install_lines").get<std::vector<std::string>>();
    return r;
  } catch (const json::exception& e) {
    throw host::Error(file.string() + " is not a result the server wrote: " + e.what());
  }
}

void drain_inbox(Store& store, const fs::path& data_dir, const InboxContext& context) {
  std::vector<fs::path> entries;
  std::error_code ec;
  for (fs::directory_iterator it(inbox_dir(data_dir), ec), end; !ec && it != end; it.increment(ec)) {
    std::error_code type_ec;
    if (is_entry_name(it->path().filename().string()) && it->is_directory(type_ec)) entries.push_back(it->path());
  }
  if (ec && ec != std::errc::no_such_file_or_directory) {
    spdlog::error("add: cannot list {}: {}", inbox_dir(data_dir).string(), ec.message());
  }
  std::sort(entries.begin(), entries.end());
  for (const fs::path& entry : entries) process_entry(store, entry, context);
}

InboxWatcher::InboxWatcher(Store& store, const fs::path& data_dir, InboxContext context)
    : store_(store), data_dir_(data_dir), context_(std::move(context)) {
  const fs::path dir = inbox_dir(data_dir);
  host::make_directories(dir, 0700);
  inotify_fd_ = ::inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
  stop_fd_ = ::eventfd(0, EFD_CLOEXEC);
  if (inotify_fd_ < 0 || stop_fd_ < 0 || ::inotify_add_watch(inotify_fd_, dir.c_str(), IN_MOVED_TO | IN_ONLYDIR) < 0) {
    const std::string why = std::strerror(errno);
    if (inotify_fd_ >= 0) ::close(inotify_fd_);
    if (stop_fd_ >= 0) ::close(stop_fd_);
    throw host::Error("cannot watch " + dir.string() + " for releases from `add`: " + why);
  }
  thread_ = std::thread([this] { run(); });
}

InboxWatcher::~InboxWatcher() {
  const uint64_t one = 1;
  if (::write(stop_fd_, &one, sizeof one) != sizeof one) spdlog::error("cannot stop the inbox watcher");
  thread_.join();
  ::close(inotify_fd_);
  ::close(stop_fd_);
}

void InboxWatcher::run() {
  drain_inbox(store_, data_dir_, context_);  // what arrived while no server ran
  alignas(inotify_event) char events[4096];
  while (true) {
    pollfd fds[2] = {{inotify_fd_, POLLIN, 0}, {stop_fd_, POLLIN, 0}};
    if (::poll(fds, 2, -1) < 0) {
      if (errno == EINTR) continue;
      spdlog::error("inbox watcher stopped: {}", std::strerror(errno));
      return;
    }
    if (fds[1].revents != 0) return;
    bool entry_arrived = false;
    ssize_t n;
    while ((n = ::read(inotify_fd_, events, sizeof events)) > 0) {
      for (ssize_t at = 0; at < n;) {
        const auto* e = reinterpret_cast<const inotify_event*>(events + at);
        if (e->len > 0 && is_entry_name(e->name)) entry_arrived = true;
        if (e->mask & IN_Q_OVERFLOW) entry_arrived = true;
        at += static_cast<ssize_t>(sizeof(inotify_event) + e->len);
      }
    }
    if (entry_arrived) drain_inbox(store_, data_dir_, context_);
  }
}

}  // namespace vt132::server
