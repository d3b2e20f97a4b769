#pragma once
// `vt132-release yank`: takes a bad release out of what clients and devices are offered,
// and makes the previous good release `latest` again.
//   Prerelease (the default): prerelease=true and the name prefixed with kYankedPrefix
//     ("[yanked] "); the release and its assets stay visible, marked as such.
//   Draft: the release becomes a draft, seen only with a token that may write.
//   Delete: the release is deleted (its tag stays, as on GitHub).
// When the yanked release was latest, the newest good release (published, not a
// prerelease, not yanked; highest version) is set as latest explicitly (make_latest), so
// GitHub and vt132-ota-server answer the same for every client.
#include <cstdint>
#include <functional>
#include <string>

namespace vt132::host {

enum class YankMode { Prerelease, Draft, Delete };

struct YankRequest {
  std::string api_url;
  std::string repo;
  std::string token;
  std::string ca_file;
  std::string tag;
  YankMode mode = YankMode::Prerelease;
  std::string reason;  // appended to the release notes (not for Delete)
  std::function<void(const std::string& line)> say;
};

struct YankResult {
  bool was_latest = false;
  std::string latest_after;  // the tag GET /releases/latest answers now; empty: none
};

YankResult yank_release(const YankRequest& request);

}  // namespace vt132::host
