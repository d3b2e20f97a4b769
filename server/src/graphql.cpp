// POST /api/graphql: the part of GitHub's GraphQL schema that the release commands of
// GitHub clients query (parsing: graphql_parser.hpp):
//   gh release list       repository(owner:, name:) { releases(first:, after:, orderBy:)
//                           { nodes { name tagName isDraft isLatest isPrerelease createdAt publishedAt }
//                             pageInfo { hasNextPage endCursor } } }
//   gh release view/...   repository(owner:, name:) { release(tagName:) { databaseId isDraft } }
//   gh release create --verify-tag   repository(owner:, name:) { ref(qualifiedName: "refs/tags/X") { id } }
//   gh auth status        viewer { login }
// Anything else gets a GitHub-style GraphQL error whose message lists what is supported.
#include <algorithm>
#include <functional>
#include <map>

#include "graphql_parser.hpp"
#include "names.hpp"
#include "pagination.hpp"
#include "service.hpp"

namespace vt132::server {
using json = nlohmann::json;
using graphql::Field;

namespace {

// A field or argument the subset does not have: the whole request is refused, as GitHub
// refuses a query that does not validate against its schema.
struct Unsupported {
  std::string message;
  std::string code;
};

using Resolver = std::function<json(const Field&)>;

// The answer's size is bounded, not only the query's: aliases could otherwise ask for the
// same 125 kB release notes thousands of times. Counted as fields are resolved.
constexpr size_t kMaxAnswerBytes = 8u << 20;

struct Budget {
  size_t spent = 0;
  void charge(const json& value) {
    spent += value.is_string() ? value.get_ref<const std::string&>().size() + 8 : 8;
    if (spent > kMaxAnswerBytes) {
      throw Unsupported{"The answer would be larger than " + std::to_string(kMaxAnswerBytes >> 20) +
                            " MiB: ask for fewer fields or a smaller `first`",
                        "answerTooLarge"};
    }
  }
};

// The selection of an object of GraphQL type `type`; `fields` are the ones it has here.
json select(Budget& budget, const std::vector<Field>& selection, const char* type,
            const std::map<std::string, Resolver>& fields) {
  json out = json::object();
  for (const Field& f : selection) {
    if (f.name == "__typename") {
      out[f.key()] = type;
      continue;
    }
    auto it = fields.find(f.name);
    if (it == fields.end()) {
      std::string names;
      for (const auto& [name, resolver] : fields) names += (names.empty() ? "" : " ") + name;
      throw Unsupported{"Field '" + f.name + "' doesn't exist on type '" + type + "' on this server (it has: " +
                            names + ")",
                        "undefinedField"};
    }
    json value = it->second(f);
    budget.charge(value);
    out[f.key()] = std::move(value);
  }
  return out;
}

// A leaf: no selection allowed.
template <typename V>
Resolver leaf(V value) {
  return [value](const Field& f) -> json {
    if (!f.selection.empty()) throw Unsupported{"Field '" + f.name + "' has no fields to select", "selectionMismatch"};
    return value;
  };
}

std::string string_arg(const Field& f, const char* name) {
  auto it = f.args.find(name);
  if (it == f.args.end() || !it->second.is_string()) {
    throw Unsupported{"Field '" + f.name + "' needs the String argument '" + name + "'", "missingRequiredArguments"};
  }
  return it->second.get<std::string>();
}

void only_args(const Field& f, std::initializer_list<const char*> allowed) {
  for (const auto& [name, value] : f.args) {
    if (std::find(allowed.begin(), allowed.end(), name) == allowed.end()) {
      throw Unsupported{"Field '" + f.name + "' has no argument '" + name + "' on this server", "argumentNotAccepted"};
    }
  }
}

// Cursors are opaque to clients: "c" and the id of the last release on the page. An id
// rather than a position, so a release created between two pages does not shift the next.
std::string cursor_of(uint64_t id) { return "c" + std::to_string(id); }

std::optional<uint64_t> parse_cursor(const json& v) {
  if (!v.is_string()) return std::nullopt;
  const std::string s = v.get<std::string>();
  if (s.size() < 2 || s[0] != 'c') return std::nullopt;
  return parse_id(std::string_view(s).substr(1));
}

const char* kSupported =
    "This server answers: repository(owner:, name:) { release(tagName:) { ... } releases(first:, after:, orderBy:) "
    "{ nodes { ... } pageInfo { hasNextPage endCursor } totalCount } ref(qualifiedName:) { id name } } and viewer "
    "{ login }.";

json graphql_errors(const std::string& message, const std::string& code) {
  return {{"errors", json::array({{{"message", message}, {"extensions", {{"code", code}}}}})}};
}

// One request's resolution: the store's view at the time and who is asking.
class Resolution {
 public:
  using RepoLookup = std::function<std::optional<Repo>(std::string_view owner, std::string_view name)>;
  Resolution(const Store& store, RepoLookup lookup, const BaseUrls& base, const std::optional<TokenInfo>& token)
      : store_(store), lookup_(std::move(lookup)), base_(base), token_(token) {}

