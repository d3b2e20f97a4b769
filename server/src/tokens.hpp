#pragma once
// Write tokens. The server keeps only SHA-256 hashes of them (DATA/tokens.json, mode 0600);
// the token text is shown once, when `vt132-ota-server token create` makes it. A presented
// token is hashed and compared with every stored hash in constant time.
#include <cstdint>
#include <filesystem>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace vt132::server {

struct TokenInfo {
  std::string name;
  std::string sha256;  // hex
  int64_t created_at = 0;
};

// The token in "Bearer X" or "token X" (scheme case-insensitive), or nullopt.
std::optional<std::string_view> token_from_authorization(std::string_view header);

class TokenStore {
 public:
  explicit TokenStore(std::filesystem::path file);

  // Management (the `token` subcommand). Names: letters, digits, '.', '-', '_', 1..64.
  std::string create(const std::string& name);  // returns the token text
  std::vector<TokenInfo> list() const;
  bool revoke(const std::string& name);

  // The name of the token `presented` matches, or nullopt. Picks up tokens created or
  // revoked while the server runs (the file is re-read when it changes).
  std::optional<std::string> authenticate(std::string_view presented);

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
