#include "vt132/host/certs.hpp"

#include <algorithm>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <array>
#include <cerrno>
#include <climits>
#include <cstring>
#include <ctime>
#include <memory>
#include <set>

#include "vt132/host/file_io.hpp"
#include "vt132/host/hex.hpp"
#include "vt132/host/signing.hpp"

namespace vt132::host {
namespace fs = std::filesystem;

namespace {

struct X509Free {
  void operator()(X509* x) const noexcept { X509_free(x); }
};
struct ExtFree {
  void operator()(X509_EXTENSION* e) const noexcept { X509_EXTENSION_free(e); }
};
struct GeneralNameFree {
  void operator()(GENERAL_NAME* g) const noexcept { GENERAL_NAME_free(g); }
};
struct GeneralNamesFree {
  void operator()(GENERAL_NAMES* g) const noexcept { GENERAL_NAMES_free(g); }
};
struct Asn1StringFree {
  void operator()(ASN1_STRING* s) const noexcept { ASN1_STRING_free(s); }
};
struct BnFree {
  void operator()(BIGNUM* bn) const noexcept { BN_free(bn); }
};
struct BioFree {
  void operator()(BIO* bio) const noexcept { BIO_free(bio); }
};
using X509Ptr = std::unique_ptr<X509, X509Free>;
using ExtPtr = std::unique_ptr<X509_EXTENSION, ExtFree>;
using GeneralNamePtr = std::unique_ptr<GENERAL_NAME, GeneralNameFree>;
using GeneralNamesPtr = std::unique_ptr<GENERAL_NAMES, GeneralNamesFree>;
using Asn1StringPtr = std::unique_ptr<ASN1_STRING, Asn1StringFree>;
using BnPtr = std::unique_ptr<BIGNUM, BnFree>;
using BioPtr = std::unique_ptr<BIO, BioFree>;

constexpr int kMaxDays = 3650;
constexpr size_t kMaxNames = 100;
constexpr size_t kMaxCommonName = 64;  // ub-common-name in RFC 5280
constexpr size_t kMaxCertFileSize = 256 * 1024;

[[noreturn]] void fail(const std::string& message) {
  const std::string details = detail::take_openssl_errors();
  throw Error(details.empty() ? message : message + " (" + details + ")");
}

std::string in_quotes(const std::string& s) { return "\"" + printable(s) + "\""; }

// ---- names

struct SanName {
  std::string text;  // DNS name in lower case, or the address as given
  bool is_ip = false;
  std::array<uint8_t, 16> ip{};
  size_t ip_size = 0;
};

bool is_alnum(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'); }

[[noreturn]] void bad_name(const std::string& name, const std::string& why) {
  throw Error("name " + in_quotes(name) + " " + why);
}

// Letters, digits and hyphens in labels of 1..63 characters, at most 253 in all, "*" only as
// the whole leftmost label with at least two labels after it. Returns the name in lower case.
std::string checked_dns_name(const std::string& name) {
  if (name.size() > 253) {
    bad_name(name, "is " + std::to_string(name.size()) + " characters long; a DNS name has at most 253");
  }
  std::vector<std::string> labels;
  size_t start = 0;
  while (true) {
    const size_t dot = name.find('.', start);
    labels.push_back(name.substr(start, dot == std::string::npos ? std::string::npos : dot - start));
    if (dot == std::string::npos) break;
    start = dot + 1;
  }
  const bool wildcard = labels.front() == "*";
  for (size_t i = 0; i < labels.size(); ++i) {
    const std::string& label = labels[i];
    if (label.empty()) bad_name(name, "has an empty label (a leading, trailing or double dot)");
    if (label.size() > 63) {
      bad_name(name,
               "has a label of " + std::to_string(label.size()) + " characters; at most 63 are allowed");
    }
    if (label == "*" && i == 0) continue;
    for (const char c : label) {
      if (c == '*') bad_name(name, "uses \"*\" other than as the whole leftmost label (like *.vt132.lan)");
      if (c == ':') bad_name(name, "is neither a valid IP address nor a DNS name");
      if (!is_alnum(c) && c != '-') {
        bad_name(name, "contains " + in_quotes(std::string(1, c)) +
                           "; a DNS name has only letters, digits, hyphens and dots");
      }
    }
    if (label.front() == '-' || label.back() == '-') {
      bad_name(name, "has a label starting or ending with a hyphen");
    }
  }
  if (wildcard && labels.size() < 3) {
    bad_name(name,
             "is a wildcard too broad for TLS clients to accept; use at least two labels after "
             "\"*\" (like *.vt132.lan)");
  }
  bool numeric_tld = true;
  for (const char c : labels.back()) numeric_tld = numeric_tld && c >= '0' && c <= '9';
  if (numeric_tld) bad_name(name, "looks like an IP address but is not a valid one");
  std::string lower = name;
  for (char& c : lower) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return lower;
}

SanName classify_name(const std::string& name) {
  if (name.empty()) throw Error("empty name; give a host name or an IP address");
  for (const char c : name) {
    const auto b = static_cast<unsigned char>(c);
    if (b <= 0x20 || b >= 0x7F) bad_name(name, "contains a space, control or non-ASCII character");
  }
  SanName out;
  in_addr v4{};
  in6_addr v6{};
  if (::inet_pton(AF_INET, name.c_str(), &v4) == 1) {
    out.is_ip = true;
    out.ip_size = 4;
    std::memcpy(out.ip.data(), &v4, 4);
    out.text = name;
  } else if (::inet_pton(AF_INET6, name.c_str(), &v6) == 1) {
    out.is_ip = true;
    out.ip_size = 16;
    std::memcpy(out.ip.data(), &v6, 16);
    out.text = name;
  } else {
    out.text = checked_dns_name(name);
  }
  return out;
}

std::vector<SanName> checked_names(const std::vector<std::string>& names) {
  if (names.empty()) throw Error("no server name given; name at least one host name or IP address");
  if (names.size() > kMaxNames) {
    throw Error(std::to_string(names.size()) + " names given; at most " + std::to_string(kMaxNames));
  }
  std::vector<SanName> out;
  std::set<std::string> seen;
  for (const auto& name : names) {
    SanName san = classify_name(name);
    const std::string key = san.is_ip ? "ip:" + to_hex(san.ip.data(), san.ip_size) : "dns:" + san.text;
    if (seen.insert(key).second) out.push_back(std::move(san));
  }
  if (out.front().text.size() > kMaxCommonName) {
    throw Error("the first name, " + in_quotes(out.front().text) +
                ", becomes the certificate's common name, " +
                "which is limited to 64 characters; put a shorter name first");
  }
  return out;
}

void check_options(const CertOptions& options) {
  if (options.days < 1 || options.days > kMaxDays) {
    throw Error("validity of " + std::to_string(options.days) + " days is out of range; use 1 to " +
                std::to_string(kMaxDays));
  }
  const std::string& cn = options.ca_common_name;
  if (cn.empty() || cn.size() > kMaxCommonName) {
    throw Error("CA common name " + in_quotes(cn) + " must be 1 to 64 characters");
  }
  for (const char c : cn) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7F) {
      throw Error("CA common name " + in_quotes(cn) + " contains a control character");
    }
  }
}

// ---- certificate building

void set_random_serial(X509* cert) {
  std::array<unsigned char, 16> bytes{};
  if (RAND_bytes(bytes.data(), static_cast<int>(bytes.size())) != 1)
    fail("cannot get random bytes for a serial number");
  bytes[15] |= 1;  // never zero; BIGNUMs are unsigned, so the serial is positive
  BnPtr bn(BN_bin2bn(bytes.data(), static_cast<int>(bytes.size()), nullptr));
  if (!bn || BN_to_ASN1_INTEGER(bn.get(), X509_get_serialNumber(cert)) == nullptr) {
    fail("cannot set the certificate serial number");
  }
}

// An extension from its OpenSSL config text, e.g. "critical,CA:TRUE,pathlen:0".
void add_extension(X509* cert, X509* issuer, int nid, const char* value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  ExtPtr ext(X509V3_EXT_conf_nid(nullptr, &ctx, nid, value));
  if (!ext || X509_add_ext(cert, ext.get(), -1) != 1) {
    fail(std::string("cannot add certificate extension ") + OBJ_nid2sn(nid) + " = " + value);
  }
}

void add_subject_alt_names(X509* cert, const std::vector<SanName>& names) {
  GeneralNamesPtr gens(sk_GENERAL_NAME_new_null());
  if (!gens) fail("out of memory");
  for (const auto& name : names) {
    GeneralNamePtr gen(GENERAL_NAME_new());
    Asn1StringPtr value(name.is_ip ? ASN1_OCTET_STRING_new() : ASN1_IA5STRING_new());
    if (!gen || !value) fail("out of memory");
    const bool set = name.is_ip
                         ? ASN1_OCTET_STRING_set(value.get(), name.ip.data(), static_cast<int>(name.ip_size))
                         : ASN1_STRING_set(value.get(), name.text.data(), static_cast<int>(name.text.size()));
    if (!set) fail("out of memory");
    GENERAL_NAME_set0_value(gen.get(), name.is_ip ? GEN_IPADD : GEN_DNS, value.release());
    if (sk_GENERAL_NAME_push(gens.get(), gen.get()) <= 0) fail("out of memory");
    (void)gen.release();  // owned by gens now
  }
  if (X509_add1_ext_i2d(cert, NID_subject_alt_name, gens.get(), 0, X509V3_ADD_DEFAULT) != 1) {
    fail("cannot add the subjectAltName extension");
  }
}

// A v3 certificate for `key` named CN=`common_name`, not yet extended or signed; the issuer
// name is the subject's own when `issuer` is null.
X509Ptr new_certificate(EVP_PKEY* key, const std::string& common_name, X509* issuer, int days) {
  X509Ptr cert(X509_new());
  if (!cert) fail("out of memory");
  if (X509_set_version(cert.get(), X509_VERSION_3) != 1) fail("cannot set the certificate version");
  set_random_serial(cert.get());
  // An hour back, so a device whose clock is a little behind still accepts a new certificate.
  if (X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600) == nullptr ||
      X509_time_adj_ex(X509_getm_notAfter(cert.get()), days, 0, nullptr) == nullptr) {
    fail("cannot set the certificate validity");
  }
  X509_NAME* subject = X509_get_subject_name(cert.get());
  if (X509_NAME_add_entry_by_txt(subject, "CN", MBSTRING_UTF8,
                                 reinterpret_cast<const unsigned char*>(common_name.c_str()), -1, -1,
                                 0) != 1) {
    fail("cannot use " + in_quotes(common_name) + " as a common name");
  }
  if (X509_set_issuer_name(cert.get(), issuer != nullptr ? X509_get_subject_name(issuer) : subject) != 1 ||
      X509_set_pubkey(cert.get(), key) != 1) {
    fail("cannot build the certificate");
  }
  return cert;
}

