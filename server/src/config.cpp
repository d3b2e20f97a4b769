#include "config.hpp"

#include "vt132/host/error.hpp"

namespace vt132::server {

HostPort parse_host_port(const std::string& text, const std::string& option) {
  HostPort hp;
  std::string port;
  if (!text.empty() && text.front() == '[') {
    const size_t close = text.find(']');
    if (close == std::string::npos || close + 1 >= text.size() || text[close + 1] != ':') {
      throw host::Error(option + " \"" + text + "\": expected [IPv6]:PORT");
    }
    hp.host = text.substr(1, close - 1);
    port = text.substr(close + 2);
  } else {
    const size_t colon = text.rfind(':');
    if (colon == std::string::npos) throw host::Error(option + " \"" + text + "\": expected ADDRESS:PORT");
    hp.host = text.substr(0, colon);
    port = text.substr(colon + 1);
  }
  if (hp.host.empty() || port.empty() || port.size() > 5 ||
      port.find_first_not_of("0123456789") != std::string::npos || std::stoi(port) < 1 || std::stoi(port) > 65535) {
    throw host::Error(option + " \"" + text + "\": expected ADDRESS:PORT with a port from 1 to 65535");
  }
  hp.port = std::stoi(port);
  return hp;
}

}  // namespace vt132::server
