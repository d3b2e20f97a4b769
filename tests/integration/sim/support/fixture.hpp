#pragma once
// One test's world: a temp directory with a local CA and server certificate, a release
// signing key, an HTTPS release server, app images and a sim flash holding V1.0.0.
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "support/sim_process.hpp"
#include "support/test_server.hpp"
#include "vt132/host/image_builder.hpp"

namespace simtest {

struct ReleaseOptions {
  std::string tag = "V1.1.0";
  bool prerelease = false;
  bool with_manifest = true;
  bool with_signature = true;
  std::string chip = "esp32";
  int64_t expires_in = 365 * 86400;    // seconds from now; negative: already expired
  uint32_t manifest_secure_version = 0;
  std::string manifest_sha256;        // override (hex) to fake a mismatch
  std::string image_asset = "VT132.bin";
  std::string manifest_image;         // override the manifest's "image" (default: image_asset)
  size_t manifest_size = 0;           // pad the (still valid) manifest with spaces to this many bytes
};

class Fixture {
 public:
  Fixture();
  ~Fixture();

  std::filesystem::path dir;
  std::filesystem::path flash;
  std::unique_ptr<TestServer> https;

  static std::string image(const std::string& version, uint32_t secure_version = 0, uint32_t bytes = 200 * 1024,
                           uint16_t chip_id = 0);
  // Publishes a GitHub-shaped release of `image_bytes` at /repos/o/r/releases/latest
  // (assets under /dl/<tag>/...). Returns the release JSON.
  std::string publish(const std::string& image_bytes, const ReleaseOptions& o = {});
  std::string latest_url() const { return https->url("/repos/o/r/releases/latest"); }

  // A sim on this flash: trusts the local CA, knows the release key, logs heap use.
  std::vector<std::string> sim_args(bool require_signature = true) const;
  std::unique_ptr<SimProcess> start(std::vector<std::string> extra = {}, bool require_signature = true);
  // Starts a sim, joins Wi-Fi, sets the update URL.
  std::unique_ptr<SimProcess> start_online(const std::string& url, std::vector<std::string> extra = {},
                                           bool require_signature = true);
  // Restarts the board and reads what it runs: "VT132 V1.1.0 app1".
  std::string running_after_restart(std::vector<std::string> extra = {});

  std::string signing_key;  // private PEM
  std::string public_key;   // public PEM
  std::string ca_cert;
  std::string last_manifest;  // the manifest text publish() served
};

}  // namespace simtest
