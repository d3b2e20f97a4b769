// A user at the terminal: the command line and the framing of every answer.
#include <doctest/doctest.h>

#include <fcntl.h>
#include <signal.h>
#include <poll.h>
#include <termios.h>
#include <unistd.h>

#include "support/fixture.hpp"

using simtest::Fixture;

TEST_SUITE("session") {
  TEST_CASE("AT+U$ at the factory state prints RUNNING and BOOT exactly as the device does") {
    Fixture f;
    auto sim = f.start();
    CHECK(sim->command("AT+U$") ==
          "AT+U$\r\r\n"
          "RUNNING [app0] [VT132 V1.0.0] [00010000:0014ffff]\r\n"
          "BOOT    [app0] [VT132 V1.0.0] [00010000:0014ffff]\r\n"
          "\r\nOK\r\n");
    CHECK(sim->finish() == 0);
  }

  TEST_CASE("information commands answer from the running image's app descriptor") {
    Fixture f;
    auto sim = f.start();
    CHECK(sim->command("AT") == "AT\r\r\nOK\r\n");
    CHECK(sim->command("ATI") == "ATI\r\r\nVT132 'AT' Modem\r\n\r\nOK\r\n");
    CHECK(sim->command("ATI1") == "ATI1\r\r\nV1.0.0\r\n\r\nOK\r\n");
    CHECK(sim->command("ATI2") == "ATI2\r\r\nv4.0.1\r\n\r\nOK\r\n");
    CHECK(sim->command("ATI3") == "ATI3\r\r\nVT132\r\n\r\nOK\r\n");
    CHECK(sim->command("ATI4") == "ATI4\r\r\nERROR\r\n");
  }

  TEST_CASE("the help screen lists the OTA commands as on the device") {
    Fixture f;
    auto sim = f.start();
    const std::string help = sim->command("AT$");
    CHECK(help.rfind("AT$\r\r\nAT COMMANDS:\r\n", 0) == 0);
    CHECK(help.find("AT+U? - Query OTA Update        | AT+U=url - Set custom URL for OTA update\r\n") != std::string::npos);
    CHECK(help.find("AT+U^ - Upgrade to OTA Update   | AT+U! - Force Upgrade to OTA Update\r\n") != std::string::npos);
    CHECK(help.find("AT+U$ - Show OTA Partition Status\r\n") != std::string::npos);
    CHECK(help.find("AT+T? - Query Telnet TERM       | AT+T=name - Set Telnet TERM\r\n\r\nOK\r\n") != std::string::npos);
  }

  TEST_CASE("echo, quiet, chaining, registers and A/ behave as a Hayes modem") {
    Fixture f;
    auto sim = f.start();
    CHECK(sim->command("ATE0Q0") == "ATE0Q0\r\r\nOK\r\n");
    CHECK(sim->command("ATS2?") == "\r\n43\r\n\r\nOK\r\n");
    CHECK(sim->command("ATS40=1?") == "\r\n1\r\n\r\nOK\r\n");
    sim->send("A/");
    CHECK(sim->read_until("OK\r\n") == "\r\n1\r\n\r\nOK\r\n");
    sim->send("ATQ1\r");
    CHECK(sim->read_until("never", 500) == "");  // quiet: no result code at all
    sim->send("ATQ0\r");
    CHECK(sim->read_until("OK\r\n") == "\r\nOK\r\n");
    sim->send("a");  // lower case: refused as soon as it is typed
    CHECK(sim->read_until("ERROR\r\n", 2000) == "\r\nERROR\r\n");
  }

  TEST_CASE("backspace edits and an overlong line is refused") {
    Fixture f;
    auto sim = f.start();
    CHECK(sim->command("ATI3\b1") == "ATI3\b \b1\r\r\nV1.0.0\r\n\r\nOK\r\n");
    const std::string longline = "AT" + std::string(80, 'E');
    CHECK(sim->command(longline).find("\r\nERROR\r\n") != std::string::npos);
  }

  TEST_CASE("network OTA commands answer NO DIALTONE without Wi-Fi") {
    Fixture f;
    auto sim = f.start();
    CHECK(sim->command("AT+W?") == "AT+W?\r\r\nWIFI NOT STARTED\r\n\r\nOK\r\n");
    CHECK(sim->command("AT+U?") == "AT+U?\r\r\nNO DIALTONE\r\n");
    CHECK(sim->command("AT+U=http://127.0.0.1:1/x") == "AT+U=http://127.0.0.1:1/x\r\r\nNO DIALTONE\r\n");
    CHECK(sim->command("AT+W$") == "AT+W$\r\r\n0.0.0.0\r\n\r\nOK\r\n");
  }

  TEST_CASE("a Wi-Fi join that fails leaves OTA at NO DIALTONE") {
    Fixture f;
    auto sim = f.start({"--wifi-fail"});
    CHECK(sim->command("AT+W=home,secret") == "AT+W=home,secret\r\r\nOK\r\n");
    CHECK(sim->command("AT+W?") == "AT+W?\r\r\nWIFI CONNECT FAILED\r\n\r\nOK\r\n");
    CHECK(sim->command("AT+U?") == "AT+U?\r\r\nNO DIALTONE\r\n");
  }

  TEST_CASE("AT+U^ before any query answers ERROR") {
    Fixture f;
    auto sim = f.start();
    sim->command("AT+W=home,secret");
    CHECK(sim->command("AT+U^") == "AT+U^\r\r\nERROR\r\n");
    CHECK(sim->command("AT+U!") == "AT+U!\r\r\nERROR\r\n");
  }

  TEST_CASE("settings written with AT&W survive a restart, Wi-Fi credentials are kept at once") {
    Fixture f;
    {
      auto sim = f.start();
      sim->command("AT+W=home,secret");
      sim->command("AT+U=http://127.0.0.1:5500/VT132.bin");
      sim->command("ATS40=1");
      sim->command("ATE0");
      sim->command("AT&W");
      sim->finish();
    }
    auto sim = f.start();
    CHECK(sim->command("ATS40?") == "\r\n1\r\n\r\nOK\r\n");  // no echo: E0 was stored
    CHECK(sim->command("AT+W+") == "\r\nWIFI CONNECTED\r\n\r\nOK\r\n");
    CHECK(sim->command("AT&F") == "\r\nOK\r\n");
    CHECK(sim->command("ATS40?") == "ATS40?\r\r\n0\r\n\r\nOK\r\n");
  }

  TEST_CASE("with --pty the modem answers on a pseudo-terminal a terminal program can open") {
    Fixture f;
    auto sim = f.start({"--pty"});
    std::string path = sim->read_until("\n", 5000);
    REQUIRE(path.rfind("/dev/pts/", 0) == 0);
    path.pop_back();
    const int fd = ::open(path.c_str(), O_RDWR | O_NOCTTY);
    REQUIRE(fd >= 0);
    termios t{};
    ::tcgetattr(fd, &t);
    ::cfmakeraw(&t);
    ::tcsetattr(fd, TCSANOW, &t);
    REQUIRE(::write(fd, "ATI1\r", 5) == 5);
    std::string got;
    for (int i = 0; i < 100 && got.find("OK\r\n") == std::string::npos; ++i) {
      pollfd p{fd, POLLIN, 0};
      if (::poll(&p, 1, 50) <= 0) continue;
      char buf[256];
      const ssize_t n = ::read(fd, buf, sizeof buf);
      if (n > 0) got.append(buf, static_cast<size_t>(n));
    }
    ::close(fd);
    CHECK(got == "ATI1\r\r\nV1.0.0\r\n\r\nOK\r\n");
    sim->signal(SIGTERM);
  }
}
