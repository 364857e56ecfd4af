// The kite CLI's subcommands. Each add_* registers its options on the app and returns the
// function that runs it once parsing succeeded; errors are thrown as kite::Error.
#pragma once
#include <CLI/CLI.hpp>
#include <functional>

namespace kite::cli {

using Command = std::function<void()>;

Command add_run_command(CLI::App& app);
Command add_info_command(CLI::App& app);
Command add_convert_command(CLI::App& app);
Command add_zoo_command(CLI::App& app);
Command add_bench_command(CLI::App& app);
Command add_eval_command(CLI::App& app);
Command add_quantize_command(CLI::App& app);
Command add_compare_command(CLI::App& app);

}  // namespace kite::cli
