// A minimal POST /api/graphql: the release-by-tag query `gh release view/download TAG`
// sends next to its REST call,
//   query($name:String!$owner:String!$tagName:String!){repository(owner:$owner,name:$name)
//     {release(tagName:$tagName){databaseId,isDraft}}}
// Anything else gets a GitHub-style GraphQL error.
#include <map>

#include "names.hpp"
#include "service.hpp"

namespace vt132::server {
using json = nlohmann::json;

namespace {

constexpr size_t kMaxTokens = 4000;
constexpr int kMaxDepth = 8;

struct Token {
  enum Kind { Name, String, Var, Punct, End } kind = End;
  std::string text;
};

bool name_char(char c, bool first) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || (!first && c >= '0' && c <= '9');
}

// GraphQL lexical rules, reduced to what the supported query uses. Commas are
// insignificant in GraphQL, so they are skipped like white space.
bool tokenize(const std::string& q, std::vector<Token>& out) {
  size_t i = 0;
  while (i < q.size()) {
    if (out.size() > kMaxTokens) return false;
    const char c = q[i];
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == ',') {
      ++i;
    } else if (c == '#') {
      while (i < q.size() && q[i] != '\n') ++i;
    } else if (name_char(c, true) || c == '$') {
      const size_t start = i;
      ++i;
      while (i < q.size() && name_char(q[i], false)) ++i;
      if (c == '$') {
        if (i == start + 1) return false;
        out.push_back({Token::Var, q.substr(start + 1, i - start - 1)});
      } else {
        out.push_back({Token::Name, q.substr(start, i - start)});
      }
    } else if (c == '"') {
      std::string s;
      ++i;
      while (i < q.size() && q[i] != '"') {
        if (q[i] == '\\' || q[i] == '\n') return false;  // escapes are not needed for names
        s += q[i++];
      }
      if (i == q.size()) return false;
      ++i;
      out.push_back({Token::String, s});
    } else if (std::string_view("{}():!=[]@").find(c) != std::string_view::npos) {
      out.push_back({Token::Punct, std::string(1, c)});
      ++i;
    } else if (c == '-' || (c >= '0' && c <= '9')) {
      const size_t start = i;
      ++i;
      while (i < q.size() && ((q[i] >= '0' && q[i] <= '9') || q[i] == '.')) ++i;
      out.push_back({Token::Name, q.substr(start, i - start)});
    } else {
      return false;
    }
  }
  out.push_back({Token::End, ""});
  return true;
}

struct Field {
  std::string name;
  std::map<std::string, std::string> args;  // string values, variables resolved
  std::vector<Field> selection;
};

class Parser {
 public:
  Parser(const std::vector<Token>& t, const json& variables) : t_(t), vars_(variables) {}

  // query [Name] [(variable definitions)] { fields }   or just { fields }
  bool document(std::vector<Field>& out) {
    if (is(Token::Name, "query")) {
      ++p_;
      if (t_[p_].kind == Token::Name) ++p_;
      if (is(Token::Punct, "(")) {
        int depth = 0;
        do {
          if (t_[p_].kind == Token::End) return false;
          if (is(Token::Punct, "(")) ++depth;
          if (is(Token::Punct, ")")) --depth;
          ++p_;
        } while (depth > 0);
      }
    }
    if (!selection(out, 0)) return false;
    return t_[p_].kind == Token::End;
  }

 private:
  bool is(Token::Kind k, const char* text) const { return t_[p_].kind == k && t_[p_].text == text; }

  bool selection(std::vector<Field>& out, int depth) {
    if (depth > kMaxDepth || !is(Token::Punct, "{")) return false;
    ++p_;
    while (!is(Token::Punct, "}")) {
      Field f;
      if (t_[p_].kind != Token::Name) return false;
      f.name = t_[p_++].text;
      if (is(Token::Punct, "(")) {
        ++p_;
        while (!is(Token::Punct, ")")) {
          if (t_[p_].kind != Token::Name) return false;
          const std::string key = t_[p_++].text;
          if (!is(Token::Punct, ":")) return false;
          ++p_;
          std::string value;
          if (t_[p_].kind == Token::String) {
            value = t_[p_].text;
          } else if (t_[p_].kind == Token::Var) {
            auto it = vars_.find(t_[p_].text);
            if (it == vars_.end() || !it->is_string()) return false;
            value = it->get<std::string>();
          } else {
            return false;
          }
          ++p_;
          f.args[key] = value;
        }
        ++p_;
      }
      if (is(Token::Punct, "{") && !selection(f.selection, depth + 1)) return false;
      out.push_back(std::move(f));
    }
    ++p_;
    return true;
  }

