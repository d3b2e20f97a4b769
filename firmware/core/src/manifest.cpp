#include "vt132/core/manifest.hpp"

#include <cstdio>
#include <cstring>

namespace vt132::core {
namespace {

enum class FieldType { String, Integer };

// The keys schema 1 defines; `seen` guards against duplicates. The first kRequiredKeys are
// required; the delta listing's keys follow, four per patch entry.
struct KnownKey {
  const char* name;
  FieldType type;
};
constexpr KnownKey kKeys[] = {
    {"schema", FieldType::Integer},  {"project", FieldType::String}, {"version", FieldType::String},
    {"secure_version", FieldType::Integer}, {"chip", FieldType::String}, {"image", FieldType::String},
    {"size", FieldType::Integer},    {"sha256", FieldType::String},  {"channel", FieldType::String},
    {"created", FieldType::String},  {"expires", FieldType::String},
    {"delta", FieldType::Integer},
    {"patch1_base", FieldType::String}, {"patch1_asset", FieldType::String}, {"patch1_size", FieldType::Integer},
    {"patch1_sha256", FieldType::String},
    {"patch2_base", FieldType::String}, {"patch2_asset", FieldType::String}, {"patch2_size", FieldType::Integer},
    {"patch2_sha256", FieldType::String},
    {"patch3_base", FieldType::String}, {"patch3_asset", FieldType::String}, {"patch3_size", FieldType::Integer},
    {"patch3_sha256", FieldType::String},
};
constexpr size_t kKeyCount = sizeof kKeys / sizeof kKeys[0];
constexpr size_t kRequiredKeys = 11;
constexpr size_t kDeltaKey = 11;
constexpr size_t kFirstPatchKey = 12;
constexpr size_t kKeysPerPatch = 4;
static_assert(kFirstPatchKey + kKeysPerPatch * kMaxManifestPatches == kKeyCount, "one key set per patch entry");

struct Token {
  FieldType type = FieldType::String;
  char text[kMaxManifestString + 1] = {};
  size_t len = 0;
  uint32_t number = 0;
};

class Reader {
 public:
  Reader(const char* data, size_t len, ManifestProblem& problem)
      : data_(data), len_(len), problem_(problem) {}

  bool fail(ManifestError error, const char* key = "") { return fail_at(error, key, pos_); }

  bool fail_at(ManifestError error, const char* key, size_t offset) {
    if (problem_.error == ManifestError::Ok) {
      problem_.error = error;
      problem_.offset = offset;
      problem_.key = key;
    }
    return false;
  }

  void skip_space() {
    while (pos_ < len_ && (data_[pos_] == ' ' || data_[pos_] == '\t' || data_[pos_] == '\n' || data_[pos_] == '\r')) {
      ++pos_;
    }
  }

  bool expect(char c) {
    skip_space();
    if (pos_ >= len_ || data_[pos_] != c) return fail(ManifestError::Syntax);
    ++pos_;
    return true;
  }

  bool peek(char c) {
    skip_space();
    return pos_ < len_ && data_[pos_] == c;
  }

  size_t pos() {
    skip_space();
    return pos_;
  }

  bool at_end() {
    skip_space();
    return pos_ == len_;
  }

  bool read_string(Token& t) {
    if (!expect('"')) return false;
    t.type = FieldType::String;
    t.len = 0;
    while (pos_ < len_ && data_[pos_] != '"') {
      const auto c = static_cast<unsigned char>(data_[pos_]);
      if (c < 0x20 || c > 0x7E || c == '\\') return fail(ManifestError::BadString);
      if (t.len == kMaxManifestString) return fail(ManifestError::StringTooLong);
      t.text[t.len++] = static_cast<char>(c);
      ++pos_;
    }
    if (pos_ >= len_) return fail(ManifestError::Syntax);
    ++pos_;
    t.text[t.len] = '\0';
    return true;
  }