void sign_certificate(X509* cert, EVP_PKEY* issuer_key) {
  if (X509_sign(cert, issuer_key, EVP_sha256()) <= 0) fail("cannot sign the certificate");
}

std::string certificate_pem(X509* cert) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio || PEM_write_bio_X509(bio.get(), cert) != 1) fail("cannot encode the certificate as PEM");
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio.get(), &data);
  if (size <= 0 || data == nullptr) fail("cannot encode the certificate as PEM");
  return std::string(data, static_cast<size_t>(size));
}

// A TLS server certificate for `names`, the first also its common name, signed by the CA.
X509Ptr server_certificate(EVP_PKEY* server_key, const std::vector<SanName>& names, X509* ca, EVP_PKEY* ca_key,
                           int days) {
  X509Ptr server = new_certificate(server_key, names.front().text, ca, days);
  add_extension(server.get(), ca, NID_basic_constraints, "critical,CA:FALSE");
  add_extension(server.get(), ca, NID_key_usage, "critical,digitalSignature");
  add_extension(server.get(), ca, NID_ext_key_usage, "serverAuth");
  add_subject_alt_names(server.get(), names);
  add_extension(server.get(), ca, NID_subject_key_identifier, "hash");
  add_extension(server.get(), ca, NID_authority_key_identifier, "keyid:always");
  sign_certificate(server.get(), ca_key);
  return server;
}

