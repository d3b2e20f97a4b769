#include "port/esp_ota_slots.hpp"

#include <cstring>

#include "esp_log.h"

namespace vt132::espport {
namespace {

using core::port::Slot;
using core::port::SlotError;

constexpr const char* kTag = "vt132-ota";

// One translation of ESP-IDF's OTA errors for every call, so the same failure always reads
// the same to the core.
SlotError to_slot_error(esp_err_t err) {
  switch (err) {
    case ESP_OK:
      return SlotError::Ok;
    case ESP_ERR_OTA_VALIDATE_FAILED:  // not an app image, bad checksum/hash, wrong chip
    case ESP_ERR_OTA_SMALL_SEC_VER:    // secure_version below the eFuse floor
      return SlotError::InvalidImage;
    case ESP_ERR_NOT_FOUND:
    case ESP_ERR_INVALID_ARG:
    case ESP_ERR_OTA_PARTITION_CONFLICT:  // the slot is the running one
    case ESP_ERR_OTA_ROLLBACK_FAILED:     // rollback(): no other slot holds a bootable image
      return SlotError::NoSlot;
    case ESP_ERR_INVALID_SIZE:
      return SlotError::TooLarge;
    // The running image is still on probation: ESP-IDF refuses a new update until it has
    // confirmed itself (mark_running_valid), like a second begin() while one is open.
    case ESP_ERR_OTA_ROLLBACK_INVALID_STATE:
      return SlotError::Busy;
    default:  // flash timeouts and failures, otadata unreadable, no memory for the handle
      return SlotError::Flash;
  }
}

SlotError logged(const char* what, esp_err_t err) {
  if (err != ESP_OK) ESP_LOGE(kTag, "%s: %s", what, esp_err_to_name(err));
  return to_slot_error(err);
}

// Copies a fixed-size char field that may fill its array without a NUL (esp_app_desc_t's
// strings) or end in one (esp_partition_t's label); out always ends in a NUL.
template <size_t N, size_t M>
void copy_field(char (&out)[N], const char (&in)[M]) {
  static_assert(N >= M, "the core's field holds the whole ESP-IDF field");
  const size_t len = strnlen(in, M < N ? M : N - 1);
  std::memcpy(out, in, len);
  out[len] = '\0';
}

}  // namespace

const esp_partition_t* partition_of(const Slot& slot) {
  if (!slot.valid() || slot.index > ESP_PARTITION_SUBTYPE_APP_OTA_MAX - ESP_PARTITION_SUBTYPE_APP_OTA_MIN) {
    return nullptr;
  }
  const auto subtype = static_cast<esp_partition_subtype_t>(ESP_PARTITION_SUBTYPE_APP_OTA_MIN + slot.index);
  return esp_partition_find_first(ESP_PARTITION_TYPE_APP, subtype, nullptr);
}

Slot slot_of(const esp_partition_t* p) {
  Slot s;
  if (!p || p->type != ESP_PARTITION_TYPE_APP || p->subtype < ESP_PARTITION_SUBTYPE_APP_OTA_MIN ||
      p->subtype > ESP_PARTITION_SUBTYPE_APP_OTA_MAX) {
    return s;
  }
  s.index = p->subtype - ESP_PARTITION_SUBTYPE_APP_OTA_MIN;
  copy_field(s.label, p->label);
  s.offset = p->address;
  s.size = p->size;
  return s;
}

void to_app_descriptor(const esp_app_desc_t& in, core::AppDescriptor& out) {
  out = core::AppDescriptor{};
  out.secure_version = in.secure_version;
  copy_field(out.version, in.version);
  copy_field(out.project_name, in.project_name);
  copy_field(out.time, in.time);
  copy_field(out.date, in.date);
  copy_field(out.idf_ver, in.idf_ver);
  static_assert(sizeof out.app_elf_sha256 == sizeof in.app_elf_sha256, "same digest size");
  std::memcpy(out.app_elf_sha256, in.app_elf_sha256, sizeof out.app_elf_sha256);
}

Slot EspOtaSlots::running() { return slot_of(esp_ota_get_running_partition()); }

Slot EspOtaSlots::boot() { return slot_of(esp_ota_get_boot_partition()); }

Slot EspOtaSlots::next_update() { return slot_of(esp_ota_get_next_update_partition(nullptr)); }

bool EspOtaSlots::describe(const Slot& slot, core::AppDescriptor& out) {
  const esp_partition_t* p = partition_of(slot);
  esp_app_desc_t desc{};
  if (!p || esp_ota_get_partition_description(p, &desc) != ESP_OK) return false;
  to_app_descriptor(desc, out);
  return true;
}

bool EspOtaSlots::read(const Slot& slot, uint32_t offset, void* out, size_t len) {
  const esp_partition_t* p = partition_of(slot);
  if (!p || offset > p->size || len > p->size - offset) return false;
  return esp_partition_read(p, offset, out, len) == ESP_OK;
}

SlotError EspOtaSlots::begin(const Slot& slot, size_t image_size) {
  if (open_) return SlotError::Busy;
  const esp_partition_t* p = partition_of(slot);
  if (!p) return SlotError::NoSlot;
  if (image_size > p->size) return SlotError::TooLarge;
  // Sequential writes: ESP-IDF erases each sector as the writes reach it, instead of the
  // whole slot up front (which would stall the modem's poll loop for seconds).
  esp_ota_handle_t h = 0;
  const SlotError e = logged("esp_ota_begin", esp_ota_begin(p, OTA_WITH_SEQUENTIAL_WRITES, &h));
  if (e != SlotError::Ok) return e;
  open_ = p;
  handle_ = h;
  written_ = 0;
  return SlotError::Ok;
}

SlotError EspOtaSlots::write(const uint8_t* data, size_t len) {
  if (!open_) return SlotError::Busy;
  if (len > open_->size - written_) return SlotError::TooLarge;
  const SlotError e = logged("esp_ota_write", esp_ota_write(handle_, data, len));
  if (e == SlotError::Ok) written_ += len;
  return e;
}

SlotError EspOtaSlots::end() {
  if (!open_) return SlotError::Busy;
  // esp_ota_end frees the handle whatever it returns, so the update is closed either way.
  const esp_err_t err = esp_ota_end(handle_);
  open_ = nullptr;
  handle_ = 0;
  return logged("esp_ota_end", err);
}

void EspOtaSlots::abort() {
  if (!open_) return;
  esp_ota_abort(handle_);
  open_ = nullptr;
  handle_ = 0;
}

SlotError EspOtaSlots::set_boot(const Slot& slot) {
  const esp_partition_t* p = partition_of(slot);
  if (!p) return SlotError::NoSlot;
  return logged("esp_ota_set_boot_partition", esp_ota_set_boot_partition(p));
}

bool EspOtaSlots::running_pending_verify() {
  esp_ota_img_states_t state = ESP_OTA_IMG_UNDEFINED;
  return esp_ota_get_state_partition(esp_ota_get_running_partition(), &state) == ESP_OK &&
         state == ESP_OTA_IMG_PENDING_VERIFY;
}

SlotError EspOtaSlots::mark_running_valid() {
  if (!running_pending_verify()) return SlotError::Ok;  // nothing to confirm, nothing written
  return logged("esp_ota_mark_app_valid_cancel_rollback", esp_ota_mark_app_valid_cancel_rollback());
}

SlotError EspOtaSlots::rollback() {
  if (!running_pending_verify()) return SlotError::NotPending;
  // Marks the running image invalid and selects the previous one; the caller resets.
  return logged("esp_ota_mark_app_invalid_rollback", esp_ota_mark_app_invalid_rollback());
}

}  // namespace vt132::espport
