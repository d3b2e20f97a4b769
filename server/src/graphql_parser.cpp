#include "graphql_parser.hpp"

#include <cerrno>
#include <cstdint>
#include <cstdlib>

namespace vt132::server::graphql {
using json = nlohmann::json;

namespace {

struct Token {
  enum Kind { Name, Var, String, Int, Float, Punct, Spread, End } kind = End;
  std::string text;  // a String's decoded value; the characters otherwise
  size_t offset = 0;
};

// A refusal carries its message up; the parser has no other way to fail.
struct Refused {
  std::string message;
};

bool name_start(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
bool digit(char c) { return c >= '0' && c <= '9'; }
bool name_char(char c) { return name_start(c) || digit(c); }

void append_utf8(std::string& out, uint32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

// GraphQL's lexical grammar (October 2021 spec, section 2.1) without block strings.
class Lexer {
 public:
  explicit Lexer(std::string_view q) : q_(q) {}

  std::vector<Token> run() {
    std::vector<Token> out;
    while (true) {
      skip_ignored();
      if (out.size() >= kMaxTokens) refuse("the query has more than " + std::to_string(kMaxTokens) + " tokens");
      if (i_ == q_.size()) break;
      out.push_back(next());
    }
    out.push_back({Token::End, "", i_});
    return out;
  }

 private:
  [[noreturn]] void refuse(const std::string& why) const {
    throw Refused{"Parse error at offset " + std::to_string(i_) + ": " + why};
  }

  // White space, line terminators, commas (insignificant in GraphQL), comments, a BOM.
  void skip_ignored() {
    while (i_ < q_.size()) {
      const char c = q_[i_];
      if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == ',') {
        ++i_;
      } else if (c == '#') {
        while (i_ < q_.size() && q_[i_] != '\n' && q_[i_] != '\r') ++i_;
      } else if (q_.substr(i_, 3) == "\xEF\xBB\xBF") {
        i_ += 3;
      } else {
        return;
      }
    }
  }

  Token next() {
    const size_t start = i_;
    const char c = q_[i_];
    if (name_start(c)) return {Token::Name, std::string(word()), start};
    if (c == '$') {
      ++i_;
      if (i_ == q_.size() || !name_start(q_[i_])) refuse("'$' must start a variable name");
      return {Token::Var, std::string(word()), start};
    }
    if (c == '"') return {Token::String, string(), start};
    if (c == '-' || digit(c)) return number();
    if (q_.substr(i_, 3) == "...") {
      i_ += 3;
      return {Token::Spread, "...", start};
    }
    if (std::string_view("{}():!=[]@|&").find(c) != std::string_view::npos) {
      ++i_;
      return {Token::Punct, std::string(1, c), start};
    }
    refuse("unexpected character");
  }

  std::string_view word() {
    const size_t start = i_;
    while (i_ < q_.size() && name_char(q_[i_])) ++i_;
    return q_.substr(start, i_ - start);
  }

  Token number() {
    const size_t start = i_;
    if (q_[i_] == '-') ++i_;
    const size_t int_start = i_;
    while (i_ < q_.size() && digit(q_[i_])) ++i_;
    if (i_ == int_start || (q_[int_start] == '0' && i_ - int_start > 1)) refuse("malformed number");
    bool is_float = false;
    if (i_ < q_.size() && q_[i_] == '.') {
      is_float = true;
      const size_t frac = ++i_;
      while (i_ < q_.size() && digit(q_[i_])) ++i_;
      if (i_ == frac) refuse("malformed number");
    }
    if (i_ < q_.size() && (q_[i_] == 'e' || q_[i_] == 'E')) {
      is_float = true;
      ++i_;
      if (i_ < q_.size() && (q_[i_] == '+' || q_[i_] == '-')) ++i_;
      const size_t exp = i_;
      while (i_ < q_.size() && digit(q_[i_])) ++i_;
      if (i_ == exp) refuse("malformed number");
    }
    if (i_ < q_.size() && (name_start(q_[i_]) || q_[i_] == '.')) refuse("malformed number");
    if (i_ - start > 32) refuse("number too long");
    return {is_float ? Token::Float : Token::Int, std::string(q_.substr(start, i_ - start)), start};
  }

  uint32_t hex4() {
    if (i_ + 4 > q_.size()) refuse("truncated \\u escape");
    uint32_t v = 0;
    for (int k = 0; k < 4; ++k) {
      const char h = q_[i_++];
      v <<= 4;
      if (digit(h)) v |= static_cast<uint32_t>(h - '0');
      else if (h >= 'a' && h <= 'f') v |= static_cast<uint32_t>(h - 'a' + 10);
      else if (h >= 'A' && h <= 'F') v |= static_cast<uint32_t>(h - 'A' + 10);
      else refuse("bad \\u escape");
    }
    return v;
  }

  std::string string() {
    if (q_.substr(i_, 3) == "\"\"\"") refuse("block strings are not supported");
    ++i_;
    std::string s;
    while (true) {
      if (i_ == q_.size() || q_[i_] == '\n' || q_[i_] == '\r') refuse("unterminated string");
      if (s.size() > kMaxStringLength) refuse("a string is longer than " + std::to_string(kMaxStringLength));
      const char c = q_[i_++];
      if (c == '"') return s;
      if (c != '\\') {
        s += c;
        continue;
      }
      if (i_ == q_.size()) refuse("unterminated string");
      const char e = q_[i_++];
      switch (e) {
        case '"': s += '"'; break;
        case '\\': s += '\\'; break;
        case '/': s += '/'; break;
        case 'b': s += '\b'; break;
        case 'f': s += '\f'; break;
        case 'n': s += '\n'; break;
        case 'r': s += '\r'; break;
        case 't': s += '\t'; break;
        case 'u': {
          uint32_t cp = hex4();
          if (cp >= 0xD800 && cp <= 0xDBFF) {  // a surrogate pair: the low half must follow
            if (q_.substr(i_, 2) != "\\u") refuse("lone surrogate in \\u escape");
            i_ += 2;
            const uint32_t low = hex4();
            if (low < 0xDC00 || low > 0xDFFF) refuse("lone surrogate in \\u escape");
            cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
          } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
            refuse("lone surrogate in \\u escape");
          }
          append_utf8(s, cp);
          break;
        }
        default: refuse("unknown escape in string");
      }
    }
  }

  std::string_view q_;
  size_t i_ = 0;
};

class Parser {
 public:
  Parser(const std::vector<Token>& t, const json& variables) : t_(t), given_(variables) {}

