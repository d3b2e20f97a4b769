#pragma once
// otadata: the two select entries that tell the bootloader which OTA slot to boot, and
// the pure rules around them - validity, which entry is active, what to write to select
// another slot, and the bootloader's rollback decisions. No flash access here: callers
// (the device port, the flash simulator) read and write the sectors.
#include <cstddef>
#include <cstdint>

#include "vt132/core/bytes.hpp"

namespace vt132::core {

constexpr size_t kOtaSelectEntrySize = 32;
constexpr size_t kOtadataSectorSize = 0x1000;  // entry i lives at the start of sector i
constexpr size_t kOtaSeqLabelSize = 20;
constexpr uint32_t kOtaSeqErased = 0xFFFFFFFF;  // erased flash: "no entry"
constexpr uint32_t kNoOtaSlot = 0xFFFFFFFF;
constexpr int kNoOtaSector = -1;

// esp_ota_img_states_t. Stored as a raw uint32_t in entries because flash may hold any value.
enum class OtaState : uint32_t {
  New = 0,            // selected, never booted (rollback enabled)
  PendingVerify = 1,  // booted once, the app has not confirmed it yet
  Valid = 2,          // the app confirmed it
  Invalid = 3,        // the app rejected it
  Aborted = 4,        // reset while pending: the bootloader gave up on it
  Undefined = 0xFFFFFFFF,  // no rollback tracking (rollback disabled, or erased)
};

constexpr uint32_t state_value(OtaState s) { return static_cast<uint32_t>(s); }
// "NEW", "PENDING_VERIFY", ... or "unknown".
const char* ota_state_name(uint32_t state);

struct OtaSelectEntry {
  uint32_t ota_seq = kOtaSeqErased;
  uint8_t seq_label[kOtaSeqLabelSize] = {0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
                                         0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
                                         0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF};
  uint32_t ota_state = state_value(OtaState::Undefined);
  uint32_t crc = 0xFFFFFFFF;
};  // default: what an erased sector decodes to

bool operator==(const OtaSelectEntry& a, const OtaSelectEntry& b);
inline bool operator!=(const OtaSelectEntry& a, const OtaSelectEntry& b) { return !(a == b); }

// 32 bytes <-> entry, little-endian.
void encode_ota_entry(const OtaSelectEntry& entry, uint8_t out[kOtaSelectEntrySize]);
// False (entry untouched) if `in` holds fewer than 32 bytes.
bool decode_ota_entry(ByteView in, OtaSelectEntry& entry);
// Both entries of an otadata partition image (entry i at i * 0x1000). False if the image
// is shorter than 0x1000 + 32 bytes.
bool decode_otadata(ByteView partition, OtaSelectEntry entries[2]);

// The CRC ESP-IDF stores: zlib.crc32(le32(seq), 0xFFFFFFFF).
uint32_t ota_entry_crc(uint32_t seq);
// A fresh entry with its CRC; seq_label left erased (0xFF), as ESP-IDF leaves it.
OtaSelectEntry make_ota_entry(uint32_t seq, OtaState state);
// The same entry in another state; the CRC covers only seq, so it stays.
OtaSelectEntry with_state(const OtaSelectEntry& entry, OtaState state);

// seq != 0xFFFFFFFF, state not INVALID/ABORTED, CRC matches.
bool is_valid_entry(const OtaSelectEntry& entry);

// The active entry: the valid one with the higher seq (sector 0 on a tie), or none.
struct OtaActive {
  int sector = kNoOtaSector;  // 0, 1 or kNoOtaSector
  OtaSelectEntry entry{};     // meaningful only when found()
  bool found() const { return sector != kNoOtaSector; }
};
OtaActive pick_boot_entry(const OtaSelectEntry& sector0, const OtaSelectEntry& sector1);
inline OtaActive pick_boot_entry(const OtaSelectEntry entries[2]) {
  return pick_boot_entry(entries[0], entries[1]);
}

// (seq - 1) mod ota_app_count, in uint32 arithmetic as the bootloader does it (so seq 0
// maps to 0xFFFFFFFF mod count). kNoOtaSlot when ota_app_count is 0.
uint32_t slot_for_seq(uint32_t seq, uint32_t ota_app_count);

enum class OtaError {
  Ok,
  NoOtaSlots,      // ota_app_count is 0 or above 16
  SlotOutOfRange,  // target slot >= ota_app_count
  SeqExhausted,    // the next seq would reach 0xFFFFFFFF (the erased value)
};
const char* describe(OtaError error);

// What to write to make `target_slot` boot next.
struct OtaSelectPlan {
  int sector = 0;        // the sector to erase and write
  OtaSelectEntry entry;  // the entry to write there
};

// The new seq is the smallest one above the active seq whose slot is target_slot (none
// active: target_slot + 1), written to the sector that is *not* active (none active:
// sector 0), so a power cut leaves the current entry intact. The new entry is NEW when
// rollback is enabled (the bootloader then expects the app to confirm it), UNDEFINED
// otherwise.
OtaError next_select(const OtaActive& active, uint32_t target_slot, uint32_t ota_app_count,
                     bool rollback_enabled, OtaSelectPlan& plan);

// What the bootloader boots, and what it writes to otadata first.
enum class OtaBootTarget {
  OtaSlot,  // slot `slot`, chosen by the entry in `sector`
  Factory,  // no usable entry: the factory app (or the first bootable app)
};
struct OtaBootDecision {
  OtaBootTarget target = OtaBootTarget::Factory;
  uint32_t slot = kNoOtaSlot;
  int sector = kNoOtaSector;
  // Entries the bootloader rewrites before booting (at most one per sector).
  bool rewrite[2] = {false, false};
  OtaSelectEntry rewritten[2];
};

// The bootloader's choice. With rollback enabled: an entry still PENDING_VERIFY was booted
// before and never confirmed, so it becomes ABORTED and the choice falls back to the other
// entry (or factory); a NEW entry becomes PENDING_VERIFY and boots. Without rollback the
// states other than INVALID/ABORTED do not matter and nothing is rewritten. An entry whose
// slot does not exist (count 0) means factory.
OtaBootDecision decide_boot(const OtaSelectEntry entries[2], uint32_t ota_app_count,
                            bool rollback_enabled);

// The running app's verdict on a PENDING_VERIFY image: VALID or INVALID. Other states are
// returned unchanged, because only a pending image is the app's to judge.
OtaSelectEntry confirm_entry(const OtaSelectEntry& entry, bool image_ok);

}  // namespace vt132::core