// ---- reading certificates

X509Ptr load_certificate(const fs::path& path) {
  const std::vector<uint8_t> bytes = read_file(path, kMaxCertFileSize);
  const std::string text(reinterpret_cast<const char*>(bytes.data()), bytes.size());
  if (text.find("-----BEGIN CERTIFICATE-----") == std::string::npos) {
    throw Error("certificate file " + path.string() + ": no \"-----BEGIN CERTIFICATE-----\" block");
  }
  BioPtr bio(BIO_new_mem_buf(text.data(), static_cast<int>(text.size())));
  if (!bio) fail("out of memory");
  X509Ptr cert(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
  if (!cert) fail("certificate file " + path.string() + ": cannot parse the certificate");
  ERR_clear_error();
  return cert;
}

// Whole days from now until the certificate's notAfter (negative once it has passed).
int days_left(X509* cert) {
  int days = 0;
  int seconds = 0;
  if (ASN1_TIME_diff(&days, &seconds, nullptr, X509_get0_notAfter(cert)) != 1) fail("cannot read a certificate's expiry");
  return seconds < 0 && days <= 0 ? days - 1 : days;
}

std::string not_after_text(X509* cert) {
  std::tm tm{};
  if (ASN1_TIME_to_tm(X509_get0_notAfter(cert), &tm) != 1) fail("cannot read a certificate's expiry");
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S UTC", &tm);
  return buf;
}

}  // namespace

