#include "vt132/host/signing.hpp"

#include <fcntl.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstring>
#include <random>
#include <set>

#include "vt132/host/file_io.hpp"
#include "vt132/host/hex.hpp"

namespace vt132::host {
namespace fs = std::filesystem;

void detail::EvpPkeyFree::operator()(EVP_PKEY* key) const noexcept { EVP_PKEY_free(key); }

namespace {

struct BioFree {
  void operator()(BIO* bio) const noexcept { BIO_free(bio); }
};
struct MdCtxFree {
  void operator()(EVP_MD_CTX* ctx) const noexcept { EVP_MD_CTX_free(ctx); }
};
struct EcdsaSigFree {
  void operator()(ECDSA_SIG* sig) const noexcept { ECDSA_SIG_free(sig); }
};
struct BnFree {
  void operator()(BIGNUM* bn) const noexcept { BN_free(bn); }
};
using BioPtr = std::unique_ptr<BIO, BioFree>;
using MdCtxPtr = std::unique_ptr<EVP_MD_CTX, MdCtxFree>;
using EcdsaSigPtr = std::unique_ptr<ECDSA_SIG, EcdsaSigFree>;
using BnPtr = std::unique_ptr<BIGNUM, BnFree>;

// Key and certificate files are small; anything bigger is the wrong file.
constexpr size_t kMaxPemFileSize = 64 * 1024;

[[noreturn]] void fail(const std::string& message) {
  const std::string details = detail::take_openssl_errors();
  throw Error(details.empty() ? message : message + " (" + details + ")");
}

// A non-null pointer for OpenSSL even when the view is empty.
const unsigned char* bytes_of(std::string_view data) {
  static const unsigned char kNothing = 0;
  return data.empty() ? &kNothing : reinterpret_cast<const unsigned char*>(data.data());
}

// Never prompt on the terminal for a passphrase: encrypted keys simply fail to load.
int no_passphrase(char*, int, int, void*) { return -1; }

BioPtr memory_bio(std::string_view text) {
  if (text.size() > static_cast<size_t>(INT_MAX)) throw Error("PEM text too large");
  BioPtr bio(BIO_new_mem_buf(text.data(), static_cast<int>(text.size())));
  if (!bio) fail("out of memory");
  return bio;
}

std::string bio_text(BIO* bio) {
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio, &data);
  if (size < 0 || (size > 0 && data == nullptr)) fail("cannot read back PEM text");
  return std::string(data, static_cast<size_t>(size));
}

// The labels of the PEM blocks in `text`, e.g. {"EC PARAMETERS", "EC PRIVATE KEY"}.
std::vector<std::string> pem_labels(std::string_view text) {
  static constexpr std::string_view kBegin = "-----BEGIN ";
  std::vector<std::string> labels;
  size_t pos = 0;
  while ((pos = text.find(kBegin, pos)) != std::string_view::npos) {
    pos += kBegin.size();
    const size_t end = text.find("-----", pos);
    if (end == std::string_view::npos) break;
    const std::string_view label = text.substr(pos, end - pos);
    if (label.find('\n') == std::string_view::npos) labels.emplace_back(label);
    pos = end;
  }
  return labels;
}

bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

bool has_label(const std::vector<std::string>& labels, std::string_view label) {
  for (const auto& l : labels) {
    if (l == label) return true;
  }
  return false;
}

bool has_private_key_label(const std::vector<std::string>& labels) {
  for (const auto& l : labels) {
    if (ends_with(l, "PRIVATE KEY")) return true;
  }
  return false;
}

std::string describe_labels(const std::vector<std::string>& labels) {
  std::string out;
  for (const auto& l : labels) {
    if (!out.empty()) out += ", ";
    out += "\"" + printable(l) + "\"";
  }
  return "PEM block" + std::string(labels.size() == 1 ? " " : "s ") + out;
}

std::string group_name(EVP_PKEY* key) {
  char name[80] = {};
  size_t len = 0;
  if (EVP_PKEY_get_group_name(key, name, sizeof name, &len) != 1) {
    ERR_clear_error();
    return {};
  }
  return std::string(name, len);
}

bool is_p256(EVP_PKEY* key) {
  if (EVP_PKEY_get_base_id(key) != EVP_PKEY_EC) return false;
  const std::string group = group_name(key);
  return group == "prime256v1" || group == "P-256" || group == "secp256r1";
}

// "RSA 2048", "EC secp384r1", "ED25519": what the user actually gave us.
std::string describe_key(EVP_PKEY* key) {
  const char* type = EVP_PKEY_get0_type_name(key);
  std::string out = type != nullptr ? type : "unknown key type";
  if (EVP_PKEY_get_base_id(key) == EVP_PKEY_EC) {
    const std::string group = group_name(key);
    return group.empty() ? out + " with explicit curve parameters" : out + " " + group;
  }
  const int bits = EVP_PKEY_get_bits(key);
  if (bits > 0 && out.find(std::to_string(bits)) == std::string::npos) {
    out += " " + std::to_string(bits);
  }
  ERR_clear_error();
  return out;
}

std::string text_of(const std::vector<uint8_t>& bytes) {
  return std::string(reinterpret_cast<const char*>(bytes.data()), bytes.size());
}

std::string errno_text(int err) { return std::strerror(err); }

// A hint for the common reason a new file cannot be created.
std::string create_error(const fs::path& path, int err) {
  std::string message = "cannot write " + path.string() + ": " + errno_text(err);
  if (err == ENOENT) {
    const fs::path dir = path.parent_path();
    if (!dir.empty()) message += " (does the directory " + dir.string() + " exist?)";
  }
  return message;
}

void write_all(int fd, const std::string& data, const fs::path& shown) {
  const char* p = data.data();
  size_t left = data.size();
  while (left > 0) {
    const ssize_t n = ::write(fd, p, left);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) throw Error("cannot write " + shown.string() + ": " + errno_text(n < 0 ? errno : EIO));
    p += n;
    left -= static_cast<size_t>(n);
  }
}

