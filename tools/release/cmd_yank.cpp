// `yank TAG`: a bad release out of what devices are offered; the previous good one latest again.
#include <iostream>
#include <memory>

#include "commands.hpp"
#include "server_options.hpp"
#include "vt132/host/yanker.hpp"

namespace vt132::release {

namespace {

struct YankOptions {
  std::string tag;
  bool draft = false;
  bool del = false;
  std::string reason;
  ServerOptions server;
};

}  // namespace

void add_yank_command(CLI::App& app, CommandContext&) {
  auto opts = std::make_shared<YankOptions>();
  CLI::App* cmd = app.add_subcommand("yank", "Withdraw a release; the previous good release becomes latest");
  cmd->add_option("TAG", opts->tag, "The release's tag, e.g. V1.8.0")->required();
  CLI::Option* draft = cmd->add_flag("--draft", opts->draft, "Make it a draft (seen only by token holders) instead");
  cmd->add_flag("--delete", opts->del, "Delete the release (its tag stays)")->excludes(draft);
  cmd->add_option("--reason", opts->reason, "Why; appended to the release notes");
  add_server_options(cmd, opts->server);
  cmd->footer(
      "By default the release becomes a prerelease named \"[yanked] <name>\": still listed, shown as\n"
      "yanked by vt132-ota-server's page, never latest. Devices that opted into prereleases may still\n"
      "see it; --draft or --delete hide it from every client. When it was latest, the highest good\n"
      "version left (published, not a prerelease, not yanked) is set as latest explicitly, so\n"
      "GitHub and vt132-ota-server answer the same.\n"
      "Example:\n"
      "  GITHUB_TOKEN=... vt132-release yank V1.8.0 --reason \"bricks boards rev A\" --repo thehighnibble/vt132");
  cmd->callback([opts] {
    host::YankRequest req;
    set_server_fields(req, opts->server, true);
    req.tag = opts->tag;
    req.mode = opts->del ? host::YankMode::Delete : opts->draft ? host::YankMode::Draft : host::YankMode::Prerelease;
    req.reason = opts->reason;
    req.say = [](const std::string& line) { std::cout << line << std::endl; };
    const host::YankResult r = host::yank_release(req);
    if (r.latest_after.empty()) {
      std::cout << "no release is latest now\n";
    } else {
      std::cout << "latest is " << r.latest_after << (r.was_latest ? " (was " + opts->tag + ")" : "") << "\n";
    }
  });
}

}  // namespace vt132::release
