#include <doctest/doctest.h>

#include <cstring>
#include <string>
#include <vector>

#include "vt132/core/otadata.hpp"

using namespace vt132::core;

namespace {

std::string hex(const uint8_t* p, size_t n) {
  static const char* digits = "0123456789abcdef";
  std::string s;
  for (size_t i = 0; i < n; ++i) {
    s += digits[p[i] >> 4];
    s += digits[p[i] & 15];
  }
  return s;
}

OtaSelectEntry with_bad_crc(OtaSelectEntry e) {
  e.crc ^= 1;
  return e;
}

// Applies a plan to a simulated pair of otadata sectors.
void apply(OtaSelectEntry sectors[2], const OtaSelectPlan& plan) { sectors[plan.sector] = plan.entry; }

OtaSelectPlan select_slot(OtaSelectEntry sectors[2], uint32_t slot, uint32_t count) {
  OtaSelectPlan plan;
  REQUIRE(next_select(pick_boot_entry(sectors), slot, count, plan) == OtaError::Ok);
  apply(sectors, plan);
  return plan;
}

// Which slots hold a bootable image, and how often the decision asked.
struct Images {
  uint32_t bootable_mask = 0xFFFF;
  int asked[16] = {};
};

bool bootable(void* context, uint32_t slot) {
  auto& images = *static_cast<Images*>(context);
  ++images.asked[slot];
  return (images.bootable_mask >> slot) & 1u;
}

OtaBootDecision decide(const OtaSelectEntry entries[2], uint32_t count, Images& images) {
  return decide_boot(entries, count, bootable, &images);
}

OtaBootDecision decide(const OtaSelectEntry entries[2], uint32_t count = 2, uint32_t bootable_mask = 0xFFFF) {
  Images images;
  images.bootable_mask = bootable_mask;
  return decide(entries, count, images);
}

}  // namespace

