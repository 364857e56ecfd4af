// kite: run, inspect, convert and evaluate CNN models. Exit codes: 0 success, 1 error, 2 usage error.
#include <iostream>
#include <map>
#include <new>

#include "commands.h"
#include "kite/error.h"
#include "usage_error.h"

int main(int argc, char** argv) {
  CLI::App app{"kite: a CNN inference engine for mobile and edge CPUs"};
  app.require_subcommand(1);
  std::map<CLI::App*, kite::cli::Command> commands;
  auto add = [&](kite::cli::Command (*adder)(CLI::App&)) {
    size_t before = app.get_subcommands({}).size();
    kite::cli::Command command = adder(app);
    commands[app.get_subcommands({})[before]] = std::move(command);
  };
  add(kite::cli::add_run_command);
  add(kite::cli::add_info_command);
  add(kite::cli::add_convert_command);
  add(kite::cli::add_zoo_command);
  add(kite::cli::add_bench_command);
  add(kite::cli::add_eval_command);
  add(kite::cli::add_quantize_command);
  add(kite::cli::add_compare_command);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int code = app.exit(e);
    return code == 0 ? 0 : 2;
  }
  try {
    for (auto& [sub, command] : commands)
      if (sub->parsed()) command();
  } catch (const kite::cli::UsageError& e) {
    std::cerr << "kite: error: " << e.what() << "\n";
    return 2;
  } catch (const kite::Error& e) {
    std::cerr << "kite: error: " << e.what() << "\n";
    return 1;
  } catch (const std::bad_alloc&) {
    std::cerr << "kite: error: out of memory\n";
    return 1;
  } catch (const std::exception& e) {
    std::cerr << "kite: error: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
