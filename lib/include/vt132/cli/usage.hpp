#pragma once
// The one rule for a usage error in every VT132 program: CLI11's message names what is
// wrong, and the exit status is 2 (CLI11's own codes, 106 or 109, are not ours).
// Header-only, so the simulator uses it without the host library.
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

namespace vt132::cli {

// Call from `catch (const CLI::ParseError& e)` around app.parse(). Prints the message and
// returns the exit status: 0 after --help or --version, 2 otherwise.
inline int usage_exit(CLI::App& app, const CLI::ParseError& e) {
  if (e.get_exit_code() != static_cast<int>(CLI::ExitCodes::Success)) {
    // CLI11 checks required options before unexpected ones, so `create --tga V1.0.0` would
    // only say "--tag is required"; the mistyped argument is what the user has to fix.
    const std::vector<std::string> unexpected = app.remaining(true);
    if (!unexpected.empty()) {
      app.exit(CLI::ExtrasError(unexpected));
      return 2;
    }
  }
  return app.exit(e) == 0 ? 0 : 2;
}

}  // namespace vt132::cli