TEST_SUITE("otadata") {
  TEST_CASE("entry CRC matches the known values for seq 1 and 2") {
    CHECK(ota_entry_crc(1) == 0x4743989Au);
    CHECK(ota_entry_crc(2) == 0x55F63774u);
  }

  TEST_CASE("an entry encodes to the 32-byte esp_ota_select_entry_t layout and back") {
    const OtaSelectEntry e = make_ota_entry(1, OtaState::Valid);
    uint8_t raw_bytes[kOtaSelectEntrySize];
    encode_ota_entry(e, raw_bytes);
    CHECK(hex(raw_bytes, 4) == "01000000");
    CHECK(hex(raw_bytes + 4, 20) == std::string(40, 'f'));  // seq_label left erased
    CHECK(hex(raw_bytes + 24, 4) == "02000000");
    CHECK(hex(raw_bytes + 28, 4) == "9a984347");
    OtaSelectEntry back;
    REQUIRE(decode_ota_entry({raw_bytes, sizeof raw_bytes}, back));
    CHECK(back == e);
    CHECK_FALSE(decode_ota_entry({raw_bytes, 31}, back));
    CHECK_FALSE(decode_ota_entry({nullptr, 0}, back));
  }

  TEST_CASE("an erased sector decodes to the default entry, which is not valid") {
    std::vector<uint8_t> erased(kOtaSelectEntrySize, 0xFF);
    OtaSelectEntry e = make_ota_entry(7, OtaState::New);
    REQUIRE(decode_ota_entry({erased.data(), erased.size()}, e));
    CHECK(e == OtaSelectEntry{});
    CHECK_FALSE(is_valid_entry(e));
  }

  TEST_CASE("validity: seq not erased, state not INVALID/ABORTED, CRC matches") {
    CHECK(is_valid_entry(make_ota_entry(1, OtaState::New)));
    CHECK(is_valid_entry(make_ota_entry(1, OtaState::PendingVerify)));
    CHECK(is_valid_entry(make_ota_entry(1, OtaState::Valid)));
    CHECK(is_valid_entry(make_ota_entry(1, OtaState::Undefined)));
    CHECK_FALSE(is_valid_entry(make_ota_entry(1, OtaState::Invalid)));
    CHECK_FALSE(is_valid_entry(make_ota_entry(1, OtaState::Aborted)));
    CHECK_FALSE(is_valid_entry(with_bad_crc(make_ota_entry(1, OtaState::Valid))));
    CHECK_FALSE(is_valid_entry(make_ota_entry(kOtaSeqErased, OtaState::Valid)));
    // The CRC covers seq only: changing the state keeps it valid.
    CHECK(is_valid_entry(with_state(make_ota_entry(9, OtaState::New), OtaState::Valid)));
  }

  TEST_CASE("the active entry is the valid one with the higher seq") {
    const OtaSelectEntry erased;
    CHECK_FALSE(pick_boot_entry(erased, erased).found());
    CHECK(pick_boot_entry(erased, make_ota_entry(1, OtaState::Valid)).sector == 1);
    CHECK(pick_boot_entry(make_ota_entry(5, OtaState::Valid), make_ota_entry(4, OtaState::Valid))
              .sector == 0);
    const OtaActive a =
        pick_boot_entry(make_ota_entry(5, OtaState::Valid), make_ota_entry(6, OtaState::Valid));
    CHECK(a.sector == 1);
    CHECK(a.entry.ota_seq == 6);
    // Equal seqs (never written by us): sector 0 wins, deterministically.
    CHECK(pick_boot_entry(make_ota_entry(3, OtaState::Valid), make_ota_entry(3, OtaState::Valid))
              .sector == 0);
  }

  TEST_CASE("an entry with a bad CRC is ignored even with the higher seq") {
    const OtaActive a = pick_boot_entry(make_ota_entry(2, OtaState::Valid),
                                        with_bad_crc(make_ota_entry(3, OtaState::Valid)));
    CHECK(a.sector == 0);
    CHECK(a.entry.ota_seq == 2);
  }

  TEST_CASE("an ABORTED entry is ignored and the older entry is active") {
    const OtaSelectEntry e[2] = {make_ota_entry(4, OtaState::Aborted),
                                 make_ota_entry(3, OtaState::Valid)};
    const OtaActive a = pick_boot_entry(e);
    CHECK(a.sector == 1);
    CHECK(a.entry.ota_seq == 3);
  }

  TEST_CASE("slot_for_seq is (seq - 1) mod count") {
    CHECK(slot_for_seq(1, 2) == 0);
    CHECK(slot_for_seq(2, 2) == 1);
    CHECK(slot_for_seq(3, 2) == 0);
    CHECK(slot_for_seq(5, 3) == 1);
    CHECK(slot_for_seq(7, 1) == 0);
    CHECK(slot_for_seq(0, 2) == 0xFFFFFFFFu % 2);  // bootloader's unsigned arithmetic
    CHECK(slot_for_seq(1, 0) == kNoOtaSlot);
  }

  TEST_CASE("from fresh otadata, selecting slot 1 then 0 then 1 alternates sectors") {
    OtaSelectEntry s[2];
    OtaSelectPlan p = select_slot(s, 1, 2);
    CHECK(p.sector == 0);
    CHECK(p.entry.ota_seq == 2);
    CHECK(p.entry.crc == 0x55F63774u);
    CHECK(p.entry.ota_state == state_value(OtaState::New));  // the image must confirm itself

    p = select_slot(s, 0, 2);
    CHECK(p.sector == 1);
    CHECK(p.entry.ota_seq == 3);

    p = select_slot(s, 1, 2);
    CHECK(p.sector == 0);
    CHECK(p.entry.ota_seq == 4);

    // Re-selecting the running slot moves a whole round forward.
    p = select_slot(s, 1, 2);
    CHECK(p.sector == 1);
    CHECK(p.entry.ota_seq == 6);
    CHECK(slot_for_seq(6, 2) == 1);
  }

  TEST_CASE("from fresh otadata, selecting slot N writes seq N+1 to sector 0") {
    for (uint32_t slot = 0; slot < 4; ++slot) {
      OtaSelectPlan plan;
      REQUIRE(next_select(OtaActive{}, slot, 4, plan) == OtaError::Ok);
      CHECK(plan.sector == 0);
      CHECK(plan.entry.ota_seq == slot + 1);
    }
  }

  TEST_CASE("any sequence of selections boots the selected slot and alternates sectors") {
    for (uint32_t count = 1; count <= 4; ++count) {
      OtaSelectEntry s[2];
      uint32_t state = 12345;
      int last_sector = -1;
      uint32_t last_seq = 0;
      for (int step = 0; step < 50; ++step) {
        state = state * 1103515245u + 12345u;
        const uint32_t target = (state >> 16) % count;
        const OtaSelectPlan p = select_slot(s, target, count);
        if (last_sector >= 0) CHECK(p.sector == 1 - last_sector);
        CHECK(p.entry.ota_seq > last_seq);
        CHECK(p.entry.ota_seq <= last_seq + count);  // the smallest such seq
        last_sector = p.sector;
        last_seq = p.entry.ota_seq;
        const OtaBootDecision d = decide(s, count);
        CHECK(d.slot == target);
        CHECK(d.sector == p.sector);
      }
    }
  }

  TEST_CASE("a power cut while writing the new entry leaves the previous selection") {
    OtaSelectEntry s[2];
    select_slot(s, 0, 2);  // seq 1 in sector 0
    s[0] = with_state(s[0], OtaState::Valid);
    OtaSelectPlan plan;
    REQUIRE(next_select(pick_boot_entry(s), 1, 2, plan) == OtaError::Ok);
    s[plan.sector] = OtaSelectEntry{};  // erased, never written
    CHECK(decide(s).slot == 0);
    s[plan.sector] = with_bad_crc(plan.entry);  // half written
    CHECK(decide(s).slot == 0);
  }

  TEST_CASE("next_select rejects impossible requests") {
    OtaSelectPlan plan;
    CHECK(next_select(OtaActive{}, 0, 0, plan) == OtaError::NoOtaSlots);
    CHECK(next_select(OtaActive{}, 0, 17, plan) == OtaError::NoOtaSlots);
    CHECK(next_select(OtaActive{}, 2, 2, plan) == OtaError::SlotOutOfRange);
    OtaActive near_end;
    near_end.sector = 0;
    near_end.entry = make_ota_entry(0xFFFFFFFD, OtaState::Valid);  // slot 0 of 2
    CHECK(next_select(near_end, 1, 2, plan) == OtaError::Ok);
    CHECK(plan.entry.ota_seq == 0xFFFFFFFE);
    CHECK(next_select(near_end, 0, 2, plan) == OtaError::SeqExhausted);
  }

  TEST_CASE("boot: a NEW selection boots and becomes PENDING_VERIFY, the app must confirm it") {
    OtaSelectEntry s[2];
    select_slot(s, 0, 2);
    s[0] = with_state(s[0], OtaState::Valid);
    const OtaSelectPlan p = select_slot(s, 1, 2);
    const OtaBootDecision d = decide(s);
    CHECK(d.slot == 1);
    CHECK(d.sector == p.sector);
    CHECK(d.pending_verify());
    CHECK(d.rewrite[p.sector]);
    CHECK_FALSE(d.rewrite[1 - p.sector]);
    CHECK(d.rewritten[p.sector] == with_state(p.entry, OtaState::PendingVerify));
    CHECK(is_valid_entry(d.rewritten[p.sector]));
    CHECK_FALSE(d.rolled_back);
  }

  TEST_CASE("boot: a confirmed selection boots with nothing written") {
    const OtaSelectEntry s[2] = {make_ota_entry(1, OtaState::Valid), make_ota_entry(2, OtaState::Valid)};
    const OtaBootDecision d = decide(s);
    CHECK(d.slot == 1);
    CHECK(d.sector == 1);
    CHECK_FALSE(d.pending_verify());
    CHECK_FALSE(d.rewrite[0]);
    CHECK_FALSE(d.rewrite[1]);
  }

  TEST_CASE("boot: an image reset while PENDING_VERIFY is aborted and the previous selection boots") {
    OtaSelectEntry s[2] = {make_ota_entry(1, OtaState::Valid), make_ota_entry(2, OtaState::PendingVerify)};
    const OtaBootDecision d = decide(s);
    CHECK(d.slot == 0);
    CHECK(d.sector == 0);
    CHECK(d.rolled_back);
    CHECK(d.rewrite[1]);
    CHECK(d.rewritten[1] == make_ota_entry(2, OtaState::Aborted));
    CHECK_FALSE(d.rewrite[0]);

    // Once written, the next boot needs no rewrite and still boots slot 0.
    s[1] = d.rewritten[1];
    const OtaBootDecision again = decide(s);
    CHECK(again.slot == 0);
    CHECK_FALSE(again.rewrite[0]);
    CHECK_FALSE(again.rewrite[1]);
    CHECK_FALSE(again.rolled_back);
  }

  TEST_CASE("boot: aborting a pending entry can promote an older NEW entry to its first boot") {
    const OtaSelectEntry s[2] = {make_ota_entry(1, OtaState::New), make_ota_entry(2, OtaState::PendingVerify)};
    const OtaBootDecision d = decide(s);
    CHECK(d.slot == 0);
    CHECK(d.pending_verify());
    CHECK(d.rewritten[0].ota_state == state_value(OtaState::PendingVerify));
    CHECK(d.rewritten[1].ota_state == state_value(OtaState::Aborted));
  }

  TEST_CASE("boot: a selected slot without a bootable image is passed over for the other selection") {
    const OtaSelectEntry s[2] = {make_ota_entry(1, OtaState::Valid), make_ota_entry(2, OtaState::New)};
    const OtaBootDecision d = decide(s, 2, 0b01);
    CHECK(d.slot == 0);
    CHECK(d.sector == 0);
    CHECK(d.rolled_back);
    // The refused NEW entry is left as it is: it never booted, so it is not pending.
    CHECK_FALSE(d.rewrite[1]);
    CHECK_FALSE(d.pending_verify());
  }

  TEST_CASE("boot: with no usable entry, the first bootable slot from ota_0 up boots") {
    // Both entries retired on purpose: nothing is written, the scan decides.
    const OtaSelectEntry retired[2] = {make_ota_entry(1, OtaState::Invalid), make_ota_entry(2, OtaState::Aborted)};
    OtaBootDecision d = decide(retired, 2, 0b11);
    CHECK(d.slot == 0);
    CHECK(d.sector == kNoOtaSector);
    CHECK_FALSE(d.rewrite[0]);
    CHECK_FALSE(d.rewrite[1]);
    d = decide(retired, 2, 0b10);
    CHECK(d.slot == 1);
    // The only valid entry selects a broken image: the scan still finds the other slot.
    const OtaSelectEntry broken[2] = {make_ota_entry(2, OtaState::Valid), OtaSelectEntry{}};
    d = decide(broken, 2, 0b01);
    CHECK(d.slot == 0);
    CHECK(d.rolled_back);
    CHECK(d.sector == kNoOtaSector);
  }

  TEST_CASE("boot: blank otadata boots the first bootable slot and records it, VALID, in sector 0") {
    const OtaSelectEntry blank[2];
    OtaBootDecision d = decide(blank, 2, 0b10);
    CHECK(d.slot == 1);
    CHECK(d.sector == 0);
    CHECK(d.rewrite[0]);
    CHECK_FALSE(d.rewrite[1]);
    CHECK(d.rewritten[0] == make_ota_entry(2, OtaState::Valid));
    CHECK(slot_for_seq(d.rewritten[0].ota_seq, 2) == 1);
    CHECK_FALSE(d.pending_verify());
    // Torn entries (CRC wrong) count as blank, as in ESP-IDF.
    const OtaSelectEntry torn[2] = {with_bad_crc(make_ota_entry(5, OtaState::Valid)), OtaSelectEntry{}};
    d = decide(torn, 2, 0b01);
    CHECK(d.slot == 0);
    CHECK(d.rewritten[0] == make_ota_entry(1, OtaState::Valid));
  }

  TEST_CASE("boot: nothing bootable, or no OTA slots, boots nothing") {
    const OtaSelectEntry s[2] = {make_ota_entry(1, OtaState::Valid), OtaSelectEntry{}};
    CHECK(decide(s, 2, 0).slot == kNoOtaSlot);
    CHECK(decide(s, 0).slot == kNoOtaSlot);
    CHECK(decide(s, 17).slot == kNoOtaSlot);
  }

  TEST_CASE("boot: whatever otadata holds, a bootable image boots if there is one, and only a bootable one") {
    // Every entry kind in both sectors, every set of bootable slots, one to three slots.
    const OtaSelectEntry kinds[] = {OtaSelectEntry{},
                                    with_bad_crc(make_ota_entry(3, OtaState::Valid)),
                                    make_ota_entry(1, OtaState::New),
                                    make_ota_entry(2, OtaState::PendingVerify),
                                    make_ota_entry(3, OtaState::Valid),
                                    make_ota_entry(4, OtaState::Invalid),
                                    make_ota_entry(5, OtaState::Aborted),
                                    make_ota_entry(6, OtaState::Undefined)};
    int cases = 0;
    for (uint32_t count = 1; count <= 3; ++count) {
      for (const auto& a : kinds) {
        for (const auto& b : kinds) {
          for (uint32_t mask = 0; mask < (1u << count); ++mask) {
            const OtaSelectEntry s[2] = {a, b};
            Images images;
            images.bootable_mask = mask;
            const OtaBootDecision d = decide(s, count, images);
            CAPTURE(count);
            CAPTURE(mask);
            CAPTURE(a.ota_seq);
            CAPTURE(b.ota_seq);
            if (mask == 0) {
              CHECK(d.slot == kNoOtaSlot);
            } else {
              REQUIRE(d.slot < count);
              CHECK(((mask >> d.slot) & 1u) == 1u);
            }
            for (int slot = 0; slot < 16; ++slot) CHECK(images.asked[slot] <= 1);  // each image read once
            // A pending entry is never booted again, and never left pending.
            for (int i = 0; i < 2; ++i) {
              if (s[i].ota_state == state_value(OtaState::PendingVerify)) {
                CHECK(d.rewrite[i]);
                CHECK(d.rewritten[i].ota_state == state_value(OtaState::Aborted));
                CHECK(d.sector != i);
              }
            }
            ++cases;
          }
        }
      }
    }
    MESSAGE("decisions checked: " << cases);
  }
}
