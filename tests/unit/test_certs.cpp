#include <arpa/inet.h>
#include <doctest/doctest.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "../support/host_test_files.hpp"
#include "vt132/host/certs.hpp"
#include "vt132/host/signing.hpp"

extern char** environ;

namespace fs = std::filesystem;
using vt132::host::ca_pin_sha256;
using vt132::host::certificate_names;
using vt132::host::certificate_valid_now;
using vt132::host::CertOptions;
using vt132::host::CertPaths;
using vt132::host::create_local_ca_and_server_cert;
using vt132::host::Error;

using namespace vt132::test;

namespace {

// The line after the one containing `marker`, without surrounding spaces ("" if none).
std::string line_after(const std::string& text, const std::string& marker) {
  const size_t at = text.find(marker);
  if (at == std::string::npos) return {};
  const size_t start = text.find('\n', at);
  if (start == std::string::npos) return {};
  size_t end = text.find('\n', start + 1);
  if (end == std::string::npos) end = text.size();
  std::string line = text.substr(start + 1, end - start - 1);
  line.erase(0, line.find_first_not_of(' '));
  line.erase(line.find_last_not_of(' ') + 1);
  return line;
}

// The upper-case hex digits right after `marker`, e.g. "serial=" in `openssl x509 -serial`.
std::string hex_after(const std::string& text, const std::string& marker) {
  const size_t at = text.find(marker);
  if (at == std::string::npos) return {};
  size_t end = at + marker.size();
  while (end < text.size() && std::isxdigit(static_cast<unsigned char>(text[end]))) ++end;
  return text.substr(at + marker.size(), end - at - marker.size());
}

// The first run of exactly 64 lower-case hex digits in openssl dgst's output.
std::string sha256_hex_in(const std::string& text) {
  size_t run_start = 0;
  for (size_t i = 0; i <= text.size(); ++i) {
    if (i < text.size() && ((text[i] >= '0' && text[i] <= '9') || (text[i] >= 'a' && text[i] <= 'f')))
      continue;
    if (i - run_start == 64) return text.substr(run_start, 64);
    run_start = i + 1;
  }
  return {};
}

CertOptions options_for(std::vector<std::string> names, int days = 825) {
  CertOptions o;
  o.names = std::move(names);
  o.days = days;
  return o;
}

const std::vector<std::string> kNames = {"vt132.local", "192.168.1.50", "updates.lan", "::1", "127.0.0.1"};

// A fresh directory with a certificate set for kNames in its "certs" subdirectory.
struct Made {
  TempDir dir;
  CertPaths paths;
  Made() : paths(create_local_ca_and_server_cert(dir / "certs", options_for(kNames))) {}
};

// A TCP port on 127.0.0.1 that was free a moment ago.
int free_loopback_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  REQUIRE(fd >= 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof addr;
  const bool ok = ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
                  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0;
  ::close(fd);
  REQUIRE(ok);
  return ntohs(addr.sin_port);
}

bool port_accepts(int port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return false;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<uint16_t>(port));
  const bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  ::close(fd);
  return ok;
}

// `openssl s_server` on loopback for the lifetime of the object; killed and reaped after.
class TlsServer {
 public:
  TlsServer(const CertPaths& paths, int port) {
    const std::string accept = "127.0.0.1:" + std::to_string(port);
    std::vector<std::string> args = {"openssl", "s_server",
                                     "-cert",   paths.server_cert.string(),
                                     "-key",    paths.server_key.string(),
                                     "-accept", accept,
                                     "-www",    "-quiet"};
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
    const int rc = ::posix_spawnp(&pid_, "openssl", &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    if (rc != 0) pid_ = -1;
  }
  ~TlsServer() {
    if (pid_ > 0) {
      ::kill(pid_, SIGTERM);
      int status = 0;
      ::waitpid(pid_, &status, 0);
    }
  }
  TlsServer(const TlsServer&) = delete;
  TlsServer& operator=(const TlsServer&) = delete;
  bool started() const { return pid_ > 0; }
  bool running() const {
    int status = 0;
    return pid_ > 0 && ::waitpid(pid_, &status, WNOHANG) == 0;
  }

 private:
  pid_t pid_ = -1;
};

}  // namespace

