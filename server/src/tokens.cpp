#include "tokens.hpp"

#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <openssl/sha.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>

#include <nlohmann/json.hpp>

#include "names.hpp"
#include "vt132/host/error.hpp"
#include "vt132/host/file_io.hpp"
#include "vt132/host/hex.hpp"

namespace vt132::server {
namespace fs = std::filesystem;
using json = nlohmann::json;

namespace {

constexpr size_t kMaxTokenLength = 256;
constexpr size_t kMaxTokens = 1000;
constexpr size_t kMaxReposPerToken = 100;

bool valid_token_name(const std::string& s) {
  if (s.empty() || s.size() > 64) return false;
  for (char c : s) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '.' || c == '-' || c == '_';
    if (!ok) return false;
  }
  return true;
}

std::array<unsigned char, SHA256_DIGEST_LENGTH> sha256(std::string_view s) {
  std::array<unsigned char, SHA256_DIGEST_LENGTH> d{};
  SHA256(reinterpret_cast<const unsigned char*>(s.data()), s.size(), d.data());
  return d;
}

void check_repo_scope(const std::string& repo) {
  if (!valid_full_name(repo)) throw host::Error("--repo \"" + repo + "\" is not OWNER/NAME");
}

}  // namespace

bool TokenInfo::allows(std::string_view owner, std::string_view repo) const {
  if (repos.empty()) return true;
  if (owner.empty()) return false;
  for (const std::string& r : repos) {
    const size_t slash = r.find('/');
    if (iequals(std::string_view(r).substr(0, slash), owner) && iequals(std::string_view(r).substr(slash + 1), repo)) {
      return true;
    }
  }
  return false;
}

std::optional<std::string_view> token_from_authorization(std::string_view header) {
  const size_t space = header.find(' ');
  if (space == std::string_view::npos) return std::nullopt;
  const std::string_view scheme = header.substr(0, space);
  std::string_view token = header.substr(space + 1);
  while (!token.empty() && token.front() == ' ') token.remove_prefix(1);
  while (!token.empty() && token.back() == ' ') token.remove_suffix(1);
  if (!(iequals(scheme, "bearer") || iequals(scheme, "token"))) return std::nullopt;
  if (token.empty() || token.size() > kMaxTokenLength) return std::nullopt;
  return token;
}

TokenStore::TokenStore(fs::path file) : file_(std::move(file)) {}

std::vector<TokenInfo> TokenStore::load() const {
  std::vector<TokenInfo> out;
  std::error_code ec;
  if (!fs::exists(file_, ec)) return out;
  try {
    const std::vector<uint8_t> bytes = host::read_file(file_, 1u << 20);
    const json j = json::parse(bytes.begin(), bytes.end());
    for (const json& t : j.at("tokens")) {
      TokenInfo info{t.at("name").get<std::string>(), t.at("sha256").get<std::string>(),
                     t.at("created_at").get<int64_t>(), {}};
      // Files written before tokens had scopes have no "repos": those tokens may write anywhere.
      if (t.contains("repos")) info.repos = t.at("repos").get<std::vector<std::string>>();
      out.push_back(std::move(info));
    }
  } catch (const host::FileError& e) {
    // The usual cause: `token create` run by another user (before it kept the owner).
    const std::string fix = e.code() == EACCES ? "; it must belong to the user the server runs as (uid " +
                                                     std::to_string(::geteuid()) + "): chown it to the owner of " +
                                                     file_.parent_path().string()
                                               : "";
    throw TokenFileError("cannot read the token file " + file_.string() + ": " + e.what() + fix);
  } catch (const std::exception& e) {
    throw TokenFileError("cannot read the token file " + file_.string() + ": " + e.what());
  }
  return out;
}

void TokenStore::save(const std::vector<TokenInfo>& tokens) const {
  json arr = json::array();
  for (const TokenInfo& t : tokens) {
    json entry{{"name", t.name}, {"sha256", t.sha256}, {"created_at", t.created_at}};
    if (!t.repos.empty()) entry["repos"] = t.repos;
    arr.push_back(std::move(entry));
  }
  host::write_file_atomic(file_, json{{"tokens", arr}}.dump(2) + "\n", 0600);
}

std::string TokenStore::create(const std::string& name, const std::vector<std::string>& repos) {
  if (!valid_token_name(name)) {
    throw host::Error("token name \"" + name + "\" is invalid: use 1-64 letters, digits, '.', '-', '_'");
  }
  if (repos.size() > kMaxReposPerToken) {
    throw host::Error("a token may name at most " + std::to_string(kMaxReposPerToken) + " repositories");
  }
  for (const std::string& r : repos) check_repo_scope(r);
  std::lock_guard lock(mutex_);
  std::vector<TokenInfo> tokens = load();
  for (const TokenInfo& t : tokens) {
    if (t.name == name) throw host::Error("a token named \"" + name + "\" exists; revoke it first");
  }
  if (tokens.size() >= kMaxTokens) throw host::Error("too many tokens");
  unsigned char random[20];
  if (RAND_bytes(random, sizeof random) != 1) throw host::Error("no randomness for a token");
  const std::string token = "vt132_" + host::to_hex(random, sizeof random);
  const auto digest = sha256(token);
  const int64_t now = std::chrono::duration_cast<std::chrono::seconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count();
  tokens.push_back(TokenInfo{name, host::to_hex(digest.data(), digest.size()), now, repos});
  save(tokens);
  return token;
}

std::vector<TokenInfo> TokenStore::list() const { return load(); }

bool TokenStore::revoke(const std::string& name) {
  std::lock_guard lock(mutex_);
  std::vector<TokenInfo> tokens = load();
  const size_t before = tokens.size();
  tokens.erase(std::remove_if(tokens.begin(), tokens.end(), [&](const TokenInfo& t) { return t.name == name; }),
               tokens.end());
  if (tokens.size() == before) return false;
  save(tokens);
  return true;
}

void TokenStore::refresh_locked() {
  struct stat st {};
  Stamp now;
  if (::stat(file_.c_str(), &st) == 0) {
    now = Stamp{static_cast<int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec,
                static_cast<int64_t>(st.st_size), static_cast<uint64_t>(st.st_ino)};
  }
  if (now == stamp_) return;
  cached_ = load();
  stamp_ = now;
}

std::optional<TokenInfo> TokenStore::authenticate(std::string_view presented) {
  if (presented.empty() || presented.size() > kMaxTokenLength) return std::nullopt;
  const auto digest = sha256(presented);
  const std::string hex = host::to_hex(digest.data(), digest.size());
  std::lock_guard lock(mutex_);
  refresh_locked();
  // Compare with every token, without stopping at a match, so timing says nothing.
  std::optional<TokenInfo> match;
  for (const TokenInfo& t : cached_) {
    if (t.sha256.size() == hex.size() && CRYPTO_memcmp(t.sha256.data(), hex.data(), hex.size()) == 0) {
      match = t;
    }
  }
  return match;
}

}  // namespace vt132::server
