// End to end: the static export (`export` and --export-dir) of a real server's store. Every
// file must hold the bytes the live server answers for its URL with the same --public-url;
// asset files are 0644 hard links or copies; a running server refreshes its export after a
// publish, and no tree's `latest` ever names an asset file that tree lacks.
#include <doctest/doctest.h>

#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <climits>
#include <filesystem>
#include <fstream>
#include <optional>
#include <random>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "e2e_helpers.hpp"
#include "server_process.hpp"

using json = nlohmann::json;
using namespace vt132::test;
namespace fs = std::filesystem;

namespace {

const std::string kBase = "https://updates.example.test";
const std::vector<std::string> kServerArgs = {"--public-url", kBase, "--repo", "vt132/firmware", "--no-device-log"};

// The server's arguments with --export-dir OUT: a server that keeps its own export.
std::vector<std::string> with_export_dir(const fs::path& out) {
  std::vector<std::string> args = kServerArgs;
  args.insert(args.end(), {"--export-dir", out.string()});
  return args;
}

struct Scratch {
  fs::path path;
  Scratch() {
    std::random_device rd;
    path = fs::temp_directory_path() / ("vt132-export-" + std::to_string(::getpid()) + "-" + std::to_string(rd()));
    fs::create_directories(path);
  }
  ~Scratch() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
};

// As an operator runs it: with the server's options (the pages' install lines name its
// listeners), the base URL given as --base-url.
ProgramRun run_export(const ServerProcess& s, const fs::path& out, std::vector<std::string> extra = {}) {
  std::vector<std::string> argv = {VT132_OTA_SERVER,
                                   "--data",
                                   s.data_dir().string(),
                                   "--repo",
                                   "vt132/firmware",
                                   "--listen",
                                   "127.0.0.1:" + std::to_string(s.https_port()),
                                   "--http-listen",
                                   "127.0.0.1:" + std::to_string(s.http_port()),
                                   "export",
                                   "--out",
                                   out.string(),
                                   "--base-url",
                                   kBase};
  argv.insert(argv.end(), extra.begin(), extra.end());
  return run_program(argv);
}

std::string read(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

unsigned mode_of(const fs::path& p) {
  struct stat st {};
  REQUIRE(::lstat(p.c_str(), &st) == 0);
  return st.st_mode & 07777;
}

ino_t inode_of(const fs::path& p) {
  struct stat st {};
  REQUIRE(::stat(p.c_str(), &st) == 0);
  return st.st_ino;
}

std::string link_of(const fs::path& link) {
  char buf[PATH_MAX];
  const ssize_t n = ::readlink(link.c_str(), buf, sizeof buf);
  return n > 0 ? std::string(buf, static_cast<size_t>(n)) : std::string();
}

// The URL a file of the export answers, as nginx maps it (try_files $uri $uri/index.json
// $uri/index.html, /api/v3 stripped); `accept_bytes` for {id}.bytes, the octet-stream form.
struct Url {
  std::string path;
  bool accept_bytes = false;
};

Url url_of(const std::string& rel) {
  auto strip = [&](const std::string& suffix) {
    return rel.size() >= suffix.size() && rel.compare(rel.size() - suffix.size(), suffix.size(), suffix) == 0
               ? std::optional<std::string>(rel.substr(0, rel.size() - suffix.size()))
               : std::nullopt;
  };
  if (rel == "index.html") return {"/"};
  if (auto dir = strip("/index.html")) return {"/" + *dir};
  if (auto dir = strip("/index.json")) return {"/api/v3/" + *dir};
  if (rel.rfind("repos/", 0) == 0) {
    if (auto asset = strip(".bytes")) return {"/api/v3/" + *asset, true};
    return {"/api/v3/" + rel};
  }
  return {"/" + rel};
}

// Relative times on the pages ("just now", "1 minute ago") depend on the moment of
// rendering, not on the export; the <time datetime=...> attribute beside them is compared.
std::string without_relative_times(const std::string& html) {
  static const std::regex time_text("(<time [^>]*>)[^<]*(</time>)");
  return std::regex_replace(html, time_text, "$1$2");
}

// Every regular file of `tree` (its marker aside), relative to it; directories must be 0755.
std::set<std::string> files_of(const fs::path& tree) {
  std::set<std::string> out;
  for (const auto& e : fs::recursive_directory_iterator(tree)) {
    if (e.is_directory()) {
      CHECK_MESSAGE(mode_of(e.path()) == 0755, e.path().string());
      continue;
    }
    const std::string rel = fs::relative(e.path(), tree).string();
    if (rel != ".vt132-export") out.insert(rel);
  }
  return out;
}

uint64_t publish_release(const ServerProcess& s, const std::string& tag,
                         const std::vector<std::pair<std::string, std::string>>& assets, bool publish_it = true) {
  const uint64_t id = create_release(s, tag, true);
  for (const auto& [name, bytes] : assets) {
    auto up = upload(s, id, name, bytes);
    REQUIRE(up);
    REQUIRE(up->status == 201);
  }
  if (publish_it) publish(s, id);
  return id;
}

// The store files of the server's assets (DATA/store/repos/*/releases/*/assets/*).
std::vector<fs::path> store_asset_files(const fs::path& data) {
  std::vector<fs::path> out;
  for (const auto& e : fs::recursive_directory_iterator(data / "store" / "repos")) {
    if (e.is_regular_file() && e.path().parent_path().filename() == "assets") out.push_back(e.path());
  }
  return out;
}

// Every browser_download_url of the tree's `latest` names a file of that same tree.
void check_latest_resolves(const fs::path& tree) {
  const json latest = json::parse(read(tree / "repos/vt132/firmware/releases/latest"));
  REQUIRE(latest["assets"].size() > 0);
  for (const json& a : latest["assets"]) {
    const std::string url = a["browser_download_url"].get<std::string>();
    REQUIRE(url.rfind(kBase + "/", 0) == 0);
    CHECK_MESSAGE(fs::is_regular_file(tree / url.substr(kBase.size() + 1)), url);
  }
}

// How long a test waits for a refresh; the export refreshes within about 2 s.
constexpr std::chrono::seconds kRefreshWait{30};

std::string latest_tag_in(const fs::path& out) {
  std::error_code ec;
  const fs::path file = out / "repos/vt132/firmware/releases/latest";
  if (!fs::exists(file, ec)) return "";
  try {
    return json::parse(read(file))["tag_name"].get<std::string>();
  } catch (const std::exception&) {
    return "";
  }
}

}  // namespace

TEST_SUITE("server_export") {
  TEST_CASE("every exported file holds what the live server answers for its URL; drafts stay out") {
    ServerProcess s(kServerArgs);
    s.start();
    const std::string v1 = publish_v1(s, 200 * 1024);
    const std::string v11 = image("V1.1.0", 150 * 1024, 2);
    const uint64_t v11_id = publish_release(s, "V1.1.0", {{"VT132.bin", v11}, {"notes.txt", "what changed\n"}});
    const uint64_t draft_id = publish_release(s, "V2.0.0", {{"VT132.bin", image("V2.0.0", 100 * 1024, 3)}}, false);
    Scratch scratch;
    const fs::path out = scratch.path / "export";

    // Beside a running server, export refuses and says what to do instead.
    const ProgramRun busy = run_export(s, out);
    CHECK(busy.exit_code == 1);
    CHECK(busy.output.find("--export-dir") != std::string::npos);
    CHECK_FALSE(fs::exists(out));

    REQUIRE(s.stop() == 0);
    const ProgramRun done = run_export(s, out);
    INFO(done.output);
    REQUIRE(done.exit_code == 0);
    CHECK(done.output.find(" 0 hard links of store files") != std::string::npos);  // they are 0600: copies
    REQUIRE(fs::is_symlink(out));
    const fs::path tree = scratch.path / link_of(out);
    const std::set<std::string> files = files_of(tree);

    const json v11_json = json::parse(read(tree / "repos/vt132/firmware/releases" / std::to_string(v11_id)));
    std::vector<std::string> expected = {"index.html",
                                         "ca.pem",
                                         "VT132.bin",
                                         "notes.txt",
                                         "repos/vt132/firmware/index.json",
                                         "repos/vt132/firmware/releases/index.json",
                                         "repos/vt132/firmware/releases/latest",
                                         "repos/vt132/firmware/releases/tags/V1.0.0",
                                         "repos/vt132/firmware/releases/tags/V1.1.0",
                                         "repos/vt132/firmware/releases/" + std::to_string(v11_id),
                                         "vt132/firmware/index.html",
                                         "vt132/firmware/releases/index.html",
                                         "vt132/firmware/releases/latest/index.html",
                                         "vt132/firmware/releases/tag/V1.0.0/index.html",
                                         "vt132/firmware/releases/tag/V1.1.0/index.html",
                                         "vt132/firmware/releases/download/V1.0.0/VT132.bin",
                                         "vt132/firmware/releases/download/V1.1.0/VT132.bin",
                                         "vt132/firmware/releases/download/V1.1.0/notes.txt",
                                         "vt132/firmware/releases/latest/download/VT132.bin",
                                         "vt132/firmware/releases/latest/download/notes.txt"};
    for (const json& a : v11_json["assets"]) {
      const std::string id = std::to_string(a["id"].get<uint64_t>());
      expected.push_back("repos/vt132/firmware/releases/assets/" + id);
      expected.push_back("repos/vt132/firmware/releases/assets/" + id + ".bytes");
    }
    for (const std::string& rel : expected) CHECK_MESSAGE(files.count(rel) == 1, rel);
    CHECK(files.count("repos/vt132/firmware/releases/" + std::to_string(draft_id)) == 0);
    CHECK(files.count("repos/vt132/firmware/releases/tags/V2.0.0") == 0);
    CHECK(read(tree / "VT132.bin") == v11);
    CHECK(read(tree / "vt132/firmware/releases/download/V1.0.0/VT132.bin") == v1);
    check_latest_resolves(tree);

    // The same store served live with the same --public-url: byte for byte.
    s.start();
    auto cli = s.https();
    size_t compared = 0;
    // Pages first: they show the live server's download counts, which our own downloads
    // below would raise (the export's pages show the counts its Service saw: none).
    std::vector<std::string> ordered;
    for (const std::string& rel : files) {
      if (rel.size() >= 5 && rel.compare(rel.size() - 5, 5, ".html") == 0) ordered.push_back(rel);
    }
    for (const std::string& rel : files) {
      if (!(rel.size() >= 5 && rel.compare(rel.size() - 5, 5, ".html") == 0)) ordered.push_back(rel);
    }
    for (const std::string& rel : ordered) {
      CAPTURE(rel);
      CHECK(mode_of(tree / rel) == 0644);
      const Url url = url_of(rel);
      httplib::Headers headers;
      if (url.accept_bytes) headers.emplace("Accept", "application/octet-stream");
      auto res = cli->Get(url.path, headers);
      REQUIRE(res);
      CHECK(res->status == 200);
      const std::string file = read(tree / rel);
      if (rel.size() >= 5 && rel.compare(rel.size() - 5, 5, ".html") == 0) {
        CHECK(without_relative_times(file) == without_relative_times(res->body));
      } else {
        CHECK(file == res->body);
      }
      ++compared;
    }
    CHECK(compared == files.size());
    CHECK(compared >= expected.size());
  }

  TEST_CASE("asset files are hard links of world-readable store files, copies with --copy or otherwise") {
    ServerProcess s(kServerArgs);
    s.start();
    publish_v1(s, 100 * 1024);
    REQUIRE(s.stop() == 0);
    const std::vector<fs::path> store_files = store_asset_files(s.data_dir());
    REQUIRE(store_files.size() == 1);
    Scratch scratch;
    const fs::path out = scratch.path / "export";
    const std::string download = "vt132/firmware/releases/download/V1.0.0/VT132.bin";

    REQUIRE(run_export(s, out).exit_code == 0);
    CHECK(inode_of(out / download) != inode_of(store_files[0]));  // 0600 in the store: a copy
    CHECK(mode_of(store_files[0]) == 0600);

    // Nothing new: the next tree links the previous tree's file instead of copying again.
    const ino_t copied = inode_of(out / download);
    const ProgramRun again = run_export(s, out);
    INFO(again.output);
    REQUIRE(again.exit_code == 0);
    CHECK(again.output.find("(0 copies of store files") != std::string::npos);
    CHECK(again.output.find(" 1 links to the previous export's files") != std::string::npos);
    CHECK(inode_of(out / download) == copied);

    fs::permissions(store_files[0], fs::perms::others_read | fs::perms::group_read, fs::perm_options::add);
    const ProgramRun linked = run_export(s, out);
    INFO(linked.output);
    REQUIRE(linked.exit_code == 0);
    CHECK(linked.output.find(" 1 hard links of store files") != std::string::npos);
    CHECK(inode_of(out / download) == inode_of(store_files[0]));
    CHECK(inode_of(out / "VT132.bin") == inode_of(store_files[0]));
    CHECK(mode_of(out / download) == 0644);

    REQUIRE(run_export(s, out, {"--copy"}).exit_code == 0);
    CHECK(inode_of(out / download) != inode_of(store_files[0]));
    CHECK(mode_of(out / download) == 0644);
    CHECK(inode_of(out / download) != copied);
    // Four exports: the current tree and the previous one are left.
    size_t trees = 0;
    for (const auto& e : fs::directory_iterator(scratch.path / "export.trees")) trees += e.is_directory() ? 1 : 0;
    CHECK(trees == 2);
  }

  TEST_CASE("export refuses a foreign EXPORT, a missing base URL and --export-dir without --public-url") {
    ServerProcess s(kServerArgs);
    s.start();
    publish_v1(s, 100 * 1024);
    REQUIRE(s.stop() == 0);
    Scratch scratch;
    const fs::path out = scratch.path / "site";
    fs::create_directory(out);
    std::ofstream(out / "index.html") << "mine";
    const ProgramRun foreign = run_export(s, out);
    CHECK(foreign.exit_code == 1);
    CHECK(foreign.output.find("is not a static export made by vt132-ota-server") != std::string::npos);
    CHECK(read(out / "index.html") == "mine");

    const ProgramRun no_base = run_program({VT132_OTA_SERVER, "--data", s.data_dir().string(), "export", "--out",
                                            (scratch.path / "x").string()});
    CHECK(no_base.exit_code == 1);
    CHECK(no_base.output.find("--base-url") != std::string::npos);
    const ProgramRun bad_base = run_program({VT132_OTA_SERVER, "--data", s.data_dir().string(), "export", "--out",
                                             (scratch.path / "x").string(), "--base-url", "https://example.test/"});
    CHECK(bad_base.exit_code == 1);
    CHECK(bad_base.output.find("trailing '/'") != std::string::npos);
    CHECK_FALSE(fs::exists(scratch.path / "x"));

    const ProgramRun server = run_program({VT132_OTA_SERVER, "--data", s.data_dir().string(), "--listen",
                                           "127.0.0.1:" + std::to_string(free_port()), "--export-dir",
                                           (scratch.path / "y").string()});
    CHECK(server.exit_code == 1);
    CHECK(server.output.find("--export-dir needs --public-url") != std::string::npos);
  }

  TEST_CASE("a server with --export-dir exports at start and after each publish; latest never lacks its files") {
    Scratch scratch;
    const fs::path out = scratch.path / "export";
    ServerProcess s(with_export_dir(out));
    s.start();
    REQUIRE(wait_until([&] { return fs::exists(out / "index.html"); }, kRefreshWait));
    CHECK(latest_tag_in(out).empty());
    // The --repo repository exists before its first release: its empty list is exported.
    auto empty = s.https()->Get(kApi + "/releases");
    REQUIRE(empty);
    CHECK(read(out / "repos/vt132/firmware/releases/index.json") == empty->body);

    // A reader checks every tree it sees while the server publishes and re-exports.
    std::atomic<bool> done{false};
    std::atomic<long> samples{0};
    std::atomic<long> broken{0};
    std::thread reader([&] {
      while (!done.load()) {
        const std::string target = link_of(out);
        const fs::path tree = scratch.path / target;
        std::string text;
        if (!target.empty()) text = read(tree / "repos/vt132/firmware/releases/latest");
        json latest = json::parse(text, nullptr, false);
        if (text.empty() || latest.is_discarded()) continue;  // no release yet, or the tree is gone
        ++samples;
        for (const json& a : latest["assets"]) {
          const std::string url = a["browser_download_url"].get<std::string>();
          // Missing while the tree still stands (its marker is there) is the defect.
          if (!fs::exists(tree / url.substr(kBase.size() + 1)) && fs::exists(tree / ".vt132-export")) ++broken;
        }
      }
    });
    publish_v1(s, 100 * 1024);
    const bool first = wait_until([&] { return latest_tag_in(out) == "V1.0.0"; }, kRefreshWait);
    const std::string tree_v1 = link_of(out);
    publish_release(s, "V1.1.0", {{"VT132.bin", image("V1.1.0", 120 * 1024, 2)}, {"notes.txt", "n\n"}});
    const bool second = wait_until([&] { return latest_tag_in(out) == "V1.1.0"; }, kRefreshWait);
    done = true;
    reader.join();
    CHECK(first);
    CHECK(second);
    CHECK(link_of(out) != tree_v1);
    CHECK(samples.load() > 0);
    CHECK(broken.load() == 0);
    const fs::path tree = scratch.path / link_of(out);
    check_latest_resolves(tree);
    auto live = s.https()->Get(kApi + "/releases/latest");
    REQUIRE(live);
    CHECK(read(tree / "repos/vt132/firmware/releases/latest") == live->body);
    CHECK(s.log().find("export: ") != std::string::npos);
    CHECK(s.stop() == 0);  // the export thread ends with the server
  }

  TEST_CASE("a failed refresh is logged with its reason, EXPORT keeps its tree, and a later retry succeeds") {
    Scratch scratch;
    const fs::path out = scratch.path / "export";
    ServerProcess s(with_export_dir(out));
    s.start();
    REQUIRE(wait_until([&] { return fs::exists(out / "index.html"); }, kRefreshWait));
    const std::string before = link_of(out);
    // Something of the user's in EXPORT.trees: the export must refuse rather than touch it.
    const fs::path junk = scratch.path / "export.trees" / "notes.txt";
    std::ofstream(junk) << "mine";
    publish_v1(s, 100 * 1024);
    REQUIRE(wait_until([&] { return s.log().find("which is not an export tree") != std::string::npos; }, kRefreshWait));
    CHECK(s.log().find("export to " + out.string() + " failed") != std::string::npos);
    CHECK(link_of(out) == before);
    CHECK(read(junk) == "mine");
    fs::remove(junk);
    CHECK(wait_until([&] { return latest_tag_in(out) == "V1.0.0"; }, kRefreshWait));
    check_latest_resolves(scratch.path / link_of(out));
    CHECK(s.stop() == 0);
  }
}