  json query(const std::vector<Field>& top) {
    return select(budget_, top, "Query",
                  {{"repository", [&](const Field& f) { return repository(f); }},
                   {"viewer", [&](const Field& f) { return viewer(f); }}});
  }

  const json& errors() const { return errors_; }

 private:
  json viewer(const Field& f) {
    only_args(f, {});
    if (!token_) throw Unsupported{"viewer needs a token (Authorization: bearer TOKEN)", "unauthenticated"};
    const json user = user_json(base_, token_->name);
    return select(budget_, f.selection, "User",
                  {{"login", leaf(user["login"])},
                   {"id", leaf(user["node_id"])},
                   {"databaseId", leaf(user["id"])},
                   {"name", leaf(user["login"])},
                   {"url", leaf(user["html_url"])}});
  }

  json repository(const Field& f) {
    only_args(f, {"owner", "name", "followRenames"});
    const std::string owner = string_arg(f, "owner"), name = string_arg(f, "name");
    const std::optional<Repo> repo =
        valid_owner(owner) && valid_repo(name) ? lookup_(owner, name) : std::nullopt;
    if (!repo) {
      errors_.push_back({{"type", "NOT_FOUND"},
                         {"path", json::array({f.key()})},
                         {"message", "Could not resolve to a Repository with the name '" + owner + "/" + name + "'."}});
      return nullptr;
    }
    see_drafts_ = token_ && token_->allows(repo->owner, repo->name);
    latest_ = store_.latest(repo->owner, repo->name);
    const std::string full = repo->owner + "/" + repo->name;
    return select(budget_, f.selection, "Repository",
                  {{"id", leaf("R_" + std::to_string(repo->id))},
                   {"databaseId", leaf(repo->id)},
                   {"name", leaf(repo->name)},
                   {"nameWithOwner", leaf(full)},
                   {"url", leaf(base_.web + "/" + full)},
                   {"isPrivate", leaf(false)},
                   {"release", [&](const Field& r) { return release_by_tag(*repo, r); }},
                   {"releases", [&](const Field& r) { return releases(*repo, r); }},
                   {"ref", [&](const Field& r) { return ref(*repo, r); }}});
  }

  json release(const Repo& repo, const Release& r, const std::vector<Field>& selection) {
    auto date = [](int64_t t) { return t == 0 ? json(nullptr) : json(iso8601(t)); };
    return select(budget_, selection, "Release",
                  {{"databaseId", leaf(r.id)},
                   {"id", leaf("RE_" + std::to_string(r.id))},
                   {"isDraft", leaf(r.draft)},
                   {"isPrerelease", leaf(r.prerelease)},
                   {"isLatest", leaf(latest_ && latest_->id == r.id)},
                   {"tagName", leaf(r.tag_name)},
                   {"name", leaf(r.name.empty() ? json(nullptr) : json(r.name))},
                   {"description", leaf(r.body.empty() ? json(nullptr) : json(r.body))},
                   {"createdAt", leaf(date(r.created_at))},
                   {"publishedAt", leaf(date(r.published_at))},
                   {"updatedAt", leaf(date(r.updated_at))},
                   {"url", leaf(release_html_url(base_, repo.owner, repo.name, r.tag_name))}});
  }

  json release_by_tag(const Repo& repo, const Field& f) {
    only_args(f, {"tagName"});
    const std::string tag = string_arg(f, "tagName");
    ReleasePtr r = valid_tag(tag) ? store_.release_by_tag(repo.owner, repo.name, tag) : nullptr;
    if (r && r->draft && !see_drafts_) r = nullptr;
    return r ? release(repo, *r, f.selection) : json(nullptr);
  }

