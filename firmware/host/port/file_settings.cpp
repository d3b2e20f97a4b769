#include "port/file_settings.hpp"

#include <cstdio>
#include <cstring>
#include <fstream>

namespace vt132::hostport {

FileSettings::FileSettings(std::string path) : path_(std::move(path)) {
  std::ifstream in(path_);
  std::string line;
  while (std::getline(in, line)) {
    const auto eq = line.find('=');
    if (eq != std::string::npos) values_[line.substr(0, eq)] = line.substr(eq + 1);
  }
}

bool FileSettings::load(const char* key, char* out, size_t cap) {
  if (cap) out[0] = '\0';
  const auto it = values_.find(key);
  if (it == values_.end() || it->second.size() >= cap) return false;
  std::memcpy(out, it->second.c_str(), it->second.size() + 1);
  return true;
}

bool FileSettings::store(const char* key, const char* value) {
  if (std::strlen(value) > core::port::kMaxSettingValue || std::strchr(value, '\n')) return false;
  values_[key] = value;
  const std::string tmp = path_ + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    for (const auto& [k, v] : values_) out << k << '=' << v << '\n';
    if (!out) return false;
  }
  return std::rename(tmp.c_str(), path_.c_str()) == 0;
}

}  // namespace vt132::hostport
