#include "port/mbedtls_verifier.hpp"

#include "esp_log.h"
#include "mbedtls/build_info.h"
#include "mbedtls/ecp.h"
#include "psa/crypto.h"

namespace vt132::espport {
namespace {

constexpr const char* kTag = "vt132-sig";
// A DER ECDSA P-256 signature is at most 72 bytes; anything far larger is not one.
constexpr size_t kMaxDerSignature = 128;

bool is_p256(const mbedtls_pk_context& key) {
  return mbedtls_pk_get_type(&key) == MBEDTLS_PK_ECKEY &&
         mbedtls_ecp_keypair_get_group_id(mbedtls_pk_ec(key)) == MBEDTLS_ECP_DP_SECP256R1;
}

}  // namespace

MbedtlsVerifier::MbedtlsVerifier() {
#if defined(MBEDTLS_USE_PSA_CRYPTO)
  // With this option mbedTLS routes pk operations through PSA, which must be initialised
  // first (a second call is a no-op). Without it, a failure here would only refuse updates.
  psa_crypto_init();
#endif
  for (size_t i = 0; i < kSigningKeySlots; ++i) {
    const PemText pem = signing_key_pem(i);
    if (pem.empty()) continue;
    mbedtls_pk_init(&keys_[count_]);
    if (load(keys_[count_], pem)) {
      ++count_;
    } else {
      mbedtls_pk_free(&keys_[count_]);
      ESP_LOGE(kTag, "signing key %u is not an ECDSA P-256 public key (PEM); left out", static_cast<unsigned>(i));
    }
  }
  if (count_ == 0) ESP_LOGE(kTag, "no signing key: every update will be refused");
}

MbedtlsVerifier::~MbedtlsVerifier() {
  for (size_t i = 0; i < count_; ++i) mbedtls_pk_free(&keys_[i]);
}

bool MbedtlsVerifier::load(mbedtls_pk_context& key, const PemText& pem) {
  return mbedtls_pk_parse_public_key(&key, reinterpret_cast<const unsigned char*>(pem.text), pem.size) == 0 &&
         is_p256(key);
}

bool MbedtlsVerifier::verify(const core::Sha256Digest& digest, const uint8_t* der_sig, size_t sig_len) {
  if (!der_sig || sig_len == 0 || sig_len > kMaxDerSignature) return false;
  for (size_t i = 0; i < count_; ++i) {
    if (mbedtls_pk_verify(&keys_[i], MBEDTLS_MD_SHA256, digest.data(), digest.size(), der_sig, sig_len) == 0) {
      return true;
    }
  }
  return false;
}

}  // namespace vt132::espport
