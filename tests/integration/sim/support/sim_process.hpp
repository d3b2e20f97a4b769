#pragma once
// Runs vt132-sim as a child process and talks to its serial port (stdin/stdout) the way a
// user at a terminal does.
#include <sys/types.h>

#include <string>
#include <vector>

namespace simtest {

class SimProcess {
 public:
  // args after the program name; stderr goes to stderr_path.
  SimProcess(const std::vector<std::string>& args, const std::string& stderr_path);
  ~SimProcess();
  SimProcess(const SimProcess&) = delete;
  SimProcess& operator=(const SimProcess&) = delete;

  void send(const std::string& bytes);
  // Reads until the output since the last read contains `needle` (or the timeout passes);
  // returns everything read since the last call.
  std::string read_until(const std::string& needle, int timeout_ms = 30000);
  // Types cmd + CR and returns the whole answer up to and including the final result code.
  std::string command(const std::string& cmd, int timeout_ms = 60000);
  // Closes stdin and waits; returns the exit status (128+signal when killed).
  int finish(int timeout_ms = 30000);
  void signal(int sig);
  std::string stderr_text() const;
  pid_t pid() const { return pid_; }
  bool output_closed() const { return eof_; }

 private:
  pid_t pid_ = -1;
  int in_ = -1;
  int out_ = -1;
  std::string stderr_path_;
  std::string pending_;
  int status_ = -1;
  bool eof_ = false;
};

}  // namespace simtest