std::string random_suffix() {
  std::random_device rd;
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  for (int i = 0; i < 2; ++i) {
    unsigned v = rd();
    for (int j = 0; j < 8; ++j, v >>= 4) out.push_back(kDigits[v & 0xF]);
  }
  return out;
}

// Removes what write_new_files created unless it committed.
struct Cleanup {
  std::vector<fs::path> temps;
  std::vector<fs::path> finals;
  bool committed = false;
  Cleanup() = default;
  Cleanup(const Cleanup&) = delete;
  Cleanup& operator=(const Cleanup&) = delete;
  ~Cleanup() {
    if (!committed) {
      for (const auto& f : finals) ::unlink(f.c_str());
    }
    for (const auto& t : temps) ::unlink(t.c_str());
  }
};

// Created O_EXCL with mode 0600, so not even a moment of being readable by others.
fs::path write_temp(const detail::NewFile& file, Cleanup& cleanup) {
  const fs::path dir = file.path.parent_path();
  for (int attempt = 0;; ++attempt) {
    const fs::path temp = (dir.empty() ? fs::path(".") : dir) /
                          ("." + file.path.filename().string() + ".tmp-" + random_suffix());
    const int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0) {
      if (errno == EEXIST && attempt < 16) continue;
      throw Error(create_error(file.path, errno));
    }
    cleanup.temps.push_back(temp);
    try {
      write_all(fd, file.contents, file.path);
      // fchmod, not the open() mode: the umask must not change what the caller asked for.
      if (::fchmod(fd, static_cast<mode_t>(file.mode)) != 0 || ::fsync(fd) != 0) {
        throw Error("cannot write " + file.path.string() + ": " + errno_text(errno));
      }
    } catch (...) {
      ::close(fd);
      throw;
    }
    if (::close(fd) != 0) throw Error("cannot write " + file.path.string() + ": " + errno_text(errno));
    return temp;
  }
}

std::string refuse_message(const fs::path& path) {
  return "refusing to overwrite " + path.string() + ": it already exists (move it away first)";
}

// Puts `temp` at `final_path` only if nothing is there: link() fails with EEXIST instead of
// replacing, unlike rename().
void commit_no_replace(const fs::path& temp, const fs::path& final_path, Cleanup& cleanup) {
  if (::link(temp.c_str(), final_path.c_str()) == 0) {
    cleanup.finals.push_back(final_path);
    return;
  }
  const int err = errno;
  if (err == EEXIST) throw Error(refuse_message(final_path));
  if (err != EPERM && err != ENOTSUP && err != EOPNOTSUPP && err != ENOSYS) {
    throw Error(create_error(final_path, err));
  }
  // A file system without hard links: check, then rename (a tiny race, not a silent one).
  struct stat st {};
  if (::lstat(final_path.c_str(), &st) == 0) throw Error(refuse_message(final_path));
  if (::rename(temp.c_str(), final_path.c_str()) != 0) throw Error(create_error(final_path, errno));
  cleanup.finals.push_back(final_path);
}

}  // namespace