  json releases(const Repo& repo, const Field& f) {
    only_args(f, {"first", "after", "orderBy"});
    const auto first = f.args.find("first");
    if (first == f.args.end() || first->second.is_null()) {
      throw Unsupported{"You must provide a `first` value to properly paginate the `releases` connection "
                        "(this server pages forward only: first/after).",
                        "argumentLiteralsIncompatible"};
    }
    if (!first->second.is_number_integer() || first->second.get<int64_t>() < 0 ||
        first->second.get<int64_t>() > static_cast<int64_t>(Page::kMaxPerPage)) {
      throw Unsupported{"Requesting " + first->second.dump() + " records on the `releases` connection: `first` "
                        "must be between 0 and " + std::to_string(Page::kMaxPerPage) + ".",
                        "argumentLiteralsIncompatible"};
    }
    const size_t limit = first->second.get<size_t>();
    bool ascending = false;
    if (auto it = f.args.find("orderBy"); it != f.args.end() && !it->second.is_null()) {
      const json& o = it->second;
      const bool field_ok = o.is_object() && o.value("field", "CREATED_AT") == "CREATED_AT";
      const std::string dir = o.is_object() ? o.value("direction", "DESC") : "";
      if (!field_ok || (dir != "ASC" && dir != "DESC") || o.size() > 2) {
        throw Unsupported{"orderBy must be {field: CREATED_AT, direction: ASC|DESC} on this server",
                          "argumentLiteralsIncompatible"};
      }
      ascending = dir == "ASC";
    }
    std::optional<uint64_t> after;
    if (auto it = f.args.find("after"); it != f.args.end() && !it->second.is_null()) {
      after = parse_cursor(it->second);
      if (!after) throw Unsupported{"`" + it->second.dump() + "` does not appear to be a valid cursor.", "invalidCursor"};
    }
    // Newest first from the store; ids grow with creation, so id order is creation order.
    std::vector<ReleasePtr> all = store_.releases(repo.owner, repo.name, see_drafts_);
    if (ascending) std::reverse(all.begin(), all.end());
    auto begin = all.begin();
    if (after) {
      begin = std::find_if(all.begin(), all.end(),
                           [&](const ReleasePtr& r) { return ascending ? r->id > *after : r->id < *after; });
    }
    const size_t available = static_cast<size_t>(all.end() - begin);
    const std::vector<ReleasePtr> page(begin, begin + static_cast<std::ptrdiff_t>(std::min(limit, available)));
    const json end_cursor = page.empty() ? json(nullptr) : json(cursor_of(page.back()->id));
    const json start_cursor = page.empty() ? json(nullptr) : json(cursor_of(page.front()->id));
    auto node = [&](const ReleasePtr& r, const Field& sel) { return release(repo, *r, sel.selection); };
    return select(
        budget_, f.selection, "ReleaseConnection",
        {{"totalCount", leaf(all.size())},
         {"nodes",
          [&](const Field& n) {
            json arr = json::array();
            for (const ReleasePtr& r : page) arr.push_back(node(r, n));
            return arr;
          }},
         {"edges",
          [&](const Field& e) {
            json arr = json::array();
            for (const ReleasePtr& r : page) {
              arr.push_back(select(budget_, e.selection, "ReleaseEdge",
                                   {{"cursor", leaf(cursor_of(r->id))},
                                    {"node", [&](const Field& n) { return node(r, n); }}}));
            }
            return arr;
          }},
         {"pageInfo", [&](const Field& p) {
            return select(budget_, p.selection, "PageInfo",
                          {{"hasNextPage", leaf(available > page.size())},
                           {"hasPreviousPage", leaf(begin != all.begin())},
                           {"endCursor", leaf(end_cursor)},
                           {"startCursor", leaf(start_cursor)}});
          }}});
  }

  // A tag exists while a published release carries it or after such a release was deleted
  // (storage.hpp: kept tags); this server has no branches, so other refs are null.
  json ref(const Repo& repo, const Field& f) {
    only_args(f, {"qualifiedName"});
    std::string name = string_arg(f, "qualifiedName");
    constexpr std::string_view kPrefix = "refs/tags/";
    if (name.rfind(kPrefix, 0) == 0) name.erase(0, kPrefix.size());
    else if (name.rfind("refs/", 0) == 0) return nullptr;
    if (!valid_tag(name) || !store_.tag_exists(repo.owner, repo.name, name)) return nullptr;
    return select(budget_, f.selection, "Ref",
                  {{"id", leaf("REF_" + std::to_string(repo.id) + "_" + name)},
                   {"name", leaf(name)},
                   {"prefix", leaf(std::string(kPrefix))}});
  }

  const Store& store_;
  RepoLookup lookup_;
  const BaseUrls& base_;
  const std::optional<TokenInfo>& token_;
  json errors_ = json::array();
  Budget budget_;
  bool see_drafts_ = false;
  ReleasePtr latest_;
};

}  // namespace

void Service::graphql(httplib::Response& res, const BaseUrls& base, const Auth& auth, const std::string& body) {
  const json request = json::parse(body, nullptr, false);
  if (request.is_discarded() || !request.is_object() || !request.contains("query") || !request["query"].is_string()) {
    send_error(res, 400, "Problems parsing JSON");
    return;
  }
  const json variables = request.contains("variables") ? request["variables"] : json(nullptr);
  if (!variables.is_null() && !variables.is_object()) {
    send_json(res, 200, graphql_errors("variables must be an object", "variableMismatch"));
    return;
  }
  const graphql::Document doc = graphql::parse_query(request["query"].get_ref<const std::string&>(), variables);
  if (!doc.ok()) {
    send_json(res, 200, graphql_errors(doc.error + ". " + kSupported, "parseError"));
    return;
  }
  Resolution resolution(
      store_, [this](std::string_view owner, std::string_view name) { return existing_repo(owner, name); }, base,
      auth.token);
  try {
    json out = {{"data", resolution.query(doc.fields)}};
    if (!resolution.errors().empty()) out["errors"] = resolution.errors();
    send_json(res, 200, out);
  } catch (const Unsupported& u) {
    send_json(res, 200, graphql_errors(u.message + ". " + kSupported, u.code));
  }
}

}  // namespace vt132::server
