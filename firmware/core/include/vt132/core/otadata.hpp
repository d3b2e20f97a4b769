#pragma once
// otadata: the two select entries that tell the bootloader which OTA slot to boot, and
// the pure rules around them - validity, which entry is active, what to write to select
// another slot, and the bootloader's boot decision. No flash access here: callers (the
// host's boot:: code over a port::Flash) read and write the sectors.
#include <cstddef>
#include <cstdint>

#include "vt132/core/bytes.hpp"

namespace vt132::core {

constexpr size_t kOtaSelectEntrySize = 32;
constexpr size_t kOtaSeqLabelSize = 20;
constexpr uint32_t kOtaSeqErased = 0xFFFFFFFF;  // erased flash: "no entry"
constexpr uint32_t kNoOtaSlot = 0xFFFFFFFF;
constexpr int kNoOtaSector = -1;

// esp_ota_img_states_t. Stored as a raw uint32_t in entries because flash may hold any value.
enum class OtaState : uint32_t {
  New = 0,            // selected, never booted
  PendingVerify = 1,  // booted once, the app has not confirmed it yet
  Valid = 2,          // the app confirmed it
  Invalid = 3,        // the app rejected it
  Aborted = 4,        // reset while pending: the bootloader gave up on it
  Undefined = 0xFFFFFFFF,  // no rollback tracking (written with rollback disabled, or erased)
};

constexpr uint32_t state_value(OtaState s) { return static_cast<uint32_t>(s); }

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

// What to write to make `target_slot` boot next.
struct OtaSelectPlan {
  int sector = 0;        // the sector to erase and write
  OtaSelectEntry entry;  // the entry to write there
};

// The new seq is the smallest one above the active seq whose slot is target_slot (none
// active: target_slot + 1), written to the sector that is *not* active (none active:
// sector 0), so a power cut leaves the current entry intact. The new entry is NEW: app
// rollback is always enabled on the VT132, so the image must confirm itself on its first
// boot.
OtaError next_select(const OtaActive& active, uint32_t target_slot, uint32_t ota_app_count, OtaSelectPlan& plan);

// Whether OTA slot `slot` holds an image the bootloader would start: complete, verified,
// for this chip, secure_version not below the anti-rollback floor. Called at most once per
// slot per decision, and only for slots the decision may boot (a check reads the image).
using SlotBootable = bool (*)(void* context, uint32_t slot);

// What the bootloader boots, and what it writes to otadata first.
struct OtaBootDecision {
  uint32_t slot = kNoOtaSlot;  // kNoOtaSlot: no slot holds a bootable image
  int sector = kNoOtaSector;   // the entry that chose `slot`; kNoOtaSector: none did
  OtaSelectEntry entry;        // that entry as it is once the rewrites are written
  // Entries the bootloader rewrites before booting (at most one per sector).
  bool rewrite[2] = {false, false};
  OtaSelectEntry rewritten[2];
  // The boot is not what otadata selected: an entry was aborted, or the selected slot's
  // image is not bootable.
  bool rolled_back = false;
  bool pending_verify() const { return entry.ota_state == state_value(OtaState::PendingVerify); }
};

// The bootloader's choice, as ESP-IDF's does it with app rollback and anti-rollback enabled
// and no factory partition (the VT132's configuration):
//  1. An entry still PENDING_VERIFY was booted before and never confirmed: it becomes
//     ABORTED.
//  2. The valid entry with the higher seq whose slot is bootable chooses the slot; if it is
//     NEW it becomes PENDING_VERIFY (first boot: the app must confirm it).
//  3. Otherwise the first bootable slot from ota_0 up boots. When both entries are blank
//     (or fail their CRC) an entry for that slot, VALID, is written to sector 0, so the app
//     sees which slot it runs from.
// ESP-IDF chooses the entry by its secure_version alone and, when that image then fails to
// load, scans from its slot down to ota_0 and up; folding both checks into `bootable` boots
// the same slot with two OTA slots, and leaves a broken image's NEW entry as it is instead
// of marking it PENDING_VERIFY (the next reset would abort it anyway).
OtaBootDecision decide_boot(const OtaSelectEntry entries[2], uint32_t ota_app_count, SlotBootable bootable,
                            void* context);

}  // namespace vt132::core
