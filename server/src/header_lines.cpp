#include "header_lines.hpp"

#include <stdexcept>

namespace vt132::server {

namespace {

// RFC 9110 field names are tokens: visible ASCII without delimiters; here only what would
// break the line matters.
void check_name(std::string_view name) {
  if (name.empty() || name.find_first_of("\r\n: ") != std::string_view::npos) {
    throw std::invalid_argument("not a header name: \"" + std::string(name) + "\"");
  }
}

void check_value(std::string_view value) {
  if (value.find_first_of("\r\n") != std::string_view::npos) {
    throw std::invalid_argument("header value with a line break");
  }
}

}  // namespace

HeaderLines& HeaderLines::add(std::string_view name, std::string_view value) {
  check_name(name);
  check_value(value);
  if (name_.empty()) {
    name_ = name;
    value_ = value;
  } else {
    value_.append("\r\n").append(name).append(": ").append(value);
  }
  return *this;
}

}  // namespace vt132::server
