#include "release_codec.hpp"

#include <algorithm>
#include <set>

#include <nlohmann/json.hpp>

#include "names.hpp"
#include "store_errors.hpp"

namespace vt132::server {
using json = nlohmann::json;

namespace {

json asset_to_disk(const Asset& a) {
  return {{"id", a.id},           {"name", a.name},
          {"label", a.label},     {"content_type", a.content_type},
          {"size", a.size},       {"sha256", a.sha256},
          {"created_at", a.created_at}, {"updated_at", a.updated_at},
          {"uploader", a.uploader}};
}

bool lower_hex_sha256(const std::string& s) {
  if (s.size() != 64) return false;
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

void require(bool ok, const std::string& what) {
  if (!ok) throw DamagedFile(what);
}

Asset asset_from_disk(const json& ja) {
  Asset a;
  a.id = ja.at("id").get<uint64_t>();
  a.name = ja.at("name").get<std::string>();
  a.label = ja.at("label").get<std::string>();
  a.content_type = ja.at("content_type").get<std::string>();
  a.size = ja.at("size").get<uint64_t>();
  a.sha256 = ja.at("sha256").get<std::string>();
  a.created_at = ja.at("created_at").get<int64_t>();
  a.updated_at = ja.at("updated_at").get<int64_t>();
  a.uploader = ja.at("uploader").get<std::string>();
  require(a.id >= 1 && a.id <= kMaxId, "asset id " + std::to_string(a.id) + " is out of range");
  require(stored_asset_name(a.name), "asset name is invalid");
  require(valid_text(a.label, kMaxLabelLength, false), "asset label is invalid");
  require(valid_text(a.content_type, 255, false), "asset content_type is invalid");
  require(lower_hex_sha256(a.sha256), "asset sha256 is not 64 lower-case hex digits");
  return a;
}

Release release_fields_from_disk(const json& j) {
  Release r;
  r.id = j.at("id").get<uint64_t>();
  r.tag_name = j.at("tag_name").get<std::string>();
  r.target_commitish = j.at("target_commitish").get<std::string>();
  r.name = j.at("name").get<std::string>();
  r.body = j.at("body").get<std::string>();
  r.draft = j.at("draft").get<bool>();
  r.prerelease = j.at("prerelease").get<bool>();
  r.created_at = j.at("created_at").get<int64_t>();
  r.published_at = j.at("published_at").get<int64_t>();
  // Stores written before updated_at was kept: the last change known is the publication.
  r.updated_at = j.contains("updated_at") ? j.at("updated_at").get<int64_t>() : std::max(r.created_at, r.published_at);
  r.latest_seq = j.at("latest_seq").get<uint64_t>();
  r.author = j.at("author").get<std::string>();
  require(valid_tag(r.tag_name), "tag_name is invalid");
  require(valid_text(r.target_commitish, 255, false), "target_commitish is invalid");
  require(valid_text(r.name, kMaxReleaseNameLength, false), "name is invalid");
  require(valid_text(r.body, kMaxReleaseBodyLength, true), "body is invalid");
  std::set<uint64_t> ids;
  std::set<std::string> names;
  for (const json& ja : j.at("assets")) {
    Asset a = asset_from_disk(ja);
    require(ids.insert(a.id).second && names.insert(a.name).second, "asset " + a.name + " is listed twice");
    r.assets.push_back(std::move(a));
  }
  return r;
}

json parse(const std::vector<uint8_t>& bytes) {
  // Trailing bytes, a cut-off document and an empty file are all parse errors here.
  json j = json::parse(bytes.begin(), bytes.end(), nullptr, false);
  require(!j.is_discarded(), bytes.empty() ? "the file is empty" : "the file is not valid JSON");
  require(j.is_object(), "the file is not a JSON object");
  return j;
}

}  // namespace

std::string release_to_disk(const Release& r) {
  json assets = json::array();
  for (const Asset& a : r.assets) assets.push_back(asset_to_disk(a));
  for (const UnavailableAsset& u : r.unavailable) assets.push_back(asset_to_disk(u.asset));
  return json{{"id", r.id},
              {"tag_name", r.tag_name},
              {"target_commitish", r.target_commitish},
              {"name", r.name},
              {"body", r.body},
              {"draft", r.draft},
              {"prerelease", r.prerelease},
              {"created_at", r.created_at},
              {"published_at", r.published_at},
              {"updated_at", r.updated_at},
              {"latest_seq", r.latest_seq},
              {"author", r.author},
              {"assets", assets}}
      .dump();
}

Release release_from_disk(const std::vector<uint8_t>& bytes, uint64_t id) {
  const json j = parse(bytes);
  Release r;
  try {
    r = release_fields_from_disk(j);
  } catch (const json::exception& e) {
    throw DamagedFile(std::string("a field is missing or has the wrong type (") + e.what() + ")");
  }
  require(r.id == id, "its id " + std::to_string(r.id) + " is not its directory's " + std::to_string(id));
  return r;
}

std::string tags_to_disk(const std::vector<std::string>& tags) { return json{{"tags", tags}}.dump(); }

std::vector<std::string> tags_from_disk(const std::vector<uint8_t>& bytes, size_t max_tags) {
  const json j = parse(bytes);
  require(j.contains("tags") && j["tags"].is_array(), "\"tags\" is missing or not a list");
  require(j["tags"].size() <= max_tags, "more than " + std::to_string(max_tags) + " tags");
  std::vector<std::string> tags;
  std::set<std::string> seen;
  for (const json& t : j["tags"]) {
    require(t.is_string() && valid_tag(t.get<std::string>()), "a tag is not a valid tag name");
    require(seen.insert(t.get<std::string>()).second, "tag " + t.get<std::string>() + " is listed twice");
    tags.push_back(t.get<std::string>());
  }
  return tags;
}

std::string repo_to_disk(const Repo& repo) { return json{{"owner", repo.owner}, {"name", repo.name}}.dump(); }

Repo repo_from_disk(const std::vector<uint8_t>& bytes, uint64_t id) {
  const json j = parse(bytes);
  Repo repo{id, "", ""};
  try {
    repo.owner = j.at("owner").get<std::string>();
    repo.name = j.at("name").get<std::string>();
  } catch (const json::exception& e) {
    throw DamagedFile(std::string("a field is missing or has the wrong type (") + e.what() + ")");
  }
  require(valid_owner(repo.owner) && valid_repo(repo.name), "owner or name is not a valid repository name");
  return repo;
}

}  // namespace vt132::server
