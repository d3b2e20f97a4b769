#include "e2e_helpers.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/ssl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <doctest/doctest.h>

#include "vt132/host/image_builder.hpp"

namespace vt132::test {

using json = nlohmann::json;

const std::string kRepo = "/repos/vt132/firmware";
const std::string kApi = "/api/v3" + kRepo;
const std::string kUploads = "/api/uploads" + kRepo;

std::string image(const std::string& version, uint32_t size, uint32_t seed) {
  vt132::host::ImageSpec spec;
  spec.version = version;
  spec.seed = seed;
  spec.segments = vt132::host::ImageSpec::vt132_like_segments(size);
  const std::vector<uint8_t> bytes = vt132::host::build_image(spec);
  return std::string(bytes.begin(), bytes.end());
}

json body_json(const httplib::Result& res) {
  REQUIRE(res);
  return json::parse(res->body);
}

uint64_t create_release(const ServerProcess& s, const std::string& tag, bool draft) {
  auto res = s.https()->Post(kApi + "/releases", s.auth(), json{{"tag_name", tag}, {"draft", draft}}.dump(),
                             "application/json");
  REQUIRE(res);
  REQUIRE(res->status == 201);
  return json::parse(res->body)["id"].get<uint64_t>();
}

httplib::Result upload(const ServerProcess& s, uint64_t id, const std::string& name, const std::string& bytes) {
  return s.https()->Post(kUploads + "/releases/" + std::to_string(id) + "/assets?name=" + name, s.auth(), bytes,
                         "application/octet-stream");
}

void publish(const ServerProcess& s, uint64_t id) {
  auto res = s.https()->Patch(kApi + "/releases/" + std::to_string(id), s.auth(), R"({"draft":false})",
                              "application/json");
  REQUIRE(res);
  REQUIRE(res->status == 200);
}

std::string publish_v1(const ServerProcess& s, uint32_t size) {
  const std::string img = image("V1.0.0", size);
  const uint64_t id = create_release(s, "V1.0.0", true);
  auto up = upload(s, id, "VT132.bin", img);
  REQUIRE(up);
  REQUIRE(up->status == 201);
  publish(s, id);
  return img;
}

int connect_loopback(int port, int rcvbuf) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (rcvbuf > 0) ::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<uint16_t>(port));
  REQUIRE(::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  timeval tv{20, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  return fd;
}

void send_all(int fd, const std::string& data) {
  size_t off = 0;
  while (off < data.size()) {
    const ssize_t n = ::send(fd, data.data() + off, data.size() - off, MSG_NOSIGNAL);
    REQUIRE(n > 0);
    off += static_cast<size_t>(n);
  }
}

std::string handshake(int port, int min_version, int max_version, const char* ciphers, const char* tls13_suites) {
  SSL_CTX* ctx = SSL_CTX_new(TLS_client_method());
  SSL_CTX_set_security_level(ctx, 0);  // so the client side never is what refuses old TLS
  SSL_CTX_set_min_proto_version(ctx, min_version);
  SSL_CTX_set_max_proto_version(ctx, max_version);
  SSL_CTX_set_cipher_list(ctx, ciphers);
  if (tls13_suites != nullptr) SSL_CTX_set_ciphersuites(ctx, tls13_suites);
  SSL* ssl = SSL_new(ctx);
  const int fd = connect_loopback(port);
  SSL_set_fd(ssl, fd);
  std::string cipher;
  if (SSL_connect(ssl) == 1) cipher = SSL_get_cipher_name(ssl);
  SSL_free(ssl);
  SSL_CTX_free(ctx);
  ::close(fd);
  return cipher;
}

}  // namespace vt132::test
