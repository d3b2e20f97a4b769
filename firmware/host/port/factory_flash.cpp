#include "port/factory_flash.hpp"

#include <openssl/evp.h>

#include <cstring>
#include <stdexcept>

#include "port/file_flash.hpp"
#include "vt132/core/bytes.hpp"

namespace vt132::hostport {
namespace {

struct Row {
  const char* label;
  uint8_t type;
  uint8_t subtype;
  uint32_t offset;
  uint32_t size;
};

// vt132-modem.md "Flash layout of the device".
constexpr Row kLayout[] = {
    {"nvs", 0x01, 0x02, 0x9000, 0x5000},
    {"otadata", 0x01, 0x00, 0xe000, 0x2000},
    {"app0", 0x00, 0x10, 0x10000, 0x140000},
    {"app1", 0x00, 0x11, 0x150000, 0x140000},
    {"spiffs", 0x01, 0x82, 0x290000, 0x170000},
};

}  // namespace

std::vector<uint8_t> vt132_partition_table() {
  std::vector<uint8_t> t(0xC00, 0xFF);
  size_t pos = 0;
  for (const Row& r : kLayout) {
    uint8_t* e = t.data() + pos;
    core::store_le16(e, 0x50AA);
    e[2] = r.type;
    e[3] = r.subtype;
    core::store_le32(e + 4, r.offset);
    core::store_le32(e + 8, r.size);
    std::memset(e + 12, 0, 16);
    std::memcpy(e + 12, r.label, std::strlen(r.label));
    core::store_le32(e + 28, 0);
    pos += 32;
  }
  uint8_t* md5 = t.data() + pos;
  md5[0] = md5[1] = 0xEB;
  unsigned len = 0;
  EVP_Digest(t.data(), pos, md5 + 16, &len, EVP_md5(), nullptr);
  return t;
}

std::vector<uint8_t> factory_flash_with_app(const std::vector<uint8_t>& app) {
  if (app.size() > 0x140000) throw std::runtime_error("app image larger than the app0 partition");
  std::vector<uint8_t> flash(kFlashSize, 0xFF);
  const auto table = vt132_partition_table();
  std::memcpy(flash.data() + 0x8000, table.data(), table.size());
  std::memcpy(flash.data() + 0x10000, app.data(), app.size());
  return flash;
}

}  // namespace vt132::hostport
