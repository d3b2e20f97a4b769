#pragma once
// NVS stand-in: key=value lines in a file, rewritten atomically on every store.
#include <map>
#include <string>

#include "vt132/core/port/system.hpp"

namespace vt132::hostport {

class FileSettings : public core::port::Settings {
 public:
  explicit FileSettings(std::string path);
  bool load(const char* key, char* out, size_t cap) override;
  bool store(const char* key, const char* value) override;

 private:
  std::string path_;
  std::map<std::string, std::string> values_;
};

}  // namespace vt132::hostport
