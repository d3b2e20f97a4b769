#pragma once
// The one exception type of the host code. Its message is shown to the user as it is, so
// it names the file or value involved and what to do about it.
#include <stdexcept>

namespace vt132::host {

class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace vt132::host
