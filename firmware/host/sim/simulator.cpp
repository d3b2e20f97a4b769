#include "sim/simulator.hpp"

#include <csignal>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <memory>

#include "port/factory_flash.hpp"
#include "port/file_flash.hpp"
#include "port/file_settings.hpp"
#include "port/host_network.hpp"
#include "port/host_serial.hpp"
#include "port/host_system.hpp"
#include "vt132/core/at/modem.hpp"
#include "vt132/core/boot/bootloader.hpp"
#include "vt132/core/boot/flash_ota_slots.hpp"
#include "vt132/core/boot/flash_partition_table.hpp"

namespace vt132::hostport {
namespace {

volatile std::sig_atomic_t g_reset = 0;
void on_reset_signal(int) { g_reset = 1; }

std::vector<uint8_t> read_all(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    std::fprintf(stderr, "vt132-sim: cannot read %s\n", path.c_str());
    std::exit(2);
  }
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void write_all(const std::string& path, const std::vector<uint8_t>& data) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(data.data()), static_cast<std::streamsize>(data.size()));
  if (!out) {
    std::fprintf(stderr, "vt132-sim: cannot write %s\n", path.c_str());
    std::exit(2);
  }
}

void initialise_flash(const SimOptions& o) {
  if (!o.init_factory.empty()) {
    const auto image = read_all(o.init_factory);
    if (image.size() != kFlashSize) {
      std::fprintf(stderr, "vt132-sim: %s is %zu bytes, a factory image is %u\n", o.init_factory.c_str(),
                   image.size(), kFlashSize);
      std::exit(2);
    }
    write_all(o.flash, image);
  } else if (!o.init_app.empty()) {
    std::vector<uint8_t> flash;
    std::string error;
    if (!factory_flash_with_app(read_all(o.init_app), flash, error)) {
      std::fprintf(stderr, "vt132-sim: %s: %s\n", o.init_app.c_str(), error.c_str());
      std::exit(2);
    }
    write_all(o.flash, flash);
  }
}

const char* state_note(const core::boot::BootResult& b) {
  if (b.entry_sector < 0) return "no otadata entry";
  return b.pending_verify ? "new image, pending verify" : "valid";
}

struct HeapLog {
  core::CountingAllocator* heap;
};

void log_heap(void* user) {
  const auto& s = static_cast<HeapLog*>(user)->heap->stats();
  std::fprintf(stderr, "vt132-sim: heap outstanding=%zu blocks=%zu peak=%zu\n", s.outstanding_bytes,
               s.outstanding_blocks, s.peak_bytes);
}

}  // namespace

int run_simulator(const SimOptions& o) {
  initialise_flash(o);
  std::signal(SIGUSR1, on_reset_signal);
  std::signal(SIGPIPE, SIG_IGN);
  FileFlash flash(o.flash);
  flash.power_cut_after(o.power_cut_after);
  FileSettings settings(o.nvs.empty() ? o.flash + ".nvs" : o.nvs);
  FileSecureCounter efuse(o.efuse.empty() ? o.flash + ".efuse" : o.efuse);
  std::unique_ptr<OpenSslVerifier> verifier;
  if (!o.pubkey.empty()) verifier = std::make_unique<OpenSslVerifier>(o.pubkey);
  FdSerial serial = o.pty ? FdSerial::open_pty() : FdSerial();
  if (o.pty) {
    std::printf("%s\n", serial.slave_path().c_str());
    std::fflush(stdout);
  }
  std::array<uint8_t, 6> mac{};
  if (!sim_mac(o.mac, o.flash, mac)) {
    std::fprintf(stderr, "vt132-sim: --mac \"%s\" is not six hex pairs like 24:0a:c4:12:34:56\n", o.mac.c_str());
    return 2;
  }
  HostClock clock;
  MallocAllocator malloc_heap;
  core::CountingAllocator heap(malloc_heap);
  HeapLog heap_log{&heap};
  core::PartitionTable table;

  for (;;) {  // one pass per reset
    g_reset = 0;
    if (!core::boot::read_partition_table(flash, table)) {
      std::fprintf(stderr, "vt132-sim: no partition table in %s (start with --init or --init-app)\n", o.flash.c_str());
      return 2;
    }
    const core::boot::BootResult boot = core::boot::run_bootloader(flash, table, efuse);
    if (boot.otadata_write_failed) std::fprintf(stderr, "vt132-sim: bootloader: otadata write failed\n");
    if (!boot.booted) {
      std::fprintf(stderr, "vt132-sim: no bootable app image\n");
      return 3;
    }
    std::fprintf(stderr, "vt132-sim: boot %s %s %s (%s%s)\n", boot.partition->label, boot.app.project_name,
                 boot.app.version, state_note(boot), boot.rolled_back ? ", rolled back" : "");
    if (boot.pending_verify && o.crash_new_image) {
      std::fprintf(stderr, "vt132-sim: new image crashed before confirming itself; resetting\n");
      continue;
    }
    core::boot::FlashOtaSlots slots(flash, table, efuse, boot);
    // Network and Wi-Fi state do not survive a reset.
    HostNetwork net(o.ca_files);
    HostWifi wifi(o.wifi_fail, mac);
    const core::ModemPorts ports{serial, clock, settings, wifi, net, slots, efuse, verifier.get(), heap};
    core::ModemConfig config;
    config.image_asset_name = o.asset_name.c_str();
    config.net_timeout_ms = o.net_timeout_ms;
    config.transfer = o.transfer;
    core::Modem modem(ports, config);
    // The modem is up, so the image works: cancel its rollback (as app_main does on the board).
    if (slots.mark_running_valid() != core::port::SlotError::Ok) {
      std::fprintf(stderr, "vt132-sim: could not confirm the running image (otadata write failed)\n");
    }
    if (o.heap_log) {
      modem.on_command_done = log_heap;
      modem.on_command_done_user = &heap_log;
    }
    std::fprintf(stderr, "vt132-sim: ready\n");
    while (!g_reset) {
      serial.wait(modem.busy() ? 0 : 5);
      modem.poll();
      // End of input (a script's pipe closing, Ctrl-D) powers off once the modem is idle: an
      // update typed just before it still runs to its end, as the script meant.
      if (serial.at_eof() && !modem.busy()) {
        if (o.flash_stats) {
          std::fprintf(stderr, "vt132-sim: flash operations %llu\n",
                       static_cast<unsigned long long>(flash.operations()));
        }
        return 0;
      }
    }
    std::fprintf(stderr, "vt132-sim: reset\n");
  }
}

}  // namespace vt132::hostport
