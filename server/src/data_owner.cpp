#include "data_owner.hpp"

#include <grp.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "vt132/host/error.hpp"
#include "vt132/host/file_io.hpp"

namespace vt132::server {
namespace fs = std::filesystem;

namespace {

void lchown_or_throw(const fs::path& path, DataOwner owner) {
  if (::lchown(path.c_str(), owner.uid, owner.gid) != 0) {
    const int code = errno;
    throw host::FileError("cannot give " + path.string() + " to uid " + std::to_string(owner.uid) + ": " +
                              std::strerror(code),
                          code);
  }
}

}  // namespace

DataOwner data_owner(const fs::path& data_dir) {
  struct stat st {};
  if (::stat(data_dir.c_str(), &st) != 0) {
    const int code = errno;
    throw host::FileError("cannot examine " + data_dir.string() + ": " + std::strerror(code), code);
  }
  return DataOwner{st.st_uid, st.st_gid};
}

bool root_acting_for(const fs::path& data_dir) {
  return ::geteuid() == 0 && data_owner(data_dir).uid != 0;
}

void give_to(const fs::path& path, DataOwner owner) {
  lchown_or_throw(path, owner);
  std::error_code ec;
  if (!fs::is_directory(fs::symlink_status(path, ec))) return;
  for (fs::recursive_directory_iterator it(path, ec), end; !ec && it != end; it.increment(ec)) {
    lchown_or_throw(it->path(), owner);
  }
  if (ec) throw host::FileError("cannot list " + path.string() + ": " + ec.message(), ec.value());
}

void become(DataOwner owner) {
  // Groups first: once the uid is not root, they can no longer be changed.
  if (::setgroups(0, nullptr) != 0 || ::setresgid(owner.gid, owner.gid, owner.gid) != 0 ||
      ::setresuid(owner.uid, owner.uid, owner.uid) != 0) {
    throw host::Error("cannot switch to uid " + std::to_string(owner.uid) + ": " + std::strerror(errno));
  }
}

bool act_as_data_owner(const fs::path& data_dir) {
  if (!root_acting_for(data_dir)) return false;
  become(data_owner(data_dir));
  return true;
}

void require_owner_or_root(const fs::path& data_dir, const std::string& command) {
  const DataOwner owner = data_owner(data_dir);
  if (::geteuid() == 0 || ::geteuid() == owner.uid) return;
  throw host::Error(command + " must run as the owner of " + data_dir.string() + " (uid " +
                    std::to_string(owner.uid) + ", the server's user) or as root, which acts as that user: " +
                    "files made by uid " + std::to_string(::geteuid()) + " there could not be replaced by the server");
}

}  // namespace vt132::server