  std::vector<Field> document() {
    if (at(Token::Name)) {
      const std::string& word = t_[p_].text;
      if (word == "mutation" || word == "subscription") refuse(word + " operations are not supported: only queries");
      if (word == "fragment") refuse("fragments are not supported");
      if (word != "query") refuse("expected 'query' or '{'");
      ++p_;
      if (at(Token::Name)) ++p_;  // the operation's name
      if (at_punct("(")) variable_definitions();
      if (at_punct("@")) refuse("directives are not supported");
    }
    std::vector<Field> fields = selection_set(1);
    if (!at(Token::End)) refuse("only one operation per request is supported");
    return fields;
  }

 private:
  [[noreturn]] void refuse(const std::string& why) const {
    throw Refused{"Parse error at offset " + std::to_string(t_[p_].offset) + ": " + why};
  }
  bool at(Token::Kind k) const { return t_[p_].kind == k; }
  bool at_punct(const char* p) const { return at(Token::Punct) && t_[p_].text == p; }
  void expect_punct(const char* p) {
    if (!at_punct(p)) refuse(std::string("expected '") + p + "'");
    ++p_;
  }
  std::string name() {
    if (!at(Token::Name)) refuse("expected a name");
    return t_[p_++].text;
  }
  void check_depth(int depth) const {
    if (depth > kMaxDepth) refuse("nested deeper than " + std::to_string(kMaxDepth));
  }