namespace detail {

std::string take_openssl_errors() {
  std::string out;
  unsigned long code = 0;
  while ((code = ERR_get_error()) != 0) {
    char buf[256];
    ERR_error_string_n(code, buf, sizeof buf);
    if (!out.empty()) out += "; ";
    out += buf;
  }
  ERR_clear_error();
  return out;
}

PkeyPtr generate_p256() {
  PkeyPtr key(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"));
  if (!key) fail("cannot generate a P-256 key");
  return key;
}

std::string private_key_pem(EVP_PKEY* key) {
  // Secure heap memory when available, so the PEM text is wiped when freed.
  BioPtr bio(BIO_new(BIO_s_secmem()));
  if (!bio) fail("out of memory");
  if (PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr) != 1) {
    fail("cannot encode the private key as PEM");
  }
  return bio_text(bio.get());
}

std::vector<uint8_t> public_key_der(EVP_PKEY* key) {
  const int size = i2d_PUBKEY(key, nullptr);
  if (size <= 0) fail("cannot encode the public key");
  std::vector<uint8_t> der(static_cast<size_t>(size));
  unsigned char* p = der.data();
  if (i2d_PUBKEY(key, &p) != size) fail("cannot encode the public key");
  return der;
}

void write_new_files(const std::vector<NewFile>& files) {
  // Refuse before creating anything.
  for (const auto& f : files) {
    struct stat st {};
    if (::lstat(f.path.c_str(), &st) == 0) throw Error(refuse_message(f.path));
    if (errno != ENOENT && errno != ENOTDIR) throw Error(create_error(f.path, errno));
  }
  Cleanup cleanup;
  std::vector<fs::path> temps;
  for (const auto& f : files) temps.push_back(write_temp(f, cleanup));
  for (size_t i = 0; i < files.size(); ++i) commit_no_replace(temps[i], files[i].path, cleanup);
  std::set<fs::path> dirs;
  for (const auto& f : files) dirs.insert(f.path.parent_path());
  for (const auto& d : dirs) sync_directory(d);
  cleanup.committed = true;
}

}  // namespace detail

fs::path public_key_path_for(const fs::path& private_pem) {
  return private_pem.parent_path() / (private_pem.stem().string() + ".pub.pem");
}

SigningKeyFiles generate_signing_key(const fs::path& private_pem) {
  if (private_pem.empty() || !private_pem.has_filename()) {
    throw Error("key file name \"" + private_pem.string() + "\" does not name a file");
  }
  SigningKeyFiles out;
  out.private_key = private_pem;
  out.public_key = public_key_path_for(private_pem);
  detail::PkeyPtr key = detail::generate_p256();
  const VerifyKey pub = VerifyKey::from_der(detail::public_key_der(key.get()), "new key");
  out.fingerprint_sha256 = pub.fingerprint_sha256();

  std::vector<detail::NewFile> files;
  files.push_back({out.private_key, detail::private_key_pem(key.get()), 0600});
  files.push_back({out.public_key, pub.pem(), 0644});
  // Wipe our copy of the private key text on every way out.
  struct Wipe {
    std::string& text;
    ~Wipe() { OPENSSL_cleanse(text.data(), text.size()); }
  } wipe{files[0].contents};
  detail::write_new_files(files);
  return out;
}

bool key_file_too_open(const fs::path& key_file) {
  struct stat st {};
  if (::stat(key_file.c_str(), &st) != 0) {
    throw Error("cannot check permissions of " + key_file.string() + ": " + errno_text(errno));
  }
  return (st.st_mode & (S_IRWXG | S_IRWXO)) != 0;
}

// ---- VerifyKey

VerifyKey::VerifyKey(const fs::path& public_pem)
    : VerifyKey(from_pem(text_of(read_file(public_pem, kMaxPemFileSize)),
                         "public key file " + public_pem.string())) {}

