#include "server_process.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <poll.h>
#include <netinet/in.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <random>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace vt132::test {
namespace fs = std::filesystem;

int free_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof addr;
  if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    throw std::runtime_error("no free port");
  }
  ::close(fd);
  return ntohs(addr.sin_port);
}

ProgramRun run_program(const std::vector<std::string>& argv, bool with_stderr, std::chrono::seconds limit) {
  int pipefd[2];
  if (argv.empty() || ::pipe(pipefd) != 0) throw std::runtime_error("run_program: no program or no pipe");
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::dup2(pipefd[1], 1);
    if (with_stderr) ::dup2(pipefd[1], 2);
    ::close(pipefd[0]);
    std::vector<char*> args;
    for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    ::execv(args[0], args.data());
    ::_exit(127);
  }
  ::close(pipefd[1]);
  ProgramRun run;
  const auto deadline = std::chrono::steady_clock::now() + limit;
  char buf[4096];
  // Read until the program (and any child holding its output) closes the pipe, or the limit.
  while (true) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    pollfd p{pipefd[0], POLLIN, 0};
    if (left.count() <= 0 || ::poll(&p, 1, static_cast<int>(left.count())) <= 0) break;
    const ssize_t n = ::read(pipefd[0], buf, sizeof buf);
    if (n <= 0) break;
    run.output.append(buf, static_cast<size_t>(n));
  }
  ::close(pipefd[0]);
  int status = 0;
  while (::waitpid(pid, &status, WNOHANG) != pid) {
    if (std::chrono::steady_clock::now() >= deadline) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, &status, 0);
      return run;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));  // the pipe closed; the exit follows
  }
  if (WIFEXITED(status)) run.exit_code = WEXITSTATUS(status);
  return run;
}

namespace {

std::string run_and_capture(const std::vector<std::string>& argv) {
  const ProgramRun run = run_program(argv, false);
  if (run.exit_code != 0) throw std::runtime_error("command failed: " + argv[0]);
  return run.output;
}

}  // namespace

ServerProcess::ServerProcess(std::vector<std::string> extra_args) : extra_(std::move(extra_args)) {
  std::random_device rd;
  data_ = fs::temp_directory_path() / ("vt132-e2e-" + std::to_string(::getpid()) + "-" + std::to_string(rd()));
  fs::create_directories(data_);
  log_file_ = data_.string() + ".log";
  std::string out = run_and_capture({VT132_OTA_SERVER, "--data", data_.string(), "token", "create", "e2e"});
  while (!out.empty() && (out.back() == '\n' || out.back() == '\r')) out.pop_back();
  token_ = out;
  https_port_ = free_port();
  http_port_ = free_port();
}

ServerProcess::~ServerProcess() {
  if (pid_ > 0) stop(SIGKILL);
  std::error_code ec;
  fs::remove_all(data_, ec);
  fs::remove(log_file_, ec);
}

void ServerProcess::start() {
  std::vector<std::string> argv = {VT132_OTA_SERVER,
                                   "--data",
                                   data_.string(),
                                   "--listen",
                                   "127.0.0.1:" + std::to_string(https_port_),
                                   "--http-listen",
                                   "127.0.0.1:" + std::to_string(http_port_),
                                   "--shutdown-grace",
                                   "10"};
  argv.insert(argv.end(), extra_.begin(), extra_.end());
  pid_ = ::fork();
  if (pid_ == 0) {
    // If the test process dies (a crash, a timeout kill), its server goes with it.
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    const int fd = ::open(log_file_.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    ::dup2(fd, 1);
    ::dup2(fd, 2);
    std::vector<char*> args;
    for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    ::execv(args[0], args.data());
    ::_exit(127);
  }
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(15);
  while (std::chrono::steady_clock::now() < deadline) {
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      throw std::runtime_error("server exited at start:\n" + log());
    }
    if (fs::exists(ca())) {
      auto cli = https();
      cli->set_connection_timeout(1, 0);
      auto res = cli->Get("/healthz");
      if (res && res->status == 200) return;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  throw std::runtime_error("server did not answer /healthz within 15 s:\n" + log());
}

int ServerProcess::stop(int sig) {
  if (pid_ <= 0) return -1;
  ::kill(pid_, sig);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  int status = 0;
  while (std::chrono::steady_clock::now() < deadline) {
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      return status;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ::kill(pid_, SIGKILL);
  ::waitpid(pid_, &status, 0);
  pid_ = -1;
  return -1;
}

std::unique_ptr<httplib::SSLClient> ServerProcess::https() const {
  auto cli = std::make_unique<httplib::SSLClient>("127.0.0.1", https_port_);
  cli->set_ca_cert_path(ca().string());
  cli->enable_server_certificate_verification(true);
  cli->set_read_timeout(20, 0);
  return cli;
}

std::unique_ptr<httplib::Client> ServerProcess::http() const {
  auto cli = std::make_unique<httplib::Client>("127.0.0.1", http_port_);
  cli->set_read_timeout(20, 0);
  return cli;
}

std::string ServerProcess::log() const {
  std::ifstream in(log_file_);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace vt132::test