CertPaths cert_paths_in(const fs::path& dir) {
  return CertPaths{dir / "ca.pem", dir / "ca.key", dir / "server.pem", dir / "server.key"};
}

CertPaths create_local_ca_and_server_cert(const fs::path& dir, const CertOptions& options) {
  check_options(options);
  const std::vector<SanName> names = checked_names(options.names);
  if (names.front().text == options.ca_common_name) {
    throw Error("the CA common name must differ from the server name " + in_quotes(names.front().text));
  }
  if (dir.empty()) throw Error("no output directory given");
  const CertPaths paths = cert_paths_in(dir);

  // Never replace a CA that devices may already pin, nor half of a set.
  std::string present;
  for (const fs::path* p : {&paths.ca_cert, &paths.ca_key, &paths.server_cert, &paths.server_key}) {
    struct stat st {};
    if (::lstat(p->c_str(), &st) == 0) present += (present.empty() ? "" : ", ") + p->filename().string();
  }
  if (!present.empty()) {
    throw Error(dir.string() + " already contains " + present +
                "; refusing to overwrite (devices may pin this CA). Use another directory, or move " +
                "the old files away first");
  }
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec || !fs::is_directory(dir)) {
    throw Error("cannot create directory " + dir.string() + ": " +
                (ec ? ec.message() : std::string("a file of that name exists")));
  }

  detail::PkeyPtr ca_key = detail::generate_p256();
  detail::PkeyPtr server_key = detail::generate_p256();

  X509Ptr ca = new_certificate(ca_key.get(), options.ca_common_name, nullptr, std::max(options.ca_days, options.days));
  add_extension(ca.get(), ca.get(), NID_basic_constraints, "critical,CA:TRUE,pathlen:0");
  add_extension(ca.get(), ca.get(), NID_key_usage, "critical,keyCertSign,cRLSign");
  add_extension(ca.get(), ca.get(), NID_subject_key_identifier, "hash");
  sign_certificate(ca.get(), ca_key.get());

  X509Ptr server = server_certificate(server_key.get(), names, ca.get(), ca_key.get(), options.days);

  std::vector<detail::NewFile> files;
  files.push_back({paths.ca_cert, certificate_pem(ca.get()), 0644});
  files.push_back({paths.ca_key, detail::private_key_pem(ca_key.get()), 0600});
  files.push_back({paths.server_cert, certificate_pem(server.get()), 0644});
  files.push_back({paths.server_key, detail::private_key_pem(server_key.get()), 0600});
  struct Wipe {
    std::vector<detail::NewFile>& files;
    ~Wipe() {
      for (auto& f : files) {
        if (f.mode == 0600) OPENSSL_cleanse(f.contents.data(), f.contents.size());
      }
    }
  } wipe{files};
  detail::write_new_files(files);
  return paths;
}