VerifyKey VerifyKey::from_pem(std::string_view pem, std::string_view source) {
  const std::string where(source);
  const auto labels = pem_labels(pem);
  if (labels.empty()) {
    throw Error(where + ": not a PEM file (expected \"-----BEGIN PUBLIC KEY-----\")");
  }
  if (!has_label(labels, "PUBLIC KEY")) {
    if (has_private_key_label(labels)) {
      throw Error(where + ": holds a private key, not a public key; give the public key " +
                  "(keygen writes it next to the private key as <name>.pub.pem)");
    }
    if (has_label(labels, "CERTIFICATE")) {
      throw Error(where + ": holds a certificate, not a public key; extract it with " +
                  "`openssl x509 -in CERT -pubkey -noout`");
    }
    throw Error(where + ": holds " + describe_labels(labels) + ", not a \"PUBLIC KEY\"");
  }
  BioPtr bio = memory_bio(pem);
  detail::PkeyPtr key(PEM_read_bio_PUBKEY(bio.get(), nullptr, no_passphrase, nullptr));
  if (!key) fail(where + ": cannot parse the public key");
  if (!is_p256(key.get())) {
    throw Error(where + ": not an ECDSA P-256 public key (found " + describe_key(key.get()) + ")");
  }
  ERR_clear_error();
  return VerifyKey(std::move(key));
}

VerifyKey VerifyKey::from_der(const std::vector<uint8_t>& spki_der, std::string_view source) {
  const std::string where(source);
  if (spki_der.empty() || spki_der.size() > kMaxPemFileSize) {
    throw Error(where + ": not a DER public key (" + std::to_string(spki_der.size()) + " bytes)");
  }
  const unsigned char* p = spki_der.data();
  detail::PkeyPtr key(d2i_PUBKEY(nullptr, &p, static_cast<long>(spki_der.size())));
  if (!key) fail(where + ": cannot parse the DER public key");
  if (p != spki_der.data() + spki_der.size()) {
    ERR_clear_error();
    throw Error(where + ": trailing bytes after the DER public key");
  }
  if (!is_p256(key.get())) {
    throw Error(where + ": not an ECDSA P-256 public key (found " + describe_key(key.get()) + ")");
  }
  ERR_clear_error();
  return VerifyKey(std::move(key));
}

bool VerifyKey::verify(std::string_view data, const std::vector<uint8_t>& der_sig) const {
  if (der_sig.empty() || der_sig.size() > 1024) return false;
  MdCtxPtr ctx(EVP_MD_CTX_new());
  if (!ctx || EVP_DigestVerifyInit(ctx.get(), nullptr, EVP_sha256(), nullptr, key_.get()) != 1) {
    fail("cannot start ECDSA verification");
  }
  const int rc = EVP_DigestVerify(ctx.get(), der_sig.data(), der_sig.size(), bytes_of(data), data.size());
  ERR_clear_error();  // a bad signature leaves decode errors behind; they are not news
  return rc == 1;
}

std::vector<uint8_t> VerifyKey::spki_der() const { return detail::public_key_der(key_.get()); }

std::string VerifyKey::pem() const {
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio) fail("out of memory");
  if (PEM_write_bio_PUBKEY(bio.get(), key_.get()) != 1) fail("cannot encode the public key as PEM");
  return bio_text(bio.get());
}

std::string VerifyKey::fingerprint_sha256() const { return public_key_fingerprint_sha256(spki_der()); }

// ---- SigningKey

namespace detail {

PkeyPtr load_p256_private_key(const fs::path& private_pem) {
  const std::string where = "key file " + private_pem.string();
  std::vector<uint8_t> bytes = read_file(private_pem, kMaxPemFileSize);
  struct Wipe {
    std::vector<uint8_t>& bytes;
    ~Wipe() { OPENSSL_cleanse(bytes.data(), bytes.size()); }
  } wipe{bytes};
  const std::string_view text(reinterpret_cast<const char*>(bytes.data()), bytes.size());
  const auto labels = pem_labels(text);
  if (labels.empty()) {
    throw Error(where + ": not a PEM file (expected \"-----BEGIN PRIVATE KEY-----\"; " +
                "create a key with `vt132-release keygen`)");
  }
  if (has_label(labels, "ENCRYPTED PRIVATE KEY") ||
      text.find("Proc-Type: 4,ENCRYPTED") != std::string_view::npos) {
    throw Error(where + ": the key is protected by a passphrase, which is not supported; " +
                "keep an unencrypted copy with mode 0600 (`openssl pkey -in KEY -out NEW`)");
  }
  if (!has_private_key_label(labels)) {
    if (has_label(labels, "PUBLIC KEY")) {
      throw Error(where + ": holds a public key, not a private key; sign with the private key " +
                  "it was made from");
    }
    throw Error(where + ": holds " + describe_labels(labels) + ", not a private key");
  }
  BioPtr bio = memory_bio(text);
  PkeyPtr key(PEM_read_bio_PrivateKey(bio.get(), nullptr, no_passphrase, nullptr));
  if (!key) fail(where + ": cannot parse the private key");
  if (!is_p256(key.get())) {
    throw Error(where + ": not an ECDSA P-256 private key (found " + describe_key(key.get()) +
                "); create one with `vt132-release keygen`");
  }
  ERR_clear_error();
  return key;
}

}  // namespace detail

