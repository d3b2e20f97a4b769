#pragma once
// Runs the real vt132-ota-server binary on loopback ports for a test, with its own data
// directory, a token, and the CA it generated on first start.
#include <httplib.h>
#include <signal.h>
#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

namespace vt132::test {

class ServerProcess {
 public:
  // Makes a fresh data dir and a token; does not start the server yet.
  explicit ServerProcess(std::vector<std::string> extra_args = {});
  ~ServerProcess();
  ServerProcess(const ServerProcess&) = delete;
  ServerProcess& operator=(const ServerProcess&) = delete;

  // Starts the server and waits (at most 15 s) until /healthz answers over HTTPS.
  void start();
  // Sends `sig` and waits (at most 30 s) for the process to end; returns its exit status
  // as from waitpid (or -1 when it had to be killed).
  int stop(int sig = SIGTERM);
  bool running() const { return pid_ > 0; }
  pid_t pid() const { return pid_; }

  std::unique_ptr<httplib::SSLClient> https() const;
  std::unique_ptr<httplib::Client> http() const;
  httplib::Headers auth() const { return {{"Authorization", "Bearer " + token_}}; }

  const std::filesystem::path& data_dir() const { return data_; }
  std::filesystem::path ca() const { return data_ / "tls" / "ca.pem"; }
  int https_port() const { return https_port_; }
  int http_port() const { return http_port_; }
  const std::string& token() const { return token_; }
  std::string log() const;  // what the server printed so far

 private:
  std::filesystem::path data_;
  std::filesystem::path log_file_;
  std::vector<std::string> extra_;
  std::string token_;
  int https_port_ = 0;
  int http_port_ = 0;
  pid_t pid_ = -1;
};

// A port the kernel just gave out on 127.0.0.1 (free at the time of the call).
int free_port();

// One run of a program to its end, as an operator's shell would see it.
struct ProgramRun {
  int exit_code = -1;  // -1: killed by a signal, or by run_program at `limit`
  std::string output;  // stdout, and stderr when asked for
};
// Runs argv[0] (a path) with `argv` and waits for it to exit, at most `limit`: a program still
// running then is killed (for a test whose failure is a server that does not exit).
ProgramRun run_program(const std::vector<std::string>& argv, bool with_stderr = true,
                       std::chrono::seconds limit = std::chrono::seconds(120));

}  // namespace vt132::test
