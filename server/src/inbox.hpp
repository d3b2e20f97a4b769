#pragma once
// DATA/inbox: releases handed to whichever process holds the data directory (DataLock), so
// that the store keeps one writer and one write protocol. `vt132-ota-server add` renames a
// complete release directory (made by vt132-release's create_release) in here; a running
// server sees it at once (inotify) and imports it through its Store (release_import.hpp); with
// no server running, `add` takes the lock and imports it itself, with the same code.
//   inbox/add-<ns>-<pid>/           an entry, complete when it appears (a directory rename)
//   inbox/add-<ns>-<pid>.result     its outcome, written (atomically) before the entry goes
//   inbox/.*                        being assembled by `add`: never read
// Crash-safe: an entry stays until its result is written, and importing it again finishes
// the job (release_import.hpp); an entry whose result exists is only removed.
#include <atomic>
#include <filesystem>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "install_hints.hpp"
#include "storage.hpp"

namespace vt132::server {

std::filesystem::path inbox_dir(const std::filesystem::path& data_dir);
// A new entry name: sorts by creation time, unique per process.
std::string new_inbox_entry_name();
std::filesystem::path result_path(const std::filesystem::path& entry);

struct InboxResult {
  bool ok = false;
  std::string message;  // why not, when !ok
  std::string repo;
  std::string tag;
  uint64_t release_id = 0;
  bool prerelease = false;
  bool already_published = false;
  std::vector<std::string> install_lines;  // what to type on a device (install_hints.hpp)
};

// The result of `entry` once it is written; host::Error when it is unreadable.
std::optional<InboxResult> read_result(const std::filesystem::path& entry);

// What the importing process knows about itself: its --repo and where devices reach it.
struct InboxContext {
  std::string default_repo;
  InstallTarget target;
};

// Imports every complete entry, oldest first, writing each one's result and then removing
// it. Logs each outcome. Never throws for an entry: a refusal is that entry's result.
void drain_inbox(Store& store, const std::filesystem::path& data_dir, const InboxContext& context);

// The running server's side: drains at start and whenever an entry appears, on its own
// thread, until destroyed. host::Error when the inbox cannot be watched.
class InboxWatcher {
 public:
  InboxWatcher(Store& store, const std::filesystem::path& data_dir, InboxContext context);
  ~InboxWatcher();
  InboxWatcher(const InboxWatcher&) = delete;
  InboxWatcher& operator=(const InboxWatcher&) = delete;

 private:
  void run();

  Store& store_;
  std::filesystem::path data_dir_;
  InboxContext context_;
  int inotify_fd_ = -1;
  int stop_fd_ = -1;  // an eventfd: written once to end run()
  std::thread thread_;
};

}  // namespace vt132::server