SigningKey::SigningKey(const fs::path& private_pem)
    : file_(private_pem), key_(detail::load_p256_private_key(private_pem)) {}

std::vector<uint8_t> SigningKey::sign(std::string_view data) const {
  MdCtxPtr ctx(EVP_MD_CTX_new());
  if (!ctx || EVP_DigestSignInit(ctx.get(), nullptr, EVP_sha256(), nullptr, key_.get()) != 1) {
    fail("cannot sign with " + file_.string());
  }
  const int max_size = EVP_PKEY_get_size(key_.get());
  if (max_size <= 0) fail("cannot sign with " + file_.string());
  std::vector<uint8_t> sig(static_cast<size_t>(max_size));
  size_t size = sig.size();
  if (EVP_DigestSign(ctx.get(), sig.data(), &size, bytes_of(data), data.size()) != 1) {
    fail("cannot sign with " + file_.string());
  }
  sig.resize(size);
  return sig;
}

VerifyKey SigningKey::verify_key() const {
  return VerifyKey::from_der(detail::public_key_der(key_.get()), "public key of " + file_.string());
}

std::string SigningKey::fingerprint_sha256() const {
  return public_key_fingerprint_sha256(detail::public_key_der(key_.get()));
}

// ---- free functions

std::string public_key_fingerprint_sha256(const std::vector<uint8_t>& spki_der) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  if (EVP_Digest(spki_der.data(), spki_der.size(), digest, &size, EVP_sha256(), nullptr) != 1 || size != 32) {
    fail("cannot compute SHA-256");
  }
  return to_hex(digest, size);
}

std::string public_key_fingerprint_sha256(const VerifyKey& key) { return key.fingerprint_sha256(); }

std::array<uint8_t, 64> der_signature_to_raw(const std::vector<uint8_t>& der_sig) {
  const std::string what = "signature (" + std::to_string(der_sig.size()) + " bytes)";
  if (der_sig.empty() || der_sig.size() > 1024) throw Error(what + " is not a DER ECDSA signature");
  const unsigned char* p = der_sig.data();
  EcdsaSigPtr sig(d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(der_sig.size())));
  if (!sig || p != der_sig.data() + der_sig.size()) {
    ERR_clear_error();
    throw Error(what + " is not a DER ECDSA signature");
  }
  // Only the one strict DER form: re-encoding must give the same bytes.
  unsigned char* again = nullptr;
  const int again_size = i2d_ECDSA_SIG(sig.get(), &again);
  const bool same = again_size == static_cast<int>(der_sig.size()) &&
                    std::memcmp(again, der_sig.data(), der_sig.size()) == 0;
  OPENSSL_free(again);
  if (!same) {
    ERR_clear_error();
    throw Error(what + " is not in canonical DER form");
  }
  const BIGNUM* r = nullptr;
  const BIGNUM* s = nullptr;
  ECDSA_SIG_get0(sig.get(), &r, &s);
  std::array<uint8_t, 64> raw{};
  if (BN_is_negative(r) || BN_is_negative(s) || BN_bn2binpad(r, raw.data(), 32) != 32 ||
      BN_bn2binpad(s, raw.data() + 32, 32) != 32) {
    ERR_clear_error();
    throw Error(what + ": r or s does not fit in 32 bytes; not a P-256 signature");
  }
  return raw;
}

std::vector<uint8_t> raw_signature_to_der(const std::array<uint8_t, 64>& raw_sig) {
  BnPtr r(BN_bin2bn(raw_sig.data(), 32, nullptr));
  BnPtr s(BN_bin2bn(raw_sig.data() + 32, 32, nullptr));
  EcdsaSigPtr sig(ECDSA_SIG_new());
  if (!r || !s || !sig) fail("out of memory");
  if (ECDSA_SIG_set0(sig.get(), r.get(), s.get()) != 1) fail("cannot build an ECDSA signature");
  r.release();  // owned by sig now
  s.release();
  const int size = i2d_ECDSA_SIG(sig.get(), nullptr);
  if (size <= 0) fail("cannot encode an ECDSA signature");
  std::vector<uint8_t> der(static_cast<size_t>(size));
  unsigned char* p = der.data();
  if (i2d_ECDSA_SIG(sig.get(), &p) != size) fail("cannot encode an ECDSA signature");
  return der;
}

}  // namespace vt132::host
