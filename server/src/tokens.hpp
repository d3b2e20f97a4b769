#pragma once
// Write tokens. The server keeps only SHA-256 hashes of them (DATA/tokens.json, mode 0600);
// the token text is shown once, when `vt132-ota-server token create` makes it. A presented
// token is hashed and compared with every stored hash in constant time. A token may be
// limited to some repositories (`token create NAME --repo OWNER/NAME`); without that it may
// write to every repository on the server.
#include <cstdint>
#include <filesystem>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace vt132::server {

struct TokenInfo {
  std::string name;
  std::string sha256;  // hex
  int64_t created_at = 0;
  std::vector<std::string> repos;  // "owner/name", as given; empty: every repository

  // Whether this token may write to OWNER/NAME (case-insensitive, as repositories match).
  // An empty owner (a request that names no repository) is allowed only to unlimited tokens.
  bool allows(std::string_view owner, std::string_view repo) const;
};

// The token file exists but cannot be read or parsed: no token can be checked until the
// operator repairs it, and the server says so to clients that present one.
class TokenFileError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// The token in "Bearer X" or "token X" (scheme case-insensitive), or nullopt.
std::optional<std::string_view> token_from_authorization(std::string_view header);

class TokenStore {
 public:
  explicit TokenStore(std::filesystem::path file);

  // Management (the `token` subcommand). Names: letters, digits, '.', '-', '_', 1..64.
  // `repos`: OWNER/NAME each, validated; empty for a token that may write everywhere.
  std::string create(const std::string& name, const std::vector<std::string>& repos = {});  // the token text
  std::vector<TokenInfo> list() const;
  bool revoke(const std::string& name);

  // The token `presented` matches, or nullopt. Picks up tokens created or revoked while the
  // server runs (the file is re-read when it changes). Throws TokenFileError when the file
  // cannot be read.
  std::optional<TokenInfo> authenticate(std::string_view presented);

 private:
  std::vector<TokenInfo> load() const;
  void save(const std::vector<TokenInfo>& tokens) const;
  void refresh_locked();

  std::filesystem::path file_;
  std::mutex mutex_;
  std::vector<TokenInfo> cached_;
  struct Stamp {
    int64_t mtime_ns = -1;
    int64_t size = -1;
    uint64_t inode = 0;
    bool operator==(const Stamp& o) const { return mtime_ns == o.mtime_ns && size == o.size && inode == o.inode; }
  } stamp_;
};

}  // namespace vt132::server
