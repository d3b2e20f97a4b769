#pragma once
// Who the data directory belongs to, and acting as that user. The server must read and
// replace every file there (tokens.json, the store, inbox entries), so commands an operator
// runs with sudo (`token`, `add`) switch to the directory's owner before they write; a
// root-owned tokens.json would lock a server running as its own user out of its tokens.
#include <sys/types.h>

#include <filesystem>
#include <string>

namespace vt132::server {

struct DataOwner {
  uid_t uid = 0;
  gid_t gid = 0;
};

// The owner of `data_dir`; host::FileError when it cannot be examined.
DataOwner data_owner(const std::filesystem::path& data_dir);

// True when this process runs as root and `data_dir` belongs to another user: the case in
// which it must hand over what it makes (give_to) and then become that user.
bool root_acting_for(const std::filesystem::path& data_dir);

// Makes `path` and, for a directory, everything under it belong to `owner` (symlinks
// themselves, never what they point to). host::FileError naming the file that failed.
void give_to(const std::filesystem::path& path, DataOwner owner);

// Switches this process for good to `owner` (supplementary groups dropped), so that all it
// creates from now on is the owner's. host::Error when the system refuses.
void become(DataOwner owner);

// For commands that write the data directory: as root on another user's directory, becomes
// that user; as anyone else, nothing changes. Returns whether it switched.
bool act_as_data_owner(const std::filesystem::path& data_dir);

// host::Error unless this process is root or owns `data_dir`: files another user made there
// could not be replaced by the server. `command` names what was refused.
void require_owner_or_root(const std::filesystem::path& data_dir, const std::string& command);

}  // namespace vt132::server