  // ($name: Type = default, ...)
  void variable_definitions() {
    expect_punct("(");
    do {
      if (!at(Token::Var)) refuse("expected a variable definition");
      const std::string var = t_[p_++].text;
      expect_punct(":");
      type(1);
      json value = nullptr;
      if (at_punct("=")) {
        ++p_;
        value = this->value(1, true);
      }
      if (given_.is_object()) {
        auto it = given_.find(var);
        if (it != given_.end()) value = *it;
      }
      vars_[var] = std::move(value);
    } while (!at_punct(")"));
    ++p_;
  }

  // Name, [Type], either followed by '!'; only its shape is checked.
  void type(int depth) {
    check_depth(depth);
    if (at_punct("[")) {
      ++p_;
      type(depth + 1);
      expect_punct("]");
    } else {
      name();
    }
    if (at_punct("!")) ++p_;
  }

  std::vector<Field> selection_set(int depth) {
    check_depth(depth);
    expect_punct("{");
    std::vector<Field> out;
    do {
      if (at(Token::Spread)) refuse("fragments are not supported");
      Field f;
      f.name = name();
      if (at_punct(":")) {
        ++p_;
        f.alias = std::move(f.name);
        f.name = name();
      }
      if (at_punct("(")) arguments(f, depth);
      if (at_punct("@")) refuse("directives are not supported");
      if (at_punct("{")) f.selection = selection_set(depth + 1);
      out.push_back(std::move(f));
    } while (!at_punct("}"));
    ++p_;
    return out;
  }

  void arguments(Field& f, int depth) {
    expect_punct("(");
    do {
      const std::string key = name();
      expect_punct(":");
      if (f.args.count(key)) refuse("argument '" + key + "' given twice");
      f.args[key] = value(depth + 1, false);
    } while (!at_punct(")"));
    ++p_;
  }

  json value(int depth, bool constant) {
    check_depth(depth);
    const Token& t = t_[p_];
    switch (t.kind) {
      case Token::Var: {
        if (constant) refuse("a variable cannot be used here");
        auto it = vars_.find(t.text);
        if (it == vars_.end()) refuse("variable $" + t.text + " is not defined");
        ++p_;
        return it->second;
      }
      case Token::String: ++p_; return t.text;
      case Token::Int: {
        ++p_;
        errno = 0;
        const long long v = std::strtoll(t.text.c_str(), nullptr, 10);
        if (errno == ERANGE) refuse("integer out of range");
        return v;
      }
      case Token::Float: ++p_; return std::strtod(t.text.c_str(), nullptr);
      case Token::Name:
        ++p_;
        if (t.text == "true") return true;
        if (t.text == "false") return false;
        if (t.text == "null") return nullptr;
        return t.text;  // an enum value
      case Token::Punct:
        if (t.text == "[") {
          ++p_;
          json list = json::array();
          while (!at_punct("]")) list.push_back(value(depth + 1, constant));
          ++p_;
          return list;
        }
        if (t.text == "{") {
          ++p_;
          json object = json::object();
          while (!at_punct("}")) {
            const std::string key = name();
            expect_punct(":");
            object[key] = value(depth + 1, constant);
          }
          ++p_;
          return object;
        }
        break;
      default: break;
    }
    refuse("expected a value");
  }

  const std::vector<Token>& t_;
  const json& given_;
  std::map<std::string, json> vars_;
  size_t p_ = 0;
};

}  // namespace

Document parse_query(std::string_view query, const json& variables) {
  Document doc;
  if (query.size() > kMaxQueryLength) {
    doc.error = "Parse error: the query is longer than " + std::to_string(kMaxQueryLength) + " bytes";
    return doc;
  }
  try {
    const std::vector<Token> tokens = Lexer(query).run();
    doc.fields = Parser(tokens, variables).document();
  } catch (const Refused& r) {
    doc.error = r.message;
  }
  return doc;
}

}  // namespace vt132::server::graphql