  bool read_number(Token& t) {
    t.type = FieldType::Integer;
    uint64_t value = 0;
    size_t digits = 0;
    const size_t start = pos_;
    while (pos_ < len_ && data_[pos_] >= '0' && data_[pos_] <= '9') {
      value = value * 10 + static_cast<uint64_t>(data_[pos_] - '0');
      if (value > 0xFFFFFFFFu) return fail(ManifestError::BadNumber);
      ++pos_;
      ++digits;
    }
    const bool leading_zero = digits > 1 && data_[start] == '0';
    const bool glued = pos_ < len_ && (data_[pos_] == '.' || data_[pos_] == 'e' || data_[pos_] == 'E');
    if (digits == 0 || leading_zero || glued) {
      pos_ = start;
      return fail(ManifestError::BadNumber);
    }
    t.number = static_cast<uint32_t>(value);
    return true;
  }

  bool read_value(Token& t) {
    skip_space();
    if (peek('"')) return read_string(t);
    if (pos_ < len_ && data_[pos_] >= '0' && data_[pos_] <= '9') return read_number(t);
    if (pos_ < len_ && data_[pos_] == '-') return fail(ManifestError::BadNumber);
    return fail(ManifestError::Syntax);
  }

 private:
  const char* data_;
  size_t len_;
  size_t pos_ = 0;
  ManifestProblem& problem_;
};

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

bool parse_sha256(const Token& t, Sha256Digest& out) {
  if (t.len != 64) return false;
  for (size_t i = 0; i < 32; ++i) {
    const int hi = hex_digit(t.text[2 * i]);
    const int lo = hex_digit(t.text[2 * i + 1]);
    if (hi < 0 || lo < 0) return false;
    out[i] = static_cast<uint8_t>(hi << 4 | lo);
  }
  return true;
}

void copy_string(char* dst, const Token& t) {
  std::memcpy(dst, t.text, t.len + 1);
}

ManifestError store_patch_field(size_t key, const Token& t, Manifest& m) {
  ManifestPatch& p = m.patches[(key - kFirstPatchKey) / kKeysPerPatch];
  switch ((key - kFirstPatchKey) % kKeysPerPatch) {
    case 0: return parse_sha256(t, p.base_sha256) ? ManifestError::Ok : ManifestError::BadSha256;
    case 1: copy_string(p.asset, t); return ManifestError::Ok;
    case 2:
      if (t.number == 0) return ManifestError::BadPatch;
      p.size = t.number;
      return ManifestError::Ok;
    default: return parse_sha256(t, p.sha256) ? ManifestError::Ok : ManifestError::BadSha256;
  }
}

// Checks a known key's value against what the format says about it, and stores it.
ManifestError store(size_t key, const Token& t, Manifest& m) {
  if (t.type != kKeys[key].type) return ManifestError::WrongType;
  if (key >= kFirstPatchKey) return store_patch_field(key, t, m);
  switch (key) {
    case 0:
      if (t.number != kManifestSchema) return ManifestError::UnsupportedSchema;
      m.schema = t.number;
      break;
    case 1: copy_string(m.project, t); break;
    case 2: copy_string(m.version, t); break;
    case 3: m.secure_version = t.number; break;
    case 4: copy_string(m.chip, t); break;
    case 5: copy_string(m.image, t); break;
    case 6: m.size = t.number; break;
    case 7:
      if (!parse_sha256(t, m.sha256)) return ManifestError::BadSha256;
      break;
    case 8:
      if (std::strcmp(t.text, "stable") != 0 && std::strcmp(t.text, "beta") != 0) {
        return ManifestError::BadChannel;
      }
      copy_string(m.channel, t);
      break;
    case 9:
      if (!parse_utc_timestamp(t.text, t.len, m.created)) return ManifestError::BadTimestamp;
      break;
    case 10:
      if (!parse_utc_timestamp(t.text, t.len, m.expires)) return ManifestError::BadTimestamp;
      break;
    case kDeltaKey: m.delta = t.number; break;
    default: break;
  }
  return ManifestError::Ok;
}

size_t find_key(const Token& t) {
  for (size_t i = 0; i < kKeyCount; ++i) {
    if (std::strcmp(kKeys[i].name, t.text) == 0) return i;
  }
  return kKeyCount;
}

bool parse_members(Reader& r, Manifest& m, bool (&seen)[kKeyCount]) {
  size_t members = 0;
  if (r.peek('}')) return r.expect('}');
  do {
    if (++members > kMaxManifestKeys) return r.fail(ManifestError::TooManyKeys);
    Token key;
    Token value;
    if (!r.read_string(key) || !r.expect(':')) return false;
    const size_t value_at = r.pos();
    if (!r.read_value(value)) return false;
    const size_t k = find_key(key);
    if (k == kKeyCount) continue;  // unknown keys are for later schemas
    if (seen[k]) return r.fail_at(ManifestError::DuplicateKey, kKeys[k].name, value_at);
    seen[k] = true;
    const ManifestError err = store(k, value, m);
    if (err != ManifestError::Ok) return r.fail_at(err, kKeys[k].name, value_at);
  } while (r.peek(',') && r.expect(','));
  return r.expect('}');
}

// A patch entry has all four keys or none, entries are numbered from 1 without gaps, and a
// listing needs its version. A listing of another version is ignored, not refused: the full
// image is always there to install.
bool check_patches(Reader& r, Manifest& m, const bool (&seen)[kKeyCount]) {
  size_t entries = 0;
  for (size_t e = 0; e < kMaxManifestPatches; ++e) {
    const size_t first = kFirstPatchKey + e * kKeysPerPatch;
    size_t present = 0;
    for (size_t k = 0; k < kKeysPerPatch; ++k) present += seen[first + k] ? 1 : 0;
    if (present == 0) continue;
    for (size_t k = 0; k < kKeysPerPatch; ++k) {
      if (!seen[first + k]) return r.fail(ManifestError::MissingKey, kKeys[first + k].name);
    }
    if (entries != e) return r.fail(ManifestError::BadPatch, kKeys[first].name);
    ++entries;
  }
  if (entries > 0 && !seen[kDeltaKey]) return r.fail(ManifestError::MissingKey, kKeys[kDeltaKey].name);
  m.patch_count = m.delta == kManifestDeltaFormat ? entries : 0;
  return true;
}

}  // namespace

ManifestError parse_manifest(const char* data, size_t len, Manifest& out, ManifestProblem& problem) {
  problem = ManifestProblem{};
  Reader r(data, len, problem);
  if (len > kMaxManifestSize) {
    r.fail(ManifestError::TooLarge);
    return problem.error;
  }
  Manifest m;
  bool seen[kKeyCount] = {};
  if (!r.expect('{') || !parse_members(r, m, seen)) return problem.error;
  if (!r.at_end()) {
    r.fail(ManifestError::Syntax);
    return problem.error;
  }
  for (size_t i = 0; i < kRequiredKeys; ++i) {
    if (!seen[i]) {
      r.fail(ManifestError::MissingKey, kKeys[i].name);
      return problem.error;
    }
  }
  if (!check_patches(r, m, seen)) return problem.error;
  out = m;
  return ManifestError::Ok;
}

const ManifestPatch* Manifest::patch_for(const Sha256Digest& base) const {
  for (size_t i = 0; i < patch_count; ++i) {
    if (patches[i].base_sha256 == base) return &patches[i];
  }
  return nullptr;
}

ManifestError parse_manifest(const char* data, size_t len, Manifest& out) {
  ManifestProblem problem;
  return parse_manifest(data, len, out, problem);
}

const char* describe(ManifestError error) {
  switch (error) {
    case ManifestError::Ok: return "ok";
    case ManifestError::TooLarge: return "larger than 1024 bytes";
    case ManifestError::Syntax: return "not a flat JSON object";
    case ManifestError::StringTooLong: return "string longer than 64 characters";
    case ManifestError::BadString: return "string with a control, non-ASCII or escaped character";
    case ManifestError::BadNumber: return "not a decimal integer up to 4294967295";
    case ManifestError::TooManyKeys: return "more than 32 keys";
    case ManifestError::DuplicateKey: return "duplicate key";
    case ManifestError::MissingKey: return "missing key";
    case ManifestError::WrongType: return "value of the wrong type";
    case ManifestError::UnsupportedSchema: return "unsupported schema (expected 1)";
    case ManifestError::BadSha256: return "sha256 is not 64 lower-case hex digits";
    case ManifestError::BadTimestamp: return "timestamp is not YYYY-MM-DDTHH:MM:SSZ";
    case ManifestError::BadChannel: return "channel is neither \"stable\" nor \"beta\"";
    case ManifestError::BadPatch: return "patch entry with size 0 or without the entry before it";
  }
  return "unknown error";
}

size_t format_manifest_problem(const ManifestProblem& p, char* out, size_t cap) {
  if (cap == 0) return 0;
  int n = 0;
  const bool about_key = p.error == ManifestError::MissingKey || p.error == ManifestError::DuplicateKey;
  if (about_key) {
    n = std::snprintf(out, cap, "manifest: %s \"%s\"", describe(p.error), p.key);
  } else if (p.key[0] != '\0') {
    n = std::snprintf(out, cap, "manifest: %s for \"%s\" at offset %lu", describe(p.error), p.key,
                      static_cast<unsigned long>(p.offset));
  } else {
    n = std::snprintf(out, cap, "manifest: %s at offset %lu", describe(p.error),
                      static_cast<unsigned long>(p.offset));
  }
  if (n < 0) n = 0;
  return static_cast<size_t>(n) < cap ? static_cast<size_t>(n) : cap - 1;
}

namespace {

bool read_digits(const char* s, size_t count, int& out) {
  out = 0;
  for (size_t i = 0; i < count; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    out = out * 10 + (s[i] - '0');
  }
  return true;
}

// Days since 1970-01-01 of a proleptic Gregorian date (the civil-from-days inverse).
int64_t days_from_civil(int y, int m, int d) {
  y -= m <= 2 ? 1 : 0;
  const int era = y / 400;
  const int yoe = y - era * 400;
  const int doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return static_cast<int64_t>(era) * 146097 + doe - 719468;
}

void put_digits(char* out, int count, int64_t value) {
  for (int i = count - 1; i >= 0; --i) {
    out[i] = static_cast<char>('0' + value % 10);
    value /= 10;
  }
}

int days_in_month(int y, int m) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  return m == 2 && leap ? 29 : kDays[m - 1];
}

}  // namespace

