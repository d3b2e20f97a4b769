// Power cut at every flash operation of an update: the board always boots a valid image,
// the old one until the boot selection is written, and the new one once the update is done.
// VT132_POWER_CUT_LONG=1 sweeps a full-size (1.1 MB) image instead of the 96 KiB CI one.
#include <doctest/doctest.h>

#include <cstdlib>
#include <filesystem>
#include <regex>

#include "support/fixture.hpp"

using simtest::Fixture;

namespace fs = std::filesystem;

namespace {

// Runs the update on the current flash; returns the sim's exit status.
int run_update(Fixture& f, std::vector<std::string> extra, std::string* stderr_text = nullptr) {
  auto sim = f.start_online(f.latest_url(), std::move(extra));
  sim->command("AT+U?");
  sim->command("AT+U^");
  const int status = sim->finish();
  if (stderr_text) *stderr_text = sim->stderr_text();
  return status;
}

}  // namespace

TEST_SUITE("power_cut") {
  TEST_CASE("a power cut at any flash operation of an update leaves a bootable device") {
    const bool long_mode = std::getenv("VT132_POWER_CUT_LONG") != nullptr;
    Fixture f;
    f.publish(Fixture::image("V1.1.0", 0, long_mode ? 1100 * 1024 : 96 * 1024));
    f.start()->finish();  // lays out the factory flash
    const fs::path base = f.dir / "base.bin";
    fs::copy_file(f.flash, base);

    std::string log;
    fs::remove(f.dir / "sim.log");
    REQUIRE(run_update(f, {"--flash-stats"}, &log) == 0);
    std::smatch m;
    REQUIRE(std::regex_search(log, m, std::regex("flash operations (\\d+)")));
    const int total = std::stoi(m[1]);
    REQUIRE(total > 4);
    MESSAGE("flash operations in one update: " << total);

    int swept = 0;
    for (int n = 1; n <= total; ++n) {
      fs::copy_file(base, f.flash, fs::copy_options::overwrite_existing);
      CAPTURE(n);
      CHECK(run_update(f, {"--power-cut-after", std::to_string(n)}) == 75);
      // Every operation of the update comes before or is the otadata write itself, so the
      // selection is never complete: the old image must boot.
      CHECK(f.running_after_restart() == "VT132 V1.0.0 app0");
      ++swept;
    }
    MESSAGE("power cuts swept: " << swept);

    // After a complete update the new image runs, even if power fails while the
    // bootloader and app record its first boot (NEW -> PENDING_VERIFY -> VALID).
    fs::copy_file(base, f.flash, fs::copy_options::overwrite_existing);
    REQUIRE(run_update(f, {}) == 0);
    const fs::path updated = f.dir / "updated.bin";
    fs::copy_file(f.flash, updated);
    for (int n = 1; n <= 4; ++n) {
      fs::copy_file(updated, f.flash, fs::copy_options::overwrite_existing);
      CAPTURE(n);
      auto sim = f.start({"--power-cut-after", std::to_string(n)});
      CHECK(sim->finish() == 75);
      const std::string now = f.running_after_restart();
      CHECK((now == "VT132 V1.1.0 app1" || now == "VT132 V1.0.0 app0"));
    }
    fs::copy_file(updated, f.flash, fs::copy_options::overwrite_existing);
    CHECK(f.running_after_restart() == "VT132 V1.1.0 app1");
  }
}
