#include "vt132/core/otadata.hpp"

#include <cstring>

#include "vt132/core/crc32.hpp"
#include "vt132/core/partition_table.hpp"

namespace vt132::core {

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

OtaError next_select(const OtaActive& active, uint32_t target_slot, uint32_t ota_app_count, OtaSelectPlan& plan) {
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
  plan.sector = sector;
  plan.entry = make_ota_entry(static_cast<uint32_t>(seq), OtaState::New);
  return OtaError::Ok;
}

namespace {

// Blank or torn: never written by anyone, as opposed to retired on purpose (INVALID, ABORTED).
bool is_initial_entry(const OtaSelectEntry& e) {
  return e.ota_seq == kOtaSeqErased || e.crc != ota_entry_crc(e.ota_seq);
}

void plan_rewrite(OtaBootDecision& d, int sector, const OtaSelectEntry& entry) {
  d.rewrite[sector] = true;
  d.rewritten[sector] = entry;
}

// Asks `bootable` about each slot once: a check reads and hashes a whole image.
class SlotJudge {
 public:
  SlotJudge(SlotBootable bootable, void* context) : bootable_(bootable), context_(context) {
    for (int8_t& v : verdict_) v = -1;
  }
  bool operator()(uint32_t slot) {
    if (verdict_[slot] < 0) verdict_[slot] = bootable_(context_, slot) ? 1 : 0;
    return verdict_[slot] == 1;
  }

 private:
  SlotBootable bootable_;
  void* context_;
  int8_t verdict_[kMaxOtaSlots];
};

}  // namespace

OtaBootDecision decide_boot(const OtaSelectEntry entries[2], uint32_t ota_app_count, SlotBootable bootable,
                            void* context) {
  OtaBootDecision d;
  if (ota_app_count == 0 || ota_app_count > kMaxOtaSlots) return d;
  OtaSelectEntry e[2] = {entries[0], entries[1]};
  for (int s = 0; s < 2; ++s) {
    if (e[s].ota_state != state_value(OtaState::PendingVerify)) continue;
    e[s] = with_state(e[s], OtaState::Aborted);
    plan_rewrite(d, s, e[s]);
    d.rolled_back = true;
  }
  SlotJudge judge(bootable, context);
  // The valid entries, higher seq first (sector 0 on a tie, as pick_boot_entry).
  const OtaActive active = pick_boot_entry(e[0], e[1]);
  const int other = 1 - active.sector;
  const int order[2] = {active.sector, active.found() && is_valid_entry(e[other]) ? other : kNoOtaSector};
  for (const int s : order) {
    if (s == kNoOtaSector) break;
    const uint32_t slot = slot_for_seq(e[s].ota_seq, ota_app_count);
    if (!judge(slot)) {
      d.rolled_back = true;
      continue;
    }
    if (e[s].ota_state == state_value(OtaState::New)) {
      e[s] = with_state(e[s], OtaState::PendingVerify);
      plan_rewrite(d, s, e[s]);
    }
    d.slot = slot;
    d.sector = s;
    d.entry = e[s];
    return d;
  }
  for (uint32_t slot = 0; slot < ota_app_count; ++slot) {
    if (!judge(slot)) continue;
    d.slot = slot;
    if (is_initial_entry(e[0]) && is_initial_entry(e[1])) {
      d.sector = 0;
      d.entry = make_ota_entry(slot + 1, OtaState::Valid);
      plan_rewrite(d, 0, d.entry);
    }
    return d;
  }
  return d;
}

}  // namespace vt132::core
