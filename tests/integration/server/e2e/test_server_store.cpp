// End to end: the real server's data directory. A damaged store at start (quarantine,
// latest falls back, the page and /metrics say so), one server per data directory, and an
// upload to a full disk (507, the rest of its body dropped, not parsed).
#include <doctest/doctest.h>

#include <fcntl.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include <nlohmann/json.hpp>

#include "e2e_helpers.hpp"
#include "server_process.hpp"

using json = nlohmann::json;
using namespace vt132::test;
namespace fs = std::filesystem;

namespace {

// The asset file of asset `asset_id` of release `release_id`, found on disk.
fs::path asset_file(const ServerProcess& s, uint64_t release_id, uint64_t asset_id) {
  const std::string tail = "/releases/" + std::to_string(release_id) + "/assets/" + std::to_string(asset_id);
  for (const auto& e : fs::recursive_directory_iterator(s.data_dir() / "store" / "repos")) {
    const std::string p = e.path().string();
    if (p.size() > tail.size() && p.compare(p.size() - tail.size(), tail.size(), tail) == 0) return e.path();
  }
  FAIL("no file for asset " << asset_id);
  return {};
}

// Runs the server binary with `args` until it exits (at most 15 s); its status and output.
std::pair<int, std::string> run_server_to_exit(const std::vector<std::string>& args, const fs::path& out_file) {
  const pid_t pid = ::fork();
  if (pid == 0) {
    const int fd = ::open(out_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    ::dup2(fd, 1);
    ::dup2(fd, 2);
    std::vector<char*> argv = {const_cast<char*>(VT132_OTA_SERVER)};
    for (const std::string& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  int status = -1;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(15);
  while (::waitpid(pid, &status, WNOHANG) != pid) {
    if (std::chrono::steady_clock::now() > deadline) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, &status, 0);
      FAIL("the second server did not exit");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  std::ifstream in(out_file);
  std::stringstream ss;
  ss << in.rdbuf();
  return {status, ss.str()};
}

// The pid holding an flock on `file`, from the kernel's /proc/locks (not from the file).
std::string flock_holder(const fs::path& file) {
  struct stat st {};
  REQUIRE(::stat(file.c_str(), &st) == 0);
  const std::string inode = ":" + std::to_string(st.st_ino);
  std::ifstream locks("/proc/locks");
  std::string line;
  while (std::getline(locks, line)) {
    std::istringstream fields(line);
    std::string n, kind, advisory, mode, pid, dev_inode;
    fields >> n >> kind >> advisory >> mode >> pid >> dev_inode;
    if (kind == "FLOCK" && dev_inode.size() > inode.size() &&
        dev_inode.compare(dev_inode.size() - inode.size(), inode.size(), inode) == 0) {
      return pid;
    }
  }
  return "";
}

// A small tmpfs over DATA/store, in a mount namespace of this test's own (the server it
// starts inherits it; it vanishes with the process). Needs CAP_SYS_ADMIN, as CI has.
struct SmallDisk {
  fs::path dir;
  SmallDisk(const fs::path& at, const char* size) : dir(at) {
    fs::create_directories(dir);
    REQUIRE_MESSAGE(::unshare(CLONE_NEWNS) == 0, "unshare(CLONE_NEWNS): " << std::string(std::strerror(errno)));
    REQUIRE(::mount("none", "/", nullptr, MS_REC | MS_PRIVATE, nullptr) == 0);
    const std::string options = std::string("size=") + size;
    REQUIRE_MESSAGE(::mount("tmpfs", dir.c_str(), "tmpfs", 0, options.c_str()) == 0,
                    "mount tmpfs: " << std::string(std::strerror(errno)));
  }
  ~SmallDisk() { ::umount2(dir.c_str(), MNT_DETACH); }
};

}  // namespace

TEST_SUITE("server_store") {
  TEST_CASE("a damaged asset at start is quarantined, latest falls back, the page and /metrics say so") {
    ServerProcess s({"--repo", "vt132/firmware"});
    s.start();
    const std::string v1 = publish_v1(s, 200 * 1024);
    const uint64_t v11 = create_release(s, "V1.1.0", true);
    auto up = upload(s, v11, "VT132.bin", image("V1.1.0", 200 * 1024, 2));
    REQUIRE(up);
    REQUIRE(up->status == 201);
    const uint64_t asset_id = json::parse(up->body)["id"].get<uint64_t>();
    publish(s, v11);
    CHECK(body_json(s.https()->Get(kApi + "/releases/latest"))["tag_name"] == "V1.1.0");
    CHECK(s.stop() == 0);

    const fs::path file = asset_file(s, v11, asset_id);
    const uintmax_t size = fs::file_size(file);
    { std::ofstream(file, std::ios::binary | std::ios::app) << 'x'; }
    s.start();

    // Moved, not deleted: quarantine/<time>/<its path under store/>.
    CHECK_FALSE(fs::exists(file));
    const fs::path relative = file.lexically_relative(s.data_dir() / "store");
    fs::path quarantine_dir;
    for (const auto& e : fs::directory_iterator(s.data_dir() / "store" / "quarantine")) quarantine_dir = e.path();
    const fs::path moved = quarantine_dir / relative;
    REQUIRE(fs::exists(moved));
    CHECK(fs::file_size(moved) == size + 1);

    auto cli = s.https();
    CHECK(body_json(cli->Get(kApi + "/releases/latest"))["tag_name"] == "V1.0.0");
    CHECK(cli->Get("/VT132.bin")->body == v1);
    const json r = body_json(cli->Get(kApi + "/releases/tags/V1.1.0"));
    CHECK(r["assets"].empty());
    CHECK(r["unavailable_assets"][0]["name"] == "VT132.bin");
    CHECK(cli->Get("/vt132/firmware/releases/download/V1.1.0/VT132.bin")->status == 404);
    const std::string page = cli->Get("/")->body;
    CHECK(page.find("moved to quarantine") != std::string::npos);
    CHECK(page.find(quarantine_dir.string()) != std::string::npos);
    CHECK(cli->Get("/metrics")->body.find("vt132_store_quarantined_files_total 1\n") != std::string::npos);
    CHECK(s.log().find("DAMAGED STORE FILE " + file.string()) != std::string::npos);
  }

  TEST_CASE("a second server on the same data directory exits non-zero, naming the first one's pid") {
    ServerProcess s;
    s.start();
    const std::string holder = flock_holder(s.data_dir() / "lock");
    REQUIRE_FALSE(holder.empty());
    const auto [status, out] =
        run_server_to_exit({"--data", s.data_dir().string(), "--listen", "127.0.0.1:" + std::to_string(free_port())},
                           s.data_dir().string() + ".second.log");
    fs::remove(s.data_dir().string() + ".second.log");
    CHECK(WIFEXITED(status));
    CHECK(WEXITSTATUS(status) != 0);
    CHECK(out.find("in use by another vt132-ota-server (pid " + holder + ")") != std::string::npos);
    CHECK(s.https()->Get("/healthz")->status == 200);  // the first one is untouched
  }

  TEST_CASE("an upload to a full disk: 507 saying so, its body never read as a request, nothing left; the server goes on") {
    ServerProcess s;
    SmallDisk disk(s.data_dir() / "store", "256k");
    s.start();
    const uint64_t id = create_release(s, "V1.0.0", true);
    const std::string body(1024 * 1024, 'v');
    const int fd = connect_loopback(s.http_port());
    send_all(fd, "POST /api/uploads/repos/vt132/firmware/releases/" + std::to_string(id) +
                     "/assets?name=VT132.bin HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + s.token() +
                     "\r\nContent-Type: application/octet-stream\r\nContent-Length: " + std::to_string(body.size()) +
                     "\r\n\r\n");
    // The whole body; then, after the answer, a request of our own on the same connection:
    // it must be answered as itself, not parsed together with leftover body bytes
    // (httplib 0.11.4 keeps connections open despite "Connection: close", so the server
    // must have read the rest of the body and dropped it).
    for (size_t off = 0; off < body.size(); off += 16384) {
      if (::send(fd, body.data() + off, 16384, MSG_NOSIGNAL) <= 0) break;  // closed: fine too
    }
    std::string reply;
    char buf[4096];
    ssize_t n = 1;
    auto answer_complete = [&] {
      const size_t end = reply.find("\r\n\r\n");
      const size_t cl = reply.find("Content-Length: ");
      return end != std::string::npos && cl != std::string::npos &&
             reply.size() >= end + 4 + std::stoul(reply.substr(cl + 16));
    };
    while (!answer_complete() && (n = ::recv(fd, buf, sizeof buf, 0)) > 0) reply.append(buf, static_cast<size_t>(n));
    CHECK(reply.rfind("HTTP/1.1 507", 0) == 0);
    std::string second;
    if (::send(fd, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n", 35, MSG_NOSIGNAL) == 35) {
      while (second.find("ok\n") == std::string::npos && (n = ::recv(fd, buf, sizeof buf, 0)) > 0) {
        second.append(buf, static_cast<size_t>(n));
      }
    }
    ::close(fd);
    // Closed by the server, or our GET answered 200: never a 400 for a piece of the body.
    CHECK((second.empty() || second.rfind("HTTP/1.1 200", 0) == 0));
    CHECK(reply.find("disk is full") != std::string::npos);
    CHECK(fs::is_empty(s.data_dir() / "store" / "tmp"));
    CHECK(s.log().find("disk full") != std::string::npos);
    // The space is free again: a small upload goes through on a new connection.
    auto ok = upload(s, id, "VT132.bin", std::string(10 * 1024, 's'));
    REQUIRE(ok);
    CHECK(ok->status == 201);
  }
}