RenewedCert renew_server_cert(const fs::path& dir, const CertOptions& options) {
  check_options(options);
  if (dir.empty()) throw Error("no certificate directory given");
  const CertPaths paths = cert_paths_in(dir);
  for (const fs::path* p : {&paths.ca_cert, &paths.ca_key}) {
    struct stat st {};
    if (::lstat(p->c_str(), &st) != 0) {
      throw Error(p->string() + " is missing; --renew needs the CA that signed the old certificate (make a new " +
                  "set with --out, and give devices its new pin)");
    }
  }
  X509Ptr ca = load_certificate(paths.ca_cert);
  detail::PkeyPtr ca_key = detail::load_p256_private_key(paths.ca_key);
  if (X509_check_ca(ca.get()) == 0) throw Error(paths.ca_cert.string() + " is not a CA certificate");
  if (X509_check_private_key(ca.get(), ca_key.get()) != 1) {
    ERR_clear_error();
    throw Error(paths.ca_key.string() + " is not the key of " + paths.ca_cert.string());
  }
  // A certificate outliving its CA fails to verify from the CA's expiry on.
  const int ca_days = days_left(ca.get());
  if (ca_days < 1) {
    throw Error("the CA " + paths.ca_cert.string() + " expired on " + not_after_text(ca.get()) +
                "; make a new set with --out (devices then need its new pin)");
  }
  if (options.days > ca_days) {
    throw Error("the CA " + paths.ca_cert.string() + " expires on " + not_after_text(ca.get()) + ", in " +
                std::to_string(ca_days) + " days; use --days " + std::to_string(ca_days) + " or fewer");
  }

  RenewedCert out;
  out.paths = paths;
  std::vector<std::string> wanted = options.names;
  struct stat st {};
  if (::lstat(paths.server_cert.c_str(), &st) == 0) {
    X509Ptr old = load_certificate(paths.server_cert);
    out.old_expiry = not_after_text(old.get());
    if (wanted.empty()) wanted = certificate_names(paths.server_cert);
  }
  if (wanted.empty()) {
    throw Error("no --name given and " + paths.server_cert.string() + " has none to keep; name the server");
  }
  const std::vector<SanName> names = checked_names(wanted);

  detail::PkeyPtr server_key = detail::generate_p256();
  X509Ptr server = server_certificate(server_key.get(), names, ca.get(), ca_key.get(), options.days);
  std::string key_pem = detail::private_key_pem(server_key.get());
  struct Wipe {
    std::string& text;
    ~Wipe() { OPENSSL_cleanse(text.data(), text.size()); }
  } wipe{key_pem};
  // Each file is replaced in one rename: a reader sees the old file or the new one. The key
  // goes first; until the certificate follows, a server that starts refuses the pair.
  write_file_atomic(paths.server_key, key_pem, 0600);
  write_file_atomic(paths.server_cert, certificate_pem(server.get()), 0644);
  for (const SanName& n : names) out.names.push_back(n.text);
  out.expiry = not_after_text(server.get());
  return out;
}

std::string ca_pin_sha256(const fs::path& ca_cert) {
  X509Ptr cert = load_certificate(ca_cert);
  const X509_PUBKEY* spki = X509_get_X509_PUBKEY(cert.get());
  unsigned char* der = nullptr;
  const int size = spki != nullptr ? i2d_X509_PUBKEY(spki, &der) : -1;
  if (size <= 0) fail("certificate file " + ca_cert.string() + ": cannot encode its public key");
  const std::vector<uint8_t> bytes(der, der + size);
  OPENSSL_free(der);
  return public_key_fingerprint_sha256(bytes);
}

std::vector<std::string> certificate_names(const fs::path& cert_file) {
  X509Ptr cert = load_certificate(cert_file);
  int critical = 0;
  GeneralNamesPtr gens(
      static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(cert.get(), NID_subject_alt_name, &critical, nullptr)));
  std::vector<std::string> out;
  if (!gens) {
    ERR_clear_error();
    if (critical >= 0 || critical == -2) {
      throw Error("certificate file " + cert_file.string() + ": malformed or repeated subjectAltName");
    }
    return out;  // no subjectAltName at all
  }
  for (int i = 0; i < sk_GENERAL_NAME_num(gens.get()); ++i) {
    const GENERAL_NAME* gen = sk_GENERAL_NAME_value(gens.get(), i);
    int type = 0;
    const auto* value = static_cast<const ASN1_STRING*>(GENERAL_NAME_get0_value(gen, &type));
    if (value == nullptr || (type != GEN_DNS && type != GEN_IPADD)) continue;  // only these are strings
    const unsigned char* data = ASN1_STRING_get0_data(value);
    const int size = ASN1_STRING_length(value);
    if (type == GEN_DNS) {
      out.push_back(
          printable(std::string_view(reinterpret_cast<const char*>(data), static_cast<size_t>(size))));
    } else if (type == GEN_IPADD && (size == 4 || size == 16)) {
      char text[INET6_ADDRSTRLEN] = {};
      if (::inet_ntop(size == 4 ? AF_INET : AF_INET6, data, text, sizeof text) != nullptr)
        out.emplace_back(text);
    }
  }
  return out;
}

bool certificate_valid_now(const fs::path& cert_file, std::chrono::seconds margin) {
  X509Ptr cert = load_certificate(cert_file);
  std::time_t now = std::time(nullptr);
  std::time_t until = now + static_cast<std::time_t>(margin.count());
  // X509_cmp_time: -1 when the certificate time is earlier, 1 when later or equal, 0 on error.
  const bool started = X509_cmp_time(X509_get0_notBefore(cert.get()), &now) == -1;
  const bool lasts = X509_cmp_time(X509_get0_notAfter(cert.get()), &until) == 1;
  ERR_clear_error();
  return started && lasts;
}

}  // namespace vt132::host
