#include "support/sim_process.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <regex>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace simtest {

SimProcess::SimProcess(const std::vector<std::string>& args, const std::string& stderr_path)
    : stderr_path_(stderr_path) {
  ::signal(SIGPIPE, SIG_IGN);  // a sim that died must fail a check, not kill the test run
  int to_child[2];
  int from_child[2];
  if (::pipe2(to_child, O_CLOEXEC) != 0 || ::pipe2(from_child, O_CLOEXEC) != 0) throw std::runtime_error("pipe");
  const std::string program = std::string(VT132_BIN_DIR) + "/vt132-sim";
  pid_ = ::fork();
  if (pid_ == 0) {
    ::dup2(to_child[0], 0);
    ::dup2(from_child[1], 1);
    const int err = ::open(stderr_path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    ::dup2(err, 2);
    std::vector<char*> argv;
    argv.push_back(const_cast<char*>(program.c_str()));
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    ::execv(program.c_str(), argv.data());
    ::_exit(127);
  }
  ::close(to_child[0]);
  ::close(from_child[1]);
  in_ = to_child[1];
  out_ = from_child[0];
}

SimProcess::~SimProcess() {
  if (status_ < 0 && pid_ > 0) {
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
  }
  if (in_ >= 0) ::close(in_);
  if (out_ >= 0) ::close(out_);
}

void SimProcess::send(const std::string& bytes) {
  size_t off = 0;
  while (off < bytes.size()) {
    const ssize_t n = ::write(in_, bytes.data() + off, bytes.size() - off);
    if (n <= 0) throw std::runtime_error("sim stdin closed");
    off += static_cast<size_t>(n);
  }
}

std::string SimProcess::read_until(const std::string& needle, int timeout_ms) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (pending_.find(needle) == std::string::npos) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) break;
    pollfd p{out_, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) break;
    char buf[4096];
    const ssize_t n = ::read(out_, buf, sizeof buf);
    if (n <= 0) {
      eof_ = true;
      break;
    }
    pending_.append(buf, static_cast<size_t>(n));
  }
  std::string out;
  const size_t at = pending_.find(needle);
  if (at == std::string::npos) {
    out.swap(pending_);
  } else {
    out = pending_.substr(0, at + needle.size());
    pending_.erase(0, at + needle.size());
  }
  return out;
}

std::string SimProcess::command(const std::string& cmd, int timeout_ms) {
  send(cmd + "\r");
  static const std::regex final_code("\r\n(OK|ERROR|NO DIALTONE|CONNECT|NO CARRIER|NO ANSWER|ALREADY IN CALL)\r\n$");
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  std::string out;
  while (!std::regex_search(out, final_code)) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0 || eof_) break;
    out += read_until("\r\n", static_cast<int>(left.count()));
  }
  return out;
}

int SimProcess::finish(int timeout_ms) {
  if (in_ >= 0) ::close(in_);
  in_ = -1;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  int st = 0;
  while (::waitpid(pid_, &st, WNOHANG) == 0) {
    if (std::chrono::steady_clock::now() > deadline) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, &st, 0);
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  status_ = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
  return status_;
}

void SimProcess::signal(int sig) { ::kill(pid_, sig); }

std::string SimProcess::stderr_text() const {
  std::ifstream in(stderr_path_);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace simtest
