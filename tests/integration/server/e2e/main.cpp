// The server end-to-end tests' main: every e2e/test_*.cpp file adds its TEST_CASEs.
#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>

#include <signal.h>

int main(int argc, char** argv) {
  // A server that closes a connection must fail a check, not kill the test process.
  ::signal(SIGPIPE, SIG_IGN);
  return doctest::Context(argc, argv).run();
}