  const std::vector<Token>& t_;
  const json& vars_;
  size_t p_ = 0;
};

json graphql_error(const std::string& message) {
  return {{"errors", json::array({{{"type", "UNSUPPORTED"}, {"message", message}}})}};
}

const char* kOnlyQuery =
    "This server answers only repository(owner:, name:) { release(tagName:) { databaseId isDraft ... } }";

}  // namespace

void Service::graphql(httplib::Response& res, const Auth& auth, const std::string& body) {
  const json request = json::parse(body, nullptr, false);
  if (request.is_discarded() || !request.is_object() || !request.contains("query") || !request["query"].is_string()) {
    send_error(res, 400, "Problems parsing JSON");
    return;
  }
  const json variables = request.contains("variables") && request["variables"].is_object() ? request["variables"]
                                                                                            : json::object();
  std::vector<Token> tokens;
  std::vector<Field> top;
  if (!tokenize(request["query"].get<std::string>(), tokens) || !Parser(tokens, variables).document(top)) {
    send_json(res, 200, graphql_error(std::string("Parse error or unsupported syntax. ") + kOnlyQuery));
    return;
  }
  if (top.size() != 1 || top[0].name != "repository" || top[0].selection.size() != 1 ||
      top[0].selection[0].name != "release" || !top[0].args.count("owner") || !top[0].args.count("name") ||
      !top[0].selection[0].args.count("tagName")) {
    send_json(res, 200, graphql_error(kOnlyQuery));
    return;
  }
  const std::string& owner = top[0].args["owner"];
  const std::string& name = top[0].args["name"];
  const Field& release_field = top[0].selection[0];
  const std::string& tag = release_field.args.at("tagName");
  if (!valid_owner(owner) || !valid_repo(name) || !store_.find_repo(owner, name)) {
    json err = graphql_error("Could not resolve to a Repository with the name '" + owner + "/" + name + "'.");
    err["errors"][0]["type"] = "NOT_FOUND";
    err["data"] = {{"repository", nullptr}};
    send_json(res, 200, err);
    return;
  }
  ReleasePtr r = valid_tag(tag) ? store_.release_by_tag(owner, name, tag) : nullptr;
  if (r && r->draft && !auth.who) r = nullptr;
  json release = nullptr;
  if (r) {
    release = json::object();
    const ReleasePtr latest = store_.latest(owner, name);
    for (const Field& f : release_field.selection) {
      if (!f.selection.empty()) {
        send_json(res, 200, graphql_error("Field '" + f.name + "' is not supported here. " + kOnlyQuery));
        return;
      }
      if (f.name == "databaseId") release[f.name] = r->id;
      else if (f.name == "id") release[f.name] = "RE_" + std::to_string(r->id);
      else if (f.name == "isDraft") release[f.name] = r->draft;
      else if (f.name == "isPrerelease") release[f.name] = r->prerelease;
      else if (f.name == "isLatest") release[f.name] = latest && latest->id == r->id;
      else if (f.name == "tagName") release[f.name] = r->tag_name;
      else if (f.name == "name") release[f.name] = r->name;
      else if (f.name == "description") release[f.name] = r->body;
      else if (f.name == "createdAt") release[f.name] = iso8601(r->created_at);
      else if (f.name == "publishedAt") release[f.name] = r->published_at ? json(iso8601(r->published_at)) : json(nullptr);
      else if (f.name == "__typename") release[f.name] = "Release";
      else {
        send_json(res, 200, graphql_error("Field '" + f.name + "' doesn't exist on type 'Release' here. " + kOnlyQuery));
        return;
      }
    }
  }
  send_json(res, 200, {{"data", {{"repository", {{"release", release}}}}}});
}

}  // namespace vt132::server
