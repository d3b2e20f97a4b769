#include <doctest/doctest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "../support/host_test_files.hpp"
#include "vt132/host/signing.hpp"

namespace fs = std::filesystem;
using vt132::host::der_signature_to_raw;
using vt132::host::Error;
using vt132::host::generate_signing_key;
using vt132::host::key_file_too_open;
using vt132::host::public_key_fingerprint_sha256;
using vt132::host::raw_signature_to_der;
using vt132::host::SigningKey;
using vt132::host::VerifyKey;

using namespace vt132::test;

namespace {

bool is_hex_digit(char c, bool upper) {
  return (c >= '0' && c <= '9') || (upper ? (c >= 'A' && c <= 'F') : (c >= 'a' && c <= 'f'));
}

// The first run of exactly 64 lower-case hex digits in openssl dgst's output.
std::string sha256_hex_in(const std::string& text) {
  size_t run_start = 0;
  for (size_t i = 0; i <= text.size(); ++i) {
    if (i < text.size() && is_hex_digit(text[i], false)) continue;
    if (i - run_start == 64) return text.substr(run_start, 64);
    run_start = i + 1;
  }
  return {};
}

// The value of each INTEGER in `openssl asn1parse` output ("... prim: INTEGER   :1A2B..."), upper-case hex.
std::vector<std::string> asn1_integers(const std::string& text) {
  std::vector<std::string> out;
  size_t pos = 0;
  while ((pos = text.find("INTEGER", pos)) != std::string::npos) {
    const size_t colon = text.find(':', pos);
    pos += 7;
    if (colon == std::string::npos) break;
    size_t end = colon + 1;
    while (end < text.size() && is_hex_digit(text[end], true)) ++end;
    out.push_back(text.substr(colon + 1, end - colon - 1));
  }
  return out;
}

std::string upper_hex(const uint8_t* p, size_t n) {
  static constexpr char kDigits[] = "0123456789ABCDEF";
  std::string s;
  for (size_t i = 0; i < n; ++i) {
    s += kDigits[p[i] >> 4];
    s += kDigits[p[i] & 15];
  }
  return s;
}

const std::string kManifest =
    R"({"product":"VT132","version":"V1.4.0","image":"vt132-V1.4.0.bin","sha256":"00ff"})";

}  // namespace

