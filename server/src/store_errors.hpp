#pragma once
// How the store fails, by who can fix it: StoreError for what a client did wrong or a full
// disk (answered over HTTP), DamagedFile for a file whose content is wrong (quarantined at
// start), and host::FileError (errno) for what the operator must fix (the start stops).
#include <cerrno>
#include <stdexcept>
#include <string>

namespace vt132::server {

class StoreError : public std::runtime_error {
 public:
  enum Kind { NotFound, AlreadyExists, Invalid, TooMany, DiskFull };
  StoreError(Kind kind, std::string resource, std::string field, const std::string& message)
      : std::runtime_error(message), kind_(kind), resource_(std::move(resource)), field_(std::move(field)) {}
  Kind kind() const { return kind_; }
  const std::string& resource() const { return resource_; }
  const std::string& field() const { return field_; }

 private:
  Kind kind_;
  std::string resource_;
  std::string field_;
};

// The file is there and readable but what it holds is not what the store wrote.
class DamagedFile : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// ENOSPC, and EDQUOT (a quota is a full disk for this user).
inline bool is_disk_full(int code) { return code == ENOSPC || code == EDQUOT; }

}  // namespace vt132::server
