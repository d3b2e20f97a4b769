#pragma once
// The VT132 'AT' modem: command mode (LineEditor + the command set of
// docs/specs vt132-modem.md), online mode over a TCP call, and the OTA commands.
// One Modem lives from boot to reset; per-command memory comes from the CountingAllocator
// and is back at its baseline when each command has answered.
#include <cstddef>
#include <cstdint>

#include "vt132/core/at/line_editor.hpp"
#include "vt132/core/at/profile.hpp"
#include "vt132/core/mem/counting_allocator.hpp"
#include "vt132/core/ota/ota_client.hpp"
#include "vt132/core/ota/ota_update.hpp"
#include "vt132/core/port/network.hpp"
#include "vt132/core/port/ota_slots.hpp"
#include "vt132/core/port/serial.hpp"
#include "vt132/core/port/system.hpp"

namespace vt132::core {

struct ModemPorts {
  port::Serial& serial;
  port::Clock& clock;
  port::Settings& settings;
  port::Wifi& wifi;
  port::Network& net;
  port::OtaSlots& slots;
  port::SecureCounter& efuse;
  port::SignatureVerifier* verifier;  // nullptr: signatures not required by this build
  CountingAllocator& heap;
};

struct ModemConfig {
  const char* image_asset_name = "VT132.bin";
  uint32_t net_timeout_ms = 10000;
  TransferLimits transfer;  // rate floor and deadline of each OTA transfer
};

class Modem {
 public:
  // The running app (AT I, AT+U$, the project an update must match) comes from ports.slots.
  explicit Modem(const ModemPorts& ports, const ModemConfig& config = ModemConfig{});

  // Does whatever is due: reads serial input, runs a completed command, moves data of a
  // call, notices a hang-up or an incoming call, or moves one chunk of a running update.
  // Never blocks, except while a command runs; an update (AT+U^, AT+U!) blocks only for its
  // start and then runs a piece per poll (OtaUpdate::perform), so a key pressed during the
  // download cancels it.
  void poll();
  bool online() const { return call_ != nullptr && !command_mode_in_call_; }
  // True while an update is downloading: the caller should poll again without waiting.
  bool busy() const { return update_.active(); }
  // Called when a command has finished and answered; the sim logs heap use there.
  void (*on_command_done)(void* user) = nullptr;
  void* on_command_done_user = nullptr;

 private:
  enum class Result { Ok, Error, NoDialtone, Connect, NoCarrier, NoAnswer, AlreadyInCall, None };

  // Command mode.
  void run_line(const char* line);
  Result run_commands(const char* p);
  Result run_one(const char*& p);
  Result run_ampersand(const char*& p);
  Result run_plus(const char*& p);
  void help();
  Result information(unsigned n);

  // Wi-Fi, OTA, calls.
  Result wifi_command(const char*& p);
  bool wifi_up();
  Result update_command(const char*& p);
  Result update_status();
  Result update_query();
  Result update_install(bool force);
  void poll_update();
  static bool is_keypress(const uint8_t* data, size_t n);
  void cancel_update();
  void end_update(const OtaResult& r);
  void update_failed(const OtaResult& r);
  OtaConfig ota_config() const;
  OtaPorts ota_ports() const;
  Result dial(const char* target);
  Result go_online();
  Result hang_up();
  Result answer();
  void pump_call();
  void end_call(bool report);
  void check_incoming();
  void apply_answer_mode();

  // Output framing: info lines are preceded by one CR LF, result codes are CR LF CODE CR LF.
  void put(const char* s);
  void put(const char* s, size_t n);
  void info(const char* line);
  void begin_info();
  void end_dots();
  void result(Result r);
  static void on_progress(void* self);
  static void on_patch_failed(void* self, const char* reason);
  void command_done();

  ModemPorts ports_;
  AppDescriptor running_app_;
  ModemConfig config_;
  Profile profile_;
  LineEditor editor_;
  size_t reg_ = 0;
  bool info_started_ = false;
  bool dots_ = false;  // progress dots printed on the current line
  OtaQuery query_;
  int query_compare_ = 0;  // remote vs running: -1 older, 0 same, 1 newer
  OtaUpdate update_;       // the update AT+U^ / AT+U! started, until it answers
  // Call state.
  port::Stream* call_ = nullptr;
  bool command_mode_in_call_ = false;
  uint32_t last_rx_ms_ = 0;   // last byte from the serial side, for the +++ guard time
  uint8_t plus_count_ = 0;
  uint32_t plus_done_ms_ = 0;
  bool listening_ = false;
  port::Stream* ringing_ = nullptr;  // an incoming call waiting for ATA
};

}  // namespace vt132::core
