#include "vt132/host/yanker.hpp"

#include "vt132/core/version.hpp"
#include "vt132/host/hex.hpp"
#include "vt132/host/release_remote.hpp"

namespace vt132::host {

namespace {

bool good(const nlohmann::json& rel) {
  return !bool_field(rel, "draft") && !bool_field(rel, "prerelease") && !is_yanked(rel);
}

// Higher version first; a tag that is no version ranks below every version.
bool newer_version(const nlohmann::json& a, const nlohmann::json& b) {
  core::Version va;
  core::Version vb;
  const bool a_ok = core::parse_version(string_field(a, "tag_name"), va) == core::VersionError::Ok;
  const bool b_ok = core::parse_version(string_field(b, "tag_name"), vb) == core::VersionError::Ok;
  if (a_ok && b_ok) return core::compare_versions(va, vb) > 0;
  return a_ok && !b_ok;
}

// The release that should be latest once `yanked` is out: the highest good version left.
nlohmann::json previous_good(RemoteRepo& remote, int64_t yanked) {
  nlohmann::json best;
  for (const nlohmann::json& rel : remote.releases()) {
    if (id_field(rel, "release") == yanked || !good(rel)) continue;
    if (best.is_null() || newer_version(rel, best)) best = rel;
  }
  return best;
}

nlohmann::json yanked_fields(const nlohmann::json& rel, const YankRequest& r) {
  std::string name = string_field(rel, "name");
  if (name.empty()) name = string_field(rel, "tag_name");
  if (!is_yanked(rel)) name = kYankedPrefix + name;
  nlohmann::json edit = {{"name", name}};
  if (!r.reason.empty()) {
    const std::string body = string_field(rel, "body");
    edit["body"] = (body.empty() ? "" : body + "\n\n") + "**Yanked:** " + r.reason;
  }
  if (r.mode == YankMode::Draft) {
    edit["draft"] = true;
  } else {
    edit["prerelease"] = true;
  }
  return edit;
}

}  // namespace

YankResult yank_release(const YankRequest& r) {
  GitHubClient api({r.api_url, r.token, r.ca_file, "vt132-release"});
  RemoteRepo remote(api, r.repo);
  const nlohmann::json rel = remote.find_release(r.tag);
  if (rel.is_null()) throw Error("no release " + printable(r.tag) + " in " + remote.repo());
  const int64_t id = id_field(rel, "release");
  const std::string path = remote.path("/releases/" + std::to_string(id));
  const nlohmann::json latest_before = remote.latest();
  YankResult result;
  result.was_latest = !latest_before.is_null() && id_field(latest_before, "release") == id;

  if (r.mode == YankMode::Delete) {
    api.del(path);
    if (r.say) r.say("deleted release " + r.tag + " (its tag stays)");
  } else {
    api.patch(path, yanked_fields(rel, r));
    if (r.say) r.say(std::string("marked ") + r.tag + (r.mode == YankMode::Draft ? " a draft" : " a prerelease") +
                     ", named \"" + kYankedPrefix + "...\"");
  }
  if (result.was_latest) {
    const nlohmann::json back = previous_good(remote, id);
    if (back.is_null()) {
      if (r.say) r.say("no good release is left: devices are offered no update");
    } else {
      api.patch(remote.path("/releases/" + std::to_string(id_field(back, "release"))), {{"make_latest", "true"}});
    }
  }
  const nlohmann::json latest_after = remote.latest();
  result.latest_after = latest_after.is_null() ? "" : string_field(latest_after, "tag_name");
  if (result.latest_after == r.tag) {
    throw Error("the server still answers " + r.tag + " as the latest release; check it with `vt132-release status`");
  }
  return result;
}

}  // namespace vt132::host
