#pragma once
// Each vt132-release subcommand registers itself on the app. A command reports failure by
// throwing vt132::host::Error (exit 1, message on stderr) or by setting `exit_code`.
#include <CLI/CLI.hpp>

namespace vt132::release {

struct CommandContext {
  int exit_code = 0;
};

void add_inspect_command(CLI::App& app, CommandContext& ctx);
void add_verify_command(CLI::App& app, CommandContext& ctx);
void add_stamp_command(CLI::App& app, CommandContext& ctx);
void add_keygen_command(CLI::App& app, CommandContext& ctx);
void add_create_command(CLI::App& app, CommandContext& ctx);
void add_certs_command(CLI::App& app, CommandContext& ctx);
void add_publish_command(CLI::App& app, CommandContext& ctx);
void add_partitions_command(CLI::App& app, CommandContext& ctx);
void add_factory_command(CLI::App& app, CommandContext& ctx);
void add_delta_command(CLI::App& app, CommandContext& ctx);
void add_renew_command(CLI::App& app, CommandContext& ctx);
void add_yank_command(CLI::App& app, CommandContext& ctx);
void add_status_command(CLI::App& app, CommandContext& ctx);

}  // namespace vt132::release