TEST_SUITE("signing") {
  TEST_CASE("keygen writes a 0600 PKCS#8 private key and a 0644 public key beside it, whatever the umask") {
    TempDir dir;
    const mode_t old_umask = ::umask(077);
    const auto files = generate_signing_key(dir / "release.pem");
    ::umask(old_umask);
    CHECK(files.private_key == dir / "release.pem");
    CHECK(files.public_key == dir / "release.pub.pem");
    CHECK(mode_of(files.private_key) == 0600);
    CHECK(mode_of(files.public_key) == 0644);
    CHECK(entries(dir.path()) == std::vector<std::string>{"release.pem", "release.pub.pem"});
    CHECK(contains(read_text(files.private_key), "-----BEGIN PRIVATE KEY-----"));
    CHECK(contains(read_text(files.public_key), "-----BEGIN PUBLIC KEY-----"));
    CHECK_FALSE(key_file_too_open(files.private_key));

    // openssl agrees the public file is the public half of the private one, on P-256.
    const Run derived = run("openssl pkey -in " + q(files.private_key) + " -pubout");
    REQUIRE(derived.status == 0);
    CHECK(derived.output == read_text(files.public_key));
    const Run text = run("openssl pkey -in " + q(files.private_key) + " -noout -text");
    CHECK(contains(text.output, "prime256v1"));
    CHECK(files.fingerprint_sha256 == SigningKey(files.private_key).fingerprint_sha256());
  }

  TEST_CASE("public key path is <stem>.pub.pem in the same directory") {
    CHECK(vt132::host::public_key_path_for("keys/release.pem") == fs::path("keys/release.pub.pem"));
    CHECK(vt132::host::public_key_path_for("release.key") == fs::path("release.pub.pem"));
    CHECK(vt132::host::public_key_path_for("release") == fs::path("release.pub.pem"));
  }

  TEST_CASE("our signature verifies with openssl dgst and a tampered manifest does not") {
    TempDir dir;
    const auto files = generate_signing_key(dir / "release.pem");
    const SigningKey key(files.private_key);
    write_bytes(dir / "m.json", kManifest);
    write_bytes(dir / "m.sig", key.sign(kManifest));

    const Run ok = run("openssl dgst -sha256 -verify " + q(files.public_key) + " -signature " +
                       q(dir / "m.sig") + " " + q(dir / "m.json"));
    CHECK(ok.status == 0);
    CHECK(contains(ok.output, "Verified OK"));

    std::string tampered = kManifest;
    tampered[tampered.find("1.4.0")] = '9';
    write_bytes(dir / "m.json", tampered);
    const Run bad = run("openssl dgst -sha256 -verify " + q(files.public_key) + " -signature " +
                        q(dir / "m.sig") + " " + q(dir / "m.json"));
    CHECK(bad.status != 0);
    CHECK_FALSE(contains(bad.output, "Verified OK"));
  }

  TEST_CASE("verify accepts our signature and rejects tampered data, tampered or malformed signatures") {
    TempDir dir;
    const auto files = generate_signing_key(dir / "release.pem");
    const SigningKey key(files.private_key);
    const VerifyKey pub(files.public_key);
    const auto sig = key.sign(kManifest);
    CHECK(sig.size() >= 8);
    CHECK(sig.size() <= 72);
    CHECK(pub.verify(kManifest, sig));
    CHECK(key.verify_key().verify(kManifest, sig));

    std::string data = kManifest;
    data.back() = ' ';
    CHECK_FALSE(pub.verify(data, sig));
    CHECK_FALSE(pub.verify(kManifest + "\n", sig));
    CHECK_FALSE(pub.verify("", sig));

    for (size_t i = 0; i < sig.size(); ++i) {
      auto bad = sig;
      bad[i] ^= 0x01;
      CHECK_MESSAGE(!pub.verify(kManifest, bad), "flipped bit in byte ", i);
    }
    auto truncated = sig;
    truncated.pop_back();
    CHECK_FALSE(pub.verify(kManifest, truncated));
    auto extended = sig;
    extended.push_back(0);
    CHECK_FALSE(pub.verify(kManifest, extended));
    CHECK_FALSE(pub.verify(kManifest, {}));
    CHECK_FALSE(pub.verify(kManifest, std::vector<uint8_t>(64, 0xAB)));

    // A different key's signature does not verify.
    const auto other = generate_signing_key(dir / "other.pem");
    CHECK_FALSE(VerifyKey(other.public_key).verify(kManifest, sig));

    // Empty data is still signable and verifiable.
    CHECK(pub.verify("", key.sign("")));
  }

  TEST_CASE("signatures made by openssl verify with VerifyKey, and SEC1 EC keys from openssl load") {
    TempDir dir;
    // ecparam -genkey writes an "EC PARAMETERS" block before the "EC PRIVATE KEY" one.
    REQUIRE(run("openssl ecparam -name prime256v1 -genkey -out " + q(dir / "sec1.pem")).status == 0);
    REQUIRE(
        run("openssl pkey -in " + q(dir / "sec1.pem") + " -pubout -out " + q(dir / "sec1.pub.pem")).status ==
        0);
    write_bytes(dir / "m.json", kManifest);
    REQUIRE(run("openssl dgst -sha256 -sign " + q(dir / "sec1.pem") + " -out " + q(dir / "m.sig") + " " +
                q(dir / "m.json"))
                .status == 0);
    const std::string sig_text = read_text(dir / "m.sig");
    const std::vector<uint8_t> sig(sig_text.begin(), sig_text.end());
    const VerifyKey pub(dir / "sec1.pub.pem");
    CHECK(pub.verify(kManifest, sig));

    const SigningKey key(dir / "sec1.pem");
    CHECK(pub.verify(kManifest, key.sign(kManifest)));
    CHECK(key.verify_key().pem() == read_text(dir / "sec1.pub.pem"));
  }

  TEST_CASE("keys that are not P-256 are refused with an error naming the file and what was found") {
    TempDir dir;
    const fs::path rsa = dir / "rsa.pem";
    const fs::path p384 = dir / "p384.pem";
    const fs::path ed = dir / "ed.pem";
    REQUIRE(run("openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out " + q(rsa)).status == 0);
    REQUIRE(
        run("openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:secp384r1 -out " + q(p384)).status ==
        0);
    REQUIRE(run("openssl genpkey -algorithm ED25519 -out " + q(ed)).status == 0);

    std::string msg = error_of([&] { SigningKey k(rsa); });
    CHECK(contains(msg, "key file " + rsa.string() + ": not an ECDSA P-256 private key (found RSA 2048)"));
    msg = error_of([&] { SigningKey k(p384); });
    CHECK(contains(msg, p384.string()));
    CHECK(contains(msg, "not an ECDSA P-256 private key (found EC secp384r1)"));
    msg = error_of([&] { SigningKey k(ed); });
    CHECK(contains(msg, "found ED25519"));

    // The same for public keys.
    REQUIRE(run("openssl pkey -in " + q(rsa) + " -pubout -out " + q(dir / "rsa.pub.pem")).status == 0);
    REQUIRE(run("openssl pkey -in " + q(p384) + " -pubout -out " + q(dir / "p384.pub.pem")).status == 0);
    msg = error_of([&] { VerifyKey k(dir / "rsa.pub.pem"); });
    CHECK(contains(msg, (dir / "rsa.pub.pem").string()));
    CHECK(contains(msg, "not an ECDSA P-256 public key (found RSA 2048)"));
    msg = error_of([&] { VerifyKey k(dir / "p384.pub.pem"); });
    CHECK(contains(msg, "not an ECDSA P-256 public key (found EC secp384r1)"));
  }

  TEST_CASE("a public key given as the signing key, or a private key as the verify key, is named as such") {
    TempDir dir;
    const auto files = generate_signing_key(dir / "release.pem");
    std::string msg = error_of([&] { SigningKey k(files.public_key); });
    CHECK(contains(msg, files.public_key.string()));
    CHECK(contains(msg, "holds a public key, not a private key"));
    msg = error_of([&] { VerifyKey k(files.private_key); });
    CHECK(contains(msg, files.private_key.string()));
    CHECK(contains(msg, "holds a private key, not a public key"));
  }

  TEST_CASE("a passphrase-protected key is refused without prompting for the passphrase") {
    TempDir dir;
    const fs::path enc = dir / "enc.pem";
    REQUIRE(run("openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -aes-256-cbc -pass "
                "pass:secret -out " +
                q(enc))
                .status == 0);
    const std::string msg = error_of([&] { SigningKey k(enc); });
    CHECK(contains(msg, enc.string()));
    CHECK(contains(msg, "passphrase"));
  }

  TEST_CASE("missing, empty, non-PEM and corrupt key files are errors naming the file") {
    TempDir dir;
    const fs::path missing = dir / "nope.pem";
    std::string msg = error_of([&] { SigningKey k(missing); });
    CHECK(contains(msg, missing.string()));
    CHECK(contains(msg, "No such file or directory"));
    msg = error_of([&] { VerifyKey k(missing); });
    CHECK(contains(msg, missing.string()));

    write_bytes(dir / "empty.pem", std::string());
    msg = error_of([&] { SigningKey k(dir / "empty.pem"); });
    CHECK(contains(msg, "not a PEM file"));

    write_bytes(dir / "junk.pem", std::string("\x30\x82\x01\x00 binary", 12));
    msg = error_of([&] { SigningKey k(dir / "junk.pem"); });
    CHECK(contains(msg, (dir / "junk.pem").string()));
    CHECK(contains(msg, "not a PEM file"));

    write_bytes(dir / "corrupt.pem",
                std::string("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"));
    msg = error_of([&] { SigningKey k(dir / "corrupt.pem"); });
    CHECK(contains(msg, (dir / "corrupt.pem").string()));
    CHECK(contains(msg, "cannot parse the private key"));

    msg = error_of([&] { SigningKey k(dir.path()); });  // a directory
    CHECK(contains(msg, dir.path().string()));
  }

  TEST_CASE("keygen refuses to overwrite an existing private or public key and leaves no files behind") {
    TempDir dir;
    write_bytes(dir / "release.pem", std::string("old private"));
    std::string msg = error_of([&] { generate_signing_key(dir / "release.pem"); });
    CHECK(contains(msg, "refusing to overwrite " + (dir / "release.pem").string()));
    CHECK(read_text(dir / "release.pem") == "old private");
    CHECK(entries(dir.path()) == std::vector<std::string>{"release.pem"});

    TempDir dir2;
    write_bytes(dir2 / "release.pub.pem", std::string("old public"));
    msg = error_of([&] { generate_signing_key(dir2 / "release.pem"); });
    CHECK(contains(msg, "refusing to overwrite " + (dir2 / "release.pub.pem").string()));
    CHECK(read_text(dir2 / "release.pub.pem") == "old public");
    CHECK(entries(dir2.path()) == std::vector<std::string>{"release.pub.pem"});

    // A dangling symlink counts as existing: never write through it.
    TempDir dir3;
    fs::create_symlink(dir3 / "elsewhere.pem", dir3 / "release.pem");
    CHECK_THROWS_AS(generate_signing_key(dir3 / "release.pem"), Error);
    CHECK_FALSE(fs::exists(dir3 / "elsewhere.pem"));
  }

  TEST_CASE(
      "keygen into a missing or unwritable directory is an error naming the file, with nothing written") {
    TempDir dir;
    std::string msg = error_of([&] { generate_signing_key(dir / "no-such-dir" / "release.pem"); });
    CHECK(contains(msg, "cannot write " + (dir / "no-such-dir" / "release.pem").string()));
    CHECK(contains(msg, "No such file or directory"));

    if (::geteuid() != 0) {  // root ignores directory permissions
      fs::create_directory(dir / "ro");
      fs::permissions(dir / "ro", fs::perms::owner_read | fs::perms::owner_exec);
      msg = error_of([&] { generate_signing_key(dir / "ro" / "release.pem"); });
      CHECK(contains(msg, "cannot write " + (dir / "ro" / "release.pem").string() + ": Permission denied"));
      fs::permissions(dir / "ro", fs::perms::owner_all);
      CHECK(entries(dir / "ro").empty());
    }
  }

  TEST_CASE("key_file_too_open flags any group or world access") {
    TempDir dir;
    const auto files = generate_signing_key(dir / "release.pem");
    CHECK_FALSE(key_file_too_open(files.private_key));
    ::chmod(files.private_key.c_str(), 0640);
    CHECK(key_file_too_open(files.private_key));
    ::chmod(files.private_key.c_str(), 0604);
    CHECK(key_file_too_open(files.private_key));
    ::chmod(files.private_key.c_str(), 0400);
    CHECK_FALSE(key_file_too_open(files.private_key));
    CHECK(key_file_too_open(files.public_key));  // 0644
    CHECK_THROWS_AS(key_file_too_open(dir / "missing.pem"), Error);
  }

  TEST_CASE("the public key fingerprint is SHA-256 of the DER SubjectPublicKeyInfo, as openssl computes it") {
    TempDir dir;
    const auto files = generate_signing_key(dir / "release.pem");
    const Run r =
        run("openssl pkey -pubin -in " + q(files.public_key) + " -outform DER | openssl dgst -sha256");
    REQUIRE(r.status == 0);
    const std::string expected = sha256_hex_in(r.output);
    REQUIRE(expected.size() == 64);
    CHECK(files.fingerprint_sha256 == expected);
    const VerifyKey pub(files.public_key);
    CHECK(public_key_fingerprint_sha256(pub) == expected);
    CHECK(public_key_fingerprint_sha256(pub.spki_der()) == expected);
    CHECK(pub.spki_der().size() == 91);  // P-256 SPKI with an uncompressed point
    // Known answer: SHA-256 of no bytes.
    CHECK(public_key_fingerprint_sha256(std::vector<uint8_t>{}) ==
          "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  }

  TEST_CASE(
      "der_signature_to_raw gives r||s as openssl asn1parse reads them, and raw_signature_to_der undoes it") {
    TempDir dir;
    const auto files = generate_signing_key(dir / "release.pem");
    const SigningKey key(files.private_key);
    const VerifyKey pub(files.public_key);
    // Several signatures, so short r or s values (leading zero bytes) are likely to be met.
    for (int i = 0; i < 8; ++i) {
      const std::string data = kManifest + std::to_string(i);
      const auto der = key.sign(data);
      const auto raw = der_signature_to_raw(der);
      write_bytes(dir / "sig.der", der);
      const Run parsed = run("openssl asn1parse -inform DER -in " + q(dir / "sig.der"));
      REQUIRE(parsed.status == 0);
      const auto ints = asn1_integers(parsed.output);
      REQUIRE(ints.size() == 2);
      auto padded = [](std::string h) { return std::string(64 - h.size(), '0') + h; };
      CHECK(upper_hex(raw.data(), 32) == padded(ints[0]));
      CHECK(upper_hex(raw.data() + 32, 32) == padded(ints[1]));
      CHECK(raw_signature_to_der(raw) == der);
      CHECK(pub.verify(data, raw_signature_to_der(raw)));
    }
    // Small r and s get minimal DER and come back zero-padded.
    std::array<uint8_t, 64> small{};
    small[31] = 0x01;
    small[63] = 0x80;
    const auto der = raw_signature_to_der(small);
    CHECK(der == std::vector<uint8_t>{0x30, 0x07, 0x02, 0x01, 0x01, 0x02, 0x02, 0x00, 0x80});
    CHECK(der_signature_to_raw(der) == small);
  }

  TEST_CASE("der_signature_to_raw rejects malformed, non-canonical or oversized signatures") {
    CHECK_THROWS_AS(der_signature_to_raw({}), Error);
    CHECK_THROWS_AS(der_signature_to_raw({0x30, 0x00}), Error);
    CHECK_THROWS_AS(der_signature_to_raw({0x30, 0x06, 0x02, 0x01, 0x01, 0x02, 0x01, 0x01, 0x00}),
                    Error);  // trailing
    CHECK_THROWS_AS(der_signature_to_raw({0x30, 0x07, 0x02, 0x02, 0x00, 0x01, 0x02, 0x01, 0x01}),
                    Error);  // padded r
    CHECK_THROWS_AS(der_signature_to_raw({0x30, 0x06, 0x02, 0x01, 0xFF, 0x02, 0x01, 0x01}),
                    Error);                                     // negative r
    std::vector<uint8_t> big = {0x30, 0x27, 0x02, 0x21, 0x01};  // a 33-byte r
    big.insert(big.end(), 32, 0x11);
    big.insert(big.end(), {0x02, 0x02, 0x00, 0x80});
    big[1] = static_cast<uint8_t>(big.size() - 2);
    const std::string msg = error_of([&] { der_signature_to_raw(big); });
    CHECK(contains(msg, "32 bytes"));
  }
}
