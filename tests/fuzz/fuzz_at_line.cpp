// The modem's command line on arbitrary serial input: line discipline, command parsing and
// every command that runs without a network. Checks that no command leaves core heap
// allocated.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>

#include "vt132/core/at/modem.hpp"
#include "vt132/core/boot/flash_ota_slots.hpp"

namespace {
using namespace vt132::core;

struct FuzzSerial : port::Serial {
  const uint8_t* data = nullptr;
  size_t left = 0;
  size_t read(uint8_t* buf, size_t cap) override {
    const size_t n = left < cap ? left : cap;
    std::memcpy(buf, data, n);
    data += n;
    left -= n;
    return n;
  }
  void write(const uint8_t*, size_t) override {}
};

// Erased flash everywhere: no app in either slot, blank otadata.
struct BlankFlash : port::Flash {
  uint32_t size() const override { return 4u << 20; }
  bool read(uint32_t, void* out, size_t len) override {
    std::memset(out, 0xFF, len);
    return true;
  }
  bool erase_sector(uint32_t) override { return true; }
  bool write(uint32_t, const void*, size_t) override { return true; }
};

struct Clock : port::Clock {
  uint32_t ms = 0;
  uint32_t millis() override { return ms += 7; }
  int64_t unix_time() override { return 0; }
  void sleep_ms(uint32_t) override {}
};

struct Settings : port::Settings {
  bool load(const char*, char* out, size_t cap) override {
    if (cap) out[0] = '\0';
    return false;
  }
  bool store(const char*, const char*) override { return true; }
};

struct NoWifi : port::Wifi {
  void join(const char*, const char*) override {}
  void leave() override {}
  port::WifiStatus status() override { return port::WifiStatus::Idle; }
  void ip_address(char out[16]) override { std::strcpy(out, "0.0.0.0"); }
  void mac(uint8_t out[6]) override { std::memset(out, 0, 6); }
};

struct NoNetwork : port::Network {
  port::Stream* connect(const char*, uint16_t, bool, uint32_t, port::NetError& e) override {
    e = port::NetError::Connect;
    return nullptr;
  }
  void close(port::Stream*) override {}
  bool listen(uint16_t) override { return true; }
  port::Stream* accept() override { return nullptr; }
};

struct Efuse : port::SecureCounter {
  uint32_t floor() override { return 0; }
  void raise_to(uint32_t) override {}
};

struct Heap : port::Allocator {
  void* allocate(size_t n) override { return std::malloc(n); }
  void release(void* p, size_t) override { std::free(p); }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  FuzzSerial serial;
  serial.data = data;
  serial.left = size;
  BlankFlash flash;
  Clock clock;
  Settings settings;
  NoWifi wifi;
  NoNetwork net;
  Efuse efuse;
  Heap heap_backing;
  CountingAllocator heap(heap_backing);
  const PartitionTable& table = vt132_default_partitions();
  boot::BootResult booted;
  booted.booted = true;
  booted.slot = 0;
  booted.partition = find_ota_slot(table, 0);
  boot::FlashOtaSlots slots(flash, table, efuse, booted);
  const ModemPorts ports{serial, clock, settings, wifi, net, slots, efuse, nullptr, heap};
  Modem modem(ports);
  while (serial.left > 0) modem.poll();
  if (heap.stats().outstanding_blocks != 0) abort();
  return 0;
}
