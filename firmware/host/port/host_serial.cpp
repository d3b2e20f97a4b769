#include "port/host_serial.hpp"

#include <fcntl.h>
#include <poll.h>
#include <termios.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>

namespace vt132::hostport {

FdSerial::FdSerial() = default;

FdSerial FdSerial::open_pty() {
  FdSerial s;
  const int fd = ::posix_openpt(O_RDWR | O_NOCTTY);
  if (fd < 0 || ::grantpt(fd) != 0 || ::unlockpt(fd) != 0) {
    std::perror("vt132-sim: pty");
    std::exit(2);
  }
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
  s.in_ = s.out_ = fd;
  s.pty_ = true;
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
