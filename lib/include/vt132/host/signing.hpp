#pragma once
// ECDSA P-256 release signing: the maintainer's key pair, detached DER signatures over a
// release manifest, and SHA-256 public-key fingerprints (also used to pin the local CA).
//
// The device verifies with mbedTLS, so only P-256 (prime256v1) keys are accepted. A
// signature made here verifies with
//   openssl dgst -sha256 -verify release.pub.pem -signature manifest.sig manifest.json
#include <openssl/types.h>

#include <array>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "vt132/host/error.hpp"

namespace vt132::host {

namespace detail {
struct EvpPkeyFree {
  void operator()(EVP_PKEY* key) const noexcept;
};
using PkeyPtr = std::unique_ptr<EVP_PKEY, EvpPkeyFree>;
}  // namespace detail

// Where the public key of `private_pem` is written: release.pem -> release.pub.pem.
std::filesystem::path public_key_path_for(const std::filesystem::path& private_pem);

struct SigningKeyFiles {
  std::filesystem::path private_key;  // PKCS#8 PEM, unencrypted, mode 0600
  std::filesystem::path public_key;   // SubjectPublicKeyInfo PEM, mode 0644
  std::string fingerprint_sha256;     // of the public key, lower-case hex
};

// Generates a new P-256 key pair and writes both files. Refuses (Error) when either file
// already exists; the private key is never readable by others, not even briefly; on an
// error neither file is left behind.
SigningKeyFiles generate_signing_key(const std::filesystem::path& private_pem);

// True when the file's permissions let its group or others read or write it (the CLI
// warns: a signing key should be mode 0600). Throws Error when the file cannot be stat'ed.
bool key_file_too_open(const std::filesystem::path& key_file);

// A P-256 public key that checks signatures.
class VerifyKey {
 public:
  // Loads a "PUBLIC KEY" (SubjectPublicKeyInfo) PEM file; Error names the file and what
  // it holds when that is not a P-256 public key.
  explicit VerifyKey(const std::filesystem::path& public_pem);
  // The same from PEM text; `source` names it in error messages.
  static VerifyKey from_pem(std::string_view pem, std::string_view source);
  // From DER SubjectPublicKeyInfo bytes.
  static VerifyKey from_der(const std::vector<uint8_t>& spki_der, std::string_view source);

  // True only for a valid DER ECDSA-SHA256 signature of `data` by this key. Malformed
  // signatures are false, not errors.
  bool verify(std::string_view data, const std::vector<uint8_t>& der_sig) const;

  std::vector<uint8_t> spki_der() const;  // DER SubjectPublicKeyInfo
  std::string pem() const;                // "-----BEGIN PUBLIC KEY-----" ...
  std::string fingerprint_sha256() const;

 private:
  explicit VerifyKey(detail::PkeyPtr key) : key_(std::move(key)) {}
  detail::PkeyPtr key_;
};

// A P-256 private key loaded from a PEM file (PKCS#8 or SEC1 "EC PRIVATE KEY",
// unencrypted).
class SigningKey {
 public:
  // Error names the file and what was found, e.g.
  //   key file keys/release.pem: not an ECDSA P-256 private key (found RSA 2048)
  explicit SigningKey(const std::filesystem::path& private_pem);

  // Detached DER ECDSA signature over SHA-256(data).
  std::vector<uint8_t> sign(std::string_view data) const;

  VerifyKey verify_key() const;  // holds only the public half
  std::string fingerprint_sha256() const;
  const std::filesystem::path& file() const { return file_; }

 private:
  std::filesystem::path file_;
  detail::PkeyPtr key_;
};

// SHA-256 over DER SubjectPublicKeyInfo bytes, lower-case hex (64 characters). Equals
//   openssl pkey -pubin -in KEY.pub.pem -outform DER | openssl dgst -sha256
std::string public_key_fingerprint_sha256(const std::vector<uint8_t>& spki_der);
std::string public_key_fingerprint_sha256(const VerifyKey& key);

// DER ECDSA-Sig-Value <-> raw r||s (32 bytes each, big endian), the form small devices
// often take. Error when the DER is malformed, has trailing bytes or r/s do not fit.
std::array<uint8_t, 64> der_signature_to_raw(const std::vector<uint8_t>& der_sig);
std::vector<uint8_t> raw_signature_to_der(const std::array<uint8_t, 64>& raw_sig);

namespace detail {
// Shared with certs.cpp; not for callers.

// Every error in OpenSSL's queue as "; "-joined text (empty if none); clears the queue.
std::string take_openssl_errors();
// New P-256 key, named curve, uncompressed points.
PkeyPtr generate_p256();
// An unencrypted P-256 private key from a PEM file: what SigningKey holds, and a CA key.
// Error names the file and what was found instead.
PkeyPtr load_p256_private_key(const std::filesystem::path& private_pem);
// PKCS#8 unencrypted PEM of a private key / SubjectPublicKeyInfo DER of its public half.
std::string private_key_pem(EVP_PKEY* key);
std::vector<uint8_t> public_key_der(EVP_PKEY* key);

struct NewFile {
  std::filesystem::path path;
  std::string contents;
  unsigned mode;
};
// Creates all the files or none: each is written to a temporary name (created O_EXCL with
// mode 0600, switched to its mode once written), synced, then linked to its final name,
// which never replaces an existing file. On any error everything created is removed and
// Error names the file ("cannot write X: reason", "refusing to overwrite X: ...").
void write_new_files(const std::vector<NewFile>& files);
}  // namespace detail

}  // namespace vt132::host
