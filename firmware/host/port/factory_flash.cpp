#include "port/factory_flash.hpp"

#include <cstring>

#include "port/file_flash.hpp"
#include "vt132/core/partition_table.hpp"

namespace vt132::hostport {

bool factory_flash_with_app(const std::vector<uint8_t>& app, std::vector<uint8_t>& flash, std::string& error) {
  const core::PartitionTable& table = core::vt132_default_partitions();
  const core::PartitionEntry& app0 = *core::find_ota_slot(table, 0);
  if (app.size() > app0.size) {
    error = "the app image (" + std::to_string(app.size()) + " bytes) is larger than app0 (" +
            std::to_string(app0.size) + " bytes)";
    return false;
  }
  flash.assign(kFlashSize, 0xFF);
  core::PartitionProblem problem;
  // The built-in table always serialises; a failure here is a broken build.
  if (core::serialize_partition_table(table, flash.data() + core::kPartitionTableOffset, core::kPartitionTableSize,
                                      problem) != core::PartitionError::Ok) {
    error = core::describe(problem.error);
    return false;
  }
  std::memcpy(flash.data() + app0.offset, app.data(), app.size());
  return true;
}

}  // namespace vt132::hostport
