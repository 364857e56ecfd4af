// kite zoo list | kite zoo export MODEL -o FILE.kite|FILE.onnx
#include <iostream>

#include "commands.h"
#include "kite/onnx.h"
#include "kite/zoo.h"
#include "model_source.h"

namespace kite::cli {
namespace {

void list_models() {
  for (const ZooModelInfo& m : zoo_list()) {
    std::cout << m.name << "  " << m.description << "\n";
    for (const ZooKnob& k : m.knobs) std::printf("    %-12s %-8s %s\n", k.name.c_str(), k.default_value.c_str(), k.description.c_str());
  }
  std::cout << "\nUse as MODEL: 'zoo:NAME?knob=value&knob=value', e.g. 'zoo:mobilenet_v1?alpha=0.5&resolution=160'\n";
}

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

void export_model(const std::string& spec, const std::string& output, bool force) {
  KITE_CHECK(ends_with(output, ".kite") || ends_with(output, ".onnx"), "output '", output,
             "' must end in .kite or .onnx");
  check_output_path(output, "", force);
  std::string full = is_zoo_spec(spec) ? spec : "zoo:" + spec;
  Model model = load_model_argument(full, ModelUse::kRun);
  if (ends_with(output, ".onnx")) export_onnx(model, output);
  else model.save_kite(output);
  std::cout << "wrote " << output << "\n";
}

}  // namespace

Command add_zoo_command(CLI::App& app) {
  struct Options {
    std::string model, output;
    bool force = false;
  };
  auto o = std::make_shared<Options>();
  CLI::App* zoo = app.add_subcommand("zoo", "The model zoo: list its architectures, export one");
  zoo->require_subcommand(1);
  CLI::App* list = zoo->add_subcommand("list", "List the architectures, their knobs and defaults");
  CLI::App* exp = zoo->add_subcommand("export", "Build a zoo model and write it as .kite or .onnx");
  exp->add_option("model", o->model, "NAME or NAME?knob=value&... (zoo: prefix optional)")->required();
  exp->add_option("-o,--output", o->output, "Output file, .kite or .onnx")->required();
  exp->add_flag("-f,--force", o->force, "Overwrite the output file if it exists");
  return [o, list] {
    if (list->parsed()) list_models();
    else export_model(o->model, o->output, o->force);
  };
}

}  // namespace kite::cli