bool parse_utc_timestamp(const char* t, size_t len, int64_t& seconds) {
  if (len != 20 || t[4] != '-' || t[7] != '-' || t[10] != 'T' || t[13] != ':' || t[16] != ':' || t[19] != 'Z') {
    return false;
  }
  int y, mo, d, h, mi, s;
  if (!read_digits(t, 4, y) || !read_digits(t + 5, 2, mo) || !read_digits(t + 8, 2, d) ||
      !read_digits(t + 11, 2, h) || !read_digits(t + 14, 2, mi) || !read_digits(t + 17, 2, s)) {
    return false;
  }
  if (y < 1970 || mo < 1 || mo > 12 || d < 1 || d > days_in_month(y, mo) || h > 23 || mi > 59 || s > 59) {
    return false;
  }
  seconds = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + s;
  return true;
}

void format_utc_timestamp(int64_t seconds, char out[21]) {
  if (seconds < 0) seconds = 0;
  int64_t days = seconds / 86400;
  const int64_t rem = seconds % 86400;
  // The inverse of days_from_civil.
  days += 719468;
  const int64_t era = days / 146097;
  const int64_t doe = days - era * 146097;
  const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const int64_t mp = (5 * doy + 2) / 153;
  const int64_t d = doy - (153 * mp + 2) / 5 + 1;
  const int64_t m = mp + (mp < 10 ? 3 : -9);
  const int64_t y = yoe + era * 400 + (m <= 2 ? 1 : 0);
  put_digits(out, 4, y % 10000);
  out[4] = '-';
  put_digits(out + 5, 2, m);
  out[7] = '-';
  put_digits(out + 8, 2, d);
  out[10] = 'T';
  put_digits(out + 11, 2, rem / 3600);
  out[13] = ':';
  put_digits(out + 14, 2, rem / 60 % 60);
  out[16] = ':';
  put_digits(out + 17, 2, rem % 60);
  out[19] = 'Z';
  out[20] = '\0';
}

}  // namespace vt132::core