TEST_SUITE("certs") {
  TEST_CASE("the server certificate chains to the CA under openssl verify, strict, for TLS server use") {
    Made m;
    CHECK(m.paths.ca_cert == m.dir / "certs" / "ca.pem");
    CHECK(m.paths.ca_key == m.dir / "certs" / "ca.key");
    CHECK(m.paths.server_cert == m.dir / "certs" / "server.pem");
    CHECK(m.paths.server_key == m.dir / "certs" / "server.key");
    CHECK(entries(m.dir / "certs") ==
          std::vector<std::string>{"ca.key", "ca.pem", "server.key", "server.pem"});

    const Run r = run("openssl verify -x509_strict -purpose sslserver -CAfile " + q(m.paths.ca_cert) + " " +
                      q(m.paths.server_cert));
    CHECK(r.status == 0);
    CHECK(contains(r.output, "server.pem: OK"));

    // Not signed by some other CA.
    TempDir other;
    const CertPaths o = create_local_ca_and_server_cert(other / "c", options_for({"vt132.local"}));
    const Run wrong = run("openssl verify -CAfile " + q(o.ca_cert) + " " + q(m.paths.server_cert));
    CHECK(wrong.status != 0);
  }

  TEST_CASE("every DNS name matches -checkhost and every address -checkip; other names do not") {
    Made m;
    for (const std::string name : {"vt132.local", "updates.lan"}) {
      const Run r = run("openssl x509 -in " + q(m.paths.server_cert) + " -noout -checkhost " + name);
      CHECK_MESSAGE(contains(r.output, "does match"), name, ": ", r.output);
      CHECK_FALSE(contains(r.output, "NOT"));
    }
    for (const std::string ip : {"192.168.1.50", "::1", "127.0.0.1"}) {
      const Run r = run("openssl x509 -in " + q(m.paths.server_cert) + " -noout -checkip " + ip);
      CHECK_MESSAGE(contains(r.output, "does match"), ip, ": ", r.output);
      CHECK_FALSE(contains(r.output, "NOT"));
    }
    CHECK(
        contains(run("openssl x509 -in " + q(m.paths.server_cert) + " -noout -checkhost other.local").output,
                 "does NOT match"));
    CHECK(contains(run("openssl x509 -in " + q(m.paths.server_cert) + " -noout -checkip 192.168.1.51").output,
                   "does NOT match"));
  }

  TEST_CASE(
      "names become DNS or IP subjectAltNames in order, duplicates dropped, and certificate_names reads "
      "them") {
    TempDir dir;
    const CertPaths p = create_local_ca_and_server_cert(
        dir / "c",
        options_for({"VT132.Local", "10.0.0.7", "fe80::1", "vt132.local", "10.0.0.7", "*.vt132.lan"}));
    CHECK(certificate_names(p.server_cert) ==
          std::vector<std::string>{"vt132.local", "10.0.0.7", "fe80::1", "*.vt132.lan"});
    CHECK(certificate_names(p.ca_cert).empty());
    const Run r = run("openssl x509 -in " + q(p.server_cert) + " -noout -ext subjectAltName");
    CHECK(contains(r.output,
                   "DNS:vt132.local, IP Address:10.0.0.7, IP Address:FE80:0:0:0:0:0:0:1, DNS:*.vt132.lan"));
    CHECK(contains(run("openssl x509 -in " + q(p.server_cert) + " -noout -checkhost ota.vt132.lan").output,
                   "does match"));
  }

  TEST_CASE("the CA and server certificates carry the specified v3 extensions, keys and signature") {
    Made m;
    const std::string ca = run("openssl x509 -in " + q(m.paths.ca_cert) + " -noout -text").output;
    CHECK(contains(ca, "Version: 3 (0x2)"));
    CHECK(contains(ca, "Issuer: CN = VT132 local update CA"));
    CHECK(contains(ca, "Subject: CN = VT132 local update CA"));
    CHECK(contains(ca, "X509v3 Basic Constraints: critical\n                CA:TRUE, pathlen:0"));
    CHECK(contains(ca, "X509v3 Key Usage: critical\n                Certificate Sign, CRL Sign"));
    CHECK(contains(ca, "X509v3 Subject Key Identifier"));
    CHECK(contains(ca, "ASN1 OID: prime256v1"));
    CHECK(contains(ca, "Signature Algorithm: ecdsa-with-SHA256"));

    const std::string server = run("openssl x509 -in " + q(m.paths.server_cert) + " -noout -text").output;
    CHECK(contains(server, "Version: 3 (0x2)"));
    CHECK(contains(server, "Issuer: CN = VT132 local update CA"));
    CHECK(contains(server, "Subject: CN = vt132.local"));
    CHECK(contains(server, "X509v3 Basic Constraints: critical\n                CA:FALSE"));
    CHECK(contains(server, "X509v3 Key Usage: critical\n                Digital Signature"));
    CHECK(contains(server, "X509v3 Extended Key Usage: \n                TLS Web Server Authentication"));
    CHECK(contains(server, "X509v3 Authority Key Identifier"));
    CHECK(contains(server, "X509v3 Subject Key Identifier"));
    CHECK(contains(server, "ASN1 OID: prime256v1"));
    CHECK(contains(server, "Signature Algorithm: ecdsa-with-SHA256"));

    // The server's authority key id is the CA's subject key id.
    const std::string ca_skid = line_after(ca, "X509v3 Subject Key Identifier");
    std::string server_akid = line_after(server, "X509v3 Authority Key Identifier");
    if (server_akid.rfind("keyid:", 0) == 0) server_akid.erase(0, 6);
    CHECK(ca_skid.size() == 59);  // 20 bytes as XX:XX:...
    CHECK(server_akid == ca_skid);

    // Serials: random, positive, up to 128 bits, distinct.
    const std::string s1 =
        hex_after(run("openssl x509 -in " + q(m.paths.ca_cert) + " -noout -serial").output, "serial=");
    const std::string s2 =
        hex_after(run("openssl x509 -in " + q(m.paths.server_cert) + " -noout -serial").output, "serial=");
    CHECK(s1.size() >= 16);
    CHECK(s1.size() <= 32);
    CHECK(s2.size() >= 16);
    CHECK(s2.size() <= 32);
    CHECK(s1 != s2);
  }

  TEST_CASE("validity runs from an hour ago for the requested number of days") {
    TempDir dir;
    const CertPaths p = create_local_ca_and_server_cert(dir / "c", options_for({"vt132.local"}, 30));
    // The pinned CA outlives its server certificates: ten years by default.
    CHECK(run("openssl x509 -in " + q(p.ca_cert) + " -noout -checkend " + std::to_string(3649 * 86400)).status == 0);
    CHECK(run("openssl x509 -in " + q(p.ca_cert) + " -noout -checkend " + std::to_string(3651 * 86400)).status != 0);
    for (const fs::path& cert : {p.server_cert}) {
      const std::string c = q(cert);
      // Valid for 30 days less a minute from now, but not 30 days plus a minute.
      CHECK(run("openssl x509 -in " + c + " -noout -checkend " + std::to_string(30 * 86400 - 60)).status ==
            0);
      CHECK(run("openssl x509 -in " + c + " -noout -checkend " + std::to_string(30 * 86400 + 60)).status !=
            0);
      CHECK(certificate_valid_now(cert));
      CHECK(certificate_valid_now(cert, std::chrono::hours(24 * 29)));
      CHECK_FALSE(certificate_valid_now(cert, std::chrono::hours(24 * 31)));
    }
    // notBefore is an hour back: an hour and a bit before now it was not yet valid,
    // a little under an hour before now it was.
    const Run dates = run("openssl x509 -in " + q(p.server_cert) + " -noout -startdate -enddate");
    CHECK(contains(dates.output, "notBefore="));
    const Run early = run("openssl verify -attime " + std::to_string(std::time(nullptr) - 3660) +
                          " -CAfile " + q(p.ca_cert) + " " + q(p.server_cert));
    CHECK(early.status != 0);
    const Run skewed = run("openssl verify -attime " + std::to_string(std::time(nullptr) - 3500) +
                           " -CAfile " + q(p.ca_cert) + " " + q(p.server_cert));
    CHECK(skewed.status == 0);
  }

  TEST_CASE("private keys are written 0600 and certificates 0644, and each key matches its certificate") {
    Made m;
    CHECK(mode_of(m.paths.ca_key) == 0600);
    CHECK(mode_of(m.paths.server_key) == 0600);
    CHECK(mode_of(m.paths.ca_cert) == 0644);
    CHECK(mode_of(m.paths.server_cert) == 0644);
    CHECK(contains(read_text(m.paths.server_key), "-----BEGIN PRIVATE KEY-----"));
    const std::vector<std::pair<fs::path, fs::path>> pairs = {{m.paths.ca_key, m.paths.ca_cert},
                                                              {m.paths.server_key, m.paths.server_cert}};
    for (const auto& [key, cert] : pairs) {
      const Run from_key = run("openssl pkey -in " + q(key) + " -pubout");
      const Run from_cert = run("openssl x509 -in " + q(cert) + " -pubkey -noout");
      REQUIRE(from_key.status == 0);
      CHECK(from_key.output == from_cert.output);
    }
    // The keys are P-256 keys the signing code accepts too.
    CHECK_NOTHROW(vt132::host::SigningKey(m.paths.server_key));
  }

  TEST_CASE("the CA pin equals openssl's SHA-256 of the CA's DER public key") {
    Made m;
    const Run r = run("openssl x509 -in " + q(m.paths.ca_cert) +
                      " -pubkey -noout | openssl pkey -pubin -outform DER | openssl dgst -sha256");
    REQUIRE(r.status == 0);
    const std::string expected = sha256_hex_in(r.output);
    REQUIRE(expected.size() == 64);
    const std::string pin = ca_pin_sha256(m.paths.ca_cert);
    CHECK(pin == expected);
    CHECK(pin != ca_pin_sha256(m.paths.server_cert));
    // The same value the signing code gives for the CA key's public half.
    CHECK(pin == vt132::host::SigningKey(m.paths.ca_key).fingerprint_sha256());
  }

  TEST_CASE(
      "an existing ca.pem, ca.key, server.pem or server.key is never overwritten, and nothing is added") {
    for (const std::string existing : {"ca.pem", "ca.key", "server.pem", "server.key"}) {
      TempDir dir;
      write_bytes(dir / existing, "old " + existing);
      const std::string msg =
          error_of([&] { create_local_ca_and_server_cert(dir.path(), options_for({"vt132.local"})); });
      CHECK(contains(msg, dir.path().string()));
      CHECK(contains(msg, "already contains " + existing));
      CHECK(contains(msg, "refusing to overwrite"));
      CHECK(read_text(dir / existing) == "old " + existing);
      CHECK(entries(dir.path()) == std::vector<std::string>{existing});
    }
    // A complete existing set: a second run changes nothing.
    TempDir dir;
    const CertPaths first = create_local_ca_and_server_cert(dir.path(), options_for({"vt132.local"}));
    const std::string pin = ca_pin_sha256(first.ca_cert);
    const std::string msg =
        error_of([&] { create_local_ca_and_server_cert(dir.path(), options_for({"vt132.local"})); });
    CHECK(contains(msg, "ca.pem, ca.key, server.pem, server.key"));
    CHECK(ca_pin_sha256(first.ca_cert) == pin);
    CHECK(entries(dir.path()).size() == 4);
  }

  TEST_CASE("other files in the output directory are fine, and a missing directory is created") {
    TempDir dir;
    write_bytes(dir / "README", "keep");
    CHECK_NOTHROW(create_local_ca_and_server_cert(dir.path(), options_for({"vt132.local"})));
    CHECK(entries(dir.path()) ==
          std::vector<std::string>{"README", "ca.key", "ca.pem", "server.key", "server.pem"});
    const CertPaths nested = create_local_ca_and_server_cert(dir / "a" / "b", options_for({"vt132.local"}));
    CHECK(fs::exists(nested.server_key));
    // A file where the directory should be is an error.
    write_bytes(dir / "file", "x");
    CHECK_THROWS_AS(create_local_ca_and_server_cert(dir / "file", options_for({"vt132.local"})), Error);
  }

  TEST_CASE("invalid names are rejected with an error naming them, before anything is written") {
    const std::vector<std::pair<std::string, std::string>> bad = {
        {"bad_name.local", "contains \"_\""},
        {"-vt132.local", "hyphen"},
        {"vt132-.local", "hyphen"},
        {"a..b", "empty label"},
        {".vt132.local", "empty label"},
        {"vt132.local.", "empty label"},
        {"foo*.vt132.lan", "\"*\""},
        {"ota.*.vt132.lan", "\"*\""},
        {"*", "wildcard"},
        {"*.lan", "wildcard"},
        {"192.168.1", "looks like an IP address"},
        {"192.168.1.256", "looks like an IP address"},
        {"fe80::1%eth0", "neither a valid IP address nor a DNS name"},
        {"[::1]", "contains \"[\""},
        {"has space.local", "space"},
        {"caf\xc3\xa9.local", "non-ASCII"},
        {std::string(64, 'a') + ".local", "label of 64 characters"},
        {"", "empty name"},
    };
    std::string too_long;
    while (too_long.size() < 250) too_long += std::string(60, 'a') + ".";
    too_long += "local";
    for (const auto& entry : bad) {
      const std::string& name = entry.first;
      const std::string& why = entry.second;
      TempDir dir;
      const std::string msg = error_of([&] {
        create_local_ca_and_server_cert(dir / "out", options_for({"vt132.local", name}));
      });
      CHECK_MESSAGE(contains(msg, why), name, " -> ", msg);
      if (!name.empty() && name.find('\xc3') == std::string::npos)
        CHECK_MESSAGE(contains(msg, name.substr(0, 8)), msg);
      CHECK_FALSE(fs::exists(dir / "out"));
    }
    TempDir dir;
    std::string msg =
        error_of([&] { create_local_ca_and_server_cert(dir / "out", options_for({too_long})); });
    CHECK(contains(msg, "at most 253"));
    msg = error_of([&] { create_local_ca_and_server_cert(dir / "out", options_for({})); });
    CHECK(contains(msg, "no server name"));
    // A first name longer than a common name may be cannot be the CN.
    msg = error_of([&] {
      create_local_ca_and_server_cert(dir / "out", options_for({std::string(60, 'a') + ".vt132.local"}));
    });
    CHECK(contains(msg, "common name"));
    CHECK_FALSE(fs::exists(dir / "out"));
  }

  TEST_CASE("single-label, hyphenated, upper-case and wildcard names are accepted") {
    TempDir dir;
    const CertPaths p = create_local_ca_and_server_cert(
        dir / "c",
        options_for({"vt132", "ota-server.Home.Arpa", "*.vt132.lan", std::string(63, 'x') + ".lan"}));
    CHECK(certificate_names(p.server_cert) == std::vector<std::string>{"vt132", "ota-server.home.arpa",
                                                                       "*.vt132.lan",
                                                                       std::string(63, 'x') + ".lan"});
  }

  TEST_CASE("days outside 1..3650 are rejected with nothing written; the limits themselves work") {
    for (const int days : {0, -1, 3651, 100000}) {
      TempDir dir;
      const std::string msg =
          error_of([&] { create_local_ca_and_server_cert(dir / "out", options_for({"vt132.local"}, days)); });
      CHECK(contains(msg, std::to_string(days) + " days"));
      CHECK(contains(msg, "1 to 3650"));
      CHECK_FALSE(fs::exists(dir / "out"));
    }
    for (const int days : {1, 3650}) {
      TempDir dir;
      const CertPaths p = create_local_ca_and_server_cert(dir / "out", options_for({"vt132.local"}, days));
      CHECK(run("openssl x509 -in " + q(p.server_cert) + " -noout -checkend " +
                std::to_string(days * 86400 - 60))
                .status == 0);
    }
  }

  TEST_CASE("a bad CA common name is rejected") {
    TempDir dir;
    CertOptions o = options_for({"vt132.local"});
    o.ca_common_name = "";
    CHECK_THROWS_AS(create_local_ca_and_server_cert(dir / "out", o), Error);
    o.ca_common_name = std::string(65, 'c');
    CHECK_THROWS_AS(create_local_ca_and_server_cert(dir / "out", o), Error);
    o.ca_common_name = "vt132.local";  // same as the server: issuer would equal subject
    CHECK_THROWS_AS(create_local_ca_and_server_cert(dir / "out", o), Error);
    CHECK_FALSE(fs::exists(dir / "out"));
    o.ca_common_name = "Workshop CA";
    const CertPaths p = create_local_ca_and_server_cert(dir / "out", o);
    CHECK(contains(run("openssl x509 -in " + q(p.ca_cert) + " -noout -subject").output, "CN = Workshop CA"));
  }

  TEST_CASE("reading a missing or non-certificate file is an error naming it") {
    TempDir dir;
    std::string msg = error_of([&] { ca_pin_sha256(dir / "missing.pem"); });
    CHECK(contains(msg, (dir / "missing.pem").string()));
    write_bytes(dir / "junk.pem", "not a cert");
    msg = error_of([&] { certificate_names(dir / "junk.pem"); });
    CHECK(contains(msg, (dir / "junk.pem").string()));
    CHECK(contains(msg, "BEGIN CERTIFICATE"));
    write_bytes(dir / "bad.pem", "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n");
    msg = error_of([&] { certificate_valid_now(dir / "bad.pem"); });
    CHECK(contains(msg, "cannot parse"));
  }

  TEST_CASE(
      "a real TLS handshake on loopback verifies the chain and the host name, and rejects a wrong name") {
    Made m;
    int port = 0;
    std::unique_ptr<TlsServer> server;
    for (int attempt = 0; attempt < 3 && !server; ++attempt) {
      port = free_loopback_port();
      auto candidate = std::make_unique<TlsServer>(m.paths, port);
      REQUIRE(candidate->started());
      for (int i = 0; i < 100 && candidate->running() && !port_accepts(port); ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
      }
      if (candidate->running() && port_accepts(port)) server = std::move(candidate);
    }
    REQUIRE_MESSAGE(server != nullptr, "openssl s_server did not start");

    const std::string client = "openssl s_client -connect 127.0.0.1:" + std::to_string(port) + " -CAfile " +
                               q(m.paths.ca_cert) + " -verify_return_error </dev/null";
    const Run ok = run(client + " -servername vt132.local -verify_hostname vt132.local");
    CHECK_MESSAGE(ok.status == 0, ok.output);
    CHECK(contains(ok.output, "Verify return code: 0 (ok)"));
    const Run ip = run(client + " -verify_ip 127.0.0.1");
    CHECK_MESSAGE(ip.status == 0, ip.output);
    CHECK(contains(ip.output, "Verify return code: 0 (ok)"));

    const Run wrong = run(client + " -verify_hostname other.local");
    CHECK(wrong.status != 0);
    CHECK_FALSE(contains(wrong.output, "Verify return code: 0 (ok)"));
  }
}
