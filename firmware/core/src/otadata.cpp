#include "vt132/core/otadata.hpp"

#include <cstring>

#include "vt132/core/crc32.hpp"
#include "vt132/core/partition_table.hpp"

namespace vt132::core {

const char* ota_state_name(uint32_t state) {
  switch (state) {
    case state_value(OtaState::New): return "NEW";
    case state_value(OtaState::PendingVerify): return "PENDING_VERIFY";
    case state_value(OtaState::Valid): return "VALID";
    case state_value(OtaState::Invalid): return "INVALID";
    case state_value(OtaState::Aborted): return "ABORTED";
    case state_value(OtaState::Undefined): return "UNDEFINED";
    default: return "unknown";
  }
}

bool operator==(const OtaSelectEntry& a, const OtaSelectEntry& b) {
  return a.ota_seq == b.ota_seq && a.ota_state == b.ota_state && a.crc == b.crc &&
         std::memcmp(a.seq_label, b.seq_label, sizeof a.seq_label) == 0;
}

void encode_ota_entry(const OtaSelectEntry& entry, uint8_t out[kOtaSelectEntrySize]) {
  store_le32(out, entry.ota_seq);
  std::memcpy(out + 4, entry.seq_label, kOtaSeqLabelSize);
  store_le32(out + 24, entry.ota_state);
  store_le32(out + 28, entry.crc);
}

bool decode_ota_entry(ByteView in, OtaSelectEntry& entry) {
  if (in.data == nullptr || in.size < kOtaSelectEntrySize) return false;
  entry.ota_seq = load_le32(in.data);
  std::memcpy(entry.seq_label, in.data + 4, kOtaSeqLabelSize);
  entry.ota_state = load_le32(in.data + 24);
  entry.crc = load_le32(in.data + 28);
  return true;
}

bool decode_otadata(ByteView partition, OtaSelectEntry entries[2]) {
  if (partition.data == nullptr || partition.size < kOtadataSectorSize + kOtaSelectEntrySize) {
    return false;
  }
  decode_ota_entry({partition.data, kOtaSelectEntrySize}, entries[0]);
  decode_ota_entry({partition.data + kOtadataSectorSize, kOtaSelectEntrySize}, entries[1]);
  return true;
}

uint32_t ota_entry_crc(uint32_t seq) {
  uint8_t le[4];
  store_le32(le, seq);
  // zlib's start value is a previous result, inverted on entry: 0xFFFFFFFF means the
  // register starts at 0, unlike a plain CRC-32. This is what gives seq 1 -> 0x4743989A.
  return crc32_update(0xFFFFFFFF, le, sizeof le);
}

OtaSelectEntry make_ota_entry(uint32_t seq, OtaState state) {
  OtaSelectEntry e;
  e.ota_seq = seq;
  e.ota_state = state_value(state);
  e.crc = ota_entry_crc(seq);
  return e;
}

OtaSelectEntry with_state(const OtaSelectEntry& entry, OtaState state) {
  OtaSelectEntry e = entry;
  e.ota_state = state_value(state);
  return e;
}

bool is_valid_entry(const OtaSelectEntry& entry) {
  return entry.ota_seq != kOtaSeqErased && entry.ota_state != state_value(OtaState::Invalid) &&
         entry.ota_state != state_value(OtaState::Aborted) && entry.crc == ota_entry_crc(entry.ota_seq);
}

OtaActive pick_boot_entry(const OtaSelectEntry& sector0, const OtaSelectEntry& sector1) {
  const bool ok0 = is_valid_entry(sector0);
  const bool ok1 = is_valid_entry(sector1);
  OtaActive active;
  if (ok1 && (!ok0 || sector1.ota_seq > sector0.ota_seq)) {
    active.sector = 1;
    active.entry = sector1;
  } else if (ok0) {
    active.sector = 0;
    active.entry = sector0;
  }
  return active;
}

uint32_t slot_for_seq(uint32_t seq, uint32_t ota_app_count) {
  if (ota_app_count == 0) return kNoOtaSlot;
  return (seq - 1u) % ota_app_count;
}

const char* describe(OtaError error) {
  switch (error) {
    case OtaError::Ok: return "ok";
    case OtaError::NoOtaSlots: return "the partition table has no (or too many) OTA app slots";
    case OtaError::SlotOutOfRange: return "no such OTA slot";
    case OtaError::SeqExhausted: return "OTA sequence number exhausted";
  }
  return "unknown error";
}

OtaError next_select(const OtaActive& active, uint32_t target_slot, uint32_t ota_app_count,
                     bool rollback_enabled, OtaSelectPlan& plan) {
  if (ota_app_count == 0 || ota_app_count > kMaxOtaSlots) return OtaError::NoOtaSlots;
  if (target_slot >= ota_app_count) return OtaError::SlotOutOfRange;
  uint64_t seq = uint64_t{target_slot} + 1;
  int sector = 0;
  if (active.found()) {
    // seq s + 1 has slot s mod count; step forward from there to the target's slot.
    const uint64_t s = active.entry.ota_seq;
    const uint64_t next_slot = s % ota_app_count;
    seq = s + 1 + (target_slot + ota_app_count - next_slot) % ota_app_count;
    sector = active.sector == 0 ? 1 : 0;
  }
  if (seq >= kOtaSeqErased) return OtaError::SeqExhausted;
  const OtaState state = rollback_enabled ? OtaState::New : OtaState::Undefined;
  plan.sector = sector;
  plan.entry = make_ota_entry(static_cast<uint32_t>(seq), state);
  return OtaError::Ok;
}

OtaBootDecision decide_boot(const OtaSelectEntry entries[2], uint32_t ota_app_count,
                            bool rollback_enabled) {
  OtaBootDecision d;
  if (ota_app_count == 0) return d;
  OtaSelectEntry e[2] = {entries[0], entries[1]};
  // At most one pass per entry: each pass either boots or turns an entry ABORTED.
  for (int pass = 0; pass < 3; ++pass) {
    const OtaActive active = pick_boot_entry(e[0], e[1]);
    if (!active.found()) return d;
    const int s = active.sector;
    if (rollback_enabled && active.entry.ota_state == state_value(OtaState::PendingVerify)) {
      e[s] = with_state(e[s], OtaState::Aborted);
      d.rewrite[s] = true;
      d.rewritten[s] = e[s];
      continue;
    }
    if (rollback_enabled && active.entry.ota_state == state_value(OtaState::New)) {
      e[s] = with_state(e[s], OtaState::PendingVerify);
      d.rewrite[s] = true;
      d.rewritten[s] = e[s];
    }
    d.target = OtaBootTarget::OtaSlot;
    d.slot = slot_for_seq(active.entry.ota_seq, ota_app_count);
    d.sector = s;
    return d;
  }
  return d;  // not reached: two entries can be aborted at most twice
}

OtaSelectEntry confirm_entry(const OtaSelectEntry& entry, bool image_ok) {
  if (entry.ota_state != state_value(OtaState::PendingVerify)) return entry;
  return with_state(entry, image_ok ? OtaState::Valid : OtaState::Invalid);
}

}  // namespace vt132::core
