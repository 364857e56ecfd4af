// kite convert MODEL -o OUT.kite
#include <iostream>

#include "commands.h"
#include "model_source.h"

namespace kite::cli {

Command add_convert_command(CLI::App& app) {
  struct Options {
    std::string model, output;
    bool force = false;
  };
  auto o = std::make_shared<Options>();
  CLI::App* sub = app.add_subcommand("convert", "Write a model as a .kite file (memory-mappable, aligned weights)");
  sub->add_option("model", o->model, "Input model (.onnx, .kite or zoo:NAME?knob=value)")->required();
  sub->add_option("-o,--output", o->output, "Output .kite file")->required();
  sub->add_flag("-f,--force", o->force, "Overwrite the output file if it exists");
  return [o] {
    check_output_path(o->output, o->model, o->force);
    Model model = load_model_argument(o->model);
    model.save_kite(o->output);
    std::cout << "wrote " << o->output << "\n";
  };
}

}  // namespace kite::cli
