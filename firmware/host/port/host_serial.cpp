#include "port/host_serial.hpp"

#include <fcntl.h>
#include <poll.h>
#include <termios.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace vt132::hostport {

namespace {

constexpr uint8_t kCtrlD = 0x04;

termios g_saved_terminal;
bool g_terminal_changed = false;

void restore_terminal() {
  if (g_terminal_changed) ::tcsetattr(STDIN_FILENO, TCSANOW, &g_saved_terminal);
}

// tcsetattr is async-signal-safe: the user's terminal is put back even when Ctrl-C ends us.
void restore_and_die(int sig) {
  restore_terminal();
  ::signal(sig, SIG_DFL);
  ::raise(sig);
}

}  // namespace

FdSerial::FdSerial() {
  // On a terminal, stdin behaves like the VT132's UART: bytes as they are typed, Enter as CR
  // (not LF), no local echo (the modem echoes). Ctrl-C still ends the sim; Ctrl-D powers it off.
  if (::isatty(STDIN_FILENO) && ::tcgetattr(STDIN_FILENO, &g_saved_terminal) == 0) {
    termios t = g_saved_terminal;
    t.c_lflag &= ~static_cast<tcflag_t>(ICANON | ECHO);
    t.c_iflag &= ~static_cast<tcflag_t>(ICRNL | INLCR | IGNCR);
    t.c_cc[VMIN] = 1;
    t.c_cc[VTIME] = 0;
    if (::tcsetattr(STDIN_FILENO, TCSANOW, &t) == 0) {
      g_terminal_changed = true;
      tty_ = true;
      std::atexit(restore_terminal);
      for (int sig : {SIGINT, SIGTERM, SIGHUP, SIGQUIT}) ::signal(sig, restore_and_die);
    }
  }
}

FdSerial FdSerial::open_pty() {
  const int fd = ::posix_openpt(O_RDWR | O_NOCTTY);
  if (fd < 0 || ::grantpt(fd) != 0 || ::unlockpt(fd) != 0) {
    std::perror("vt132-sim: pty");
    std::exit(2);
  }
  FdSerial s(fd);
  s.slave_ = ::ptsname(fd);
  // Raw bytes both ways, as a UART delivers them; the terminal program sets its own side.
  const int slave = ::open(s.slave_.c_str(), O_RDWR | O_NOCTTY);
  if (slave >= 0) {
    termios t{};
    ::tcgetattr(slave, &t);
    ::cfmakeraw(&t);
    ::tcsetattr(slave, TCSANOW, &t);
    // Left open so the master does not see EIO between terminal sessions.
    (void)slave;
  }
  return s;
}

bool FdSerial::wait(int timeout_ms) {
  pollfd p{in_, POLLIN, 0};
  return ::poll(&p, 1, timeout_ms) > 0;
}

size_t FdSerial::read(uint8_t* buf, size_t cap) {
  if (eof_) return 0;
  pollfd p{in_, POLLIN, 0};
  if (::poll(&p, 1, 0) <= 0) return 0;
  const ssize_t n = ::read(in_, buf, cap);
  if (n > 0 && tty_) {
    // Ctrl-D on a terminal is the power switch: what was typed before it still arrives.
    const void* off = std::memchr(buf, kCtrlD, static_cast<size_t>(n));
    if (off != nullptr) {
      eof_ = true;
      return static_cast<size_t>(static_cast<const uint8_t*>(off) - buf);
    }
  }
  if (n > 0) return static_cast<size_t>(n);
  if (n == 0 && !pty_) eof_ = true;
  return 0;
}

void FdSerial::write(const uint8_t* data, size_t len) {
  while (len > 0) {
    const ssize_t n = ::write(out_, data, len);
    if (n < 0) {
      if (errno == EINTR || errno == EAGAIN) continue;
      return;
    }
    data += n;
    len -= static_cast<size_t>(n);
  }
}

}  // namespace vt132::hostport
