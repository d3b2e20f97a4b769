#pragma once
// Release signature check with mbedTLS: ECDSA P-256 over the SHA-256 digest, DER signature,
// against the public keys built into the firmware (the PEM `vt132-release keygen` writes,
// embedded from Kconfig). Two key slots let a release signed with the next key be accepted
// before the current key is retired.
#include <cstddef>
#include <cstdint>

#include "mbedtls/pk.h"
#include "port/embedded_pem.hpp"
#include "vt132/core/port/system.hpp"

namespace vt132::espport {

class MbedtlsVerifier final : public core::port::SignatureVerifier {
 public:
  // Loads every non-empty embedded signing key; one that is not an ECDSA P-256 public key is
  // left out (and logged). With no key at all every signature is refused: fail closed.
  MbedtlsVerifier();
  ~MbedtlsVerifier() override;
  MbedtlsVerifier(const MbedtlsVerifier&) = delete;
  MbedtlsVerifier& operator=(const MbedtlsVerifier&) = delete;

  size_t key_count() const { return count_; }
  bool verify(const core::Sha256Digest& digest, const uint8_t* der_sig, size_t sig_len) override;

 private:
  bool load(mbedtls_pk_context& key, const PemText& pem);

  mbedtls_pk_context keys_[kSigningKeySlots];
  size_t count_ = 0;
};

}  // namespace vt132::espport
