// kite convert MODEL -o OUT.kite [--fp16]
#include <cstdio>
#include <filesystem>
#include <iostream>

#include "commands.h"
#include "format/kite_file.h"
#include "graph/graph.h"
#include "model_source.h"

namespace kite::cli {
namespace {

std::string size_text(uint64_t bytes) {
  char buf[32];
  if (bytes < (1u << 20)) std::snprintf(buf, sizeof buf, "%.1f KiB", static_cast<double>(bytes) / (1 << 10));
  else std::snprintf(buf, sizeof buf, "%.2f MiB", static_cast<double>(bytes) / (1 << 20));
  return buf;
}

// What --fp16 saved: the file's size, and about what it would be with the weights at f32 (the
// narrowed bytes back; alignment padding aside).
void print_fp16_summary(const Model& model, const std::string& output) {
  uint64_t saved = 0, narrowed = 0;
  for (const Value& v : model.graph().values)
    if (v.constant && kite_stores_as_fp16(*v.constant)) {
      saved += v.constant->nbytes() / 2;
      ++narrowed;
    }
  uint64_t size = std::filesystem::file_size(output);
  std::printf("wrote %s: %s (about %s with fp32 weights; %llu weight tensors as fp16)\n", output.c_str(),
              size_text(size).c_str(), size_text(size + saved).c_str(), static_cast<unsigned long long>(narrowed));
}

}  // namespace

Command add_convert_command(CLI::App& app) {
  struct Options {
    std::string model, output;
    bool force = false;
    bool fp16 = false;
  };
  auto o = std::make_shared<Options>();
  CLI::App* sub = app.add_subcommand("convert", "Write a model as a .kite file (memory-mappable, aligned weights)");
  sub->add_option("model", o->model, "Input model (.onnx, .kite or zoo:NAME?knob=value)")->required();
  sub->add_option("-o,--output", o->output, "Output .kite file")->required();
  sub->add_flag("-f,--force", o->force, "Overwrite the output file if it exists");
  sub->add_flag("--fp16", o->fp16,
                "Store f32 weights (constants of more than 16 elements) as fp16, rounded to nearest even: about "
                "half the file; they are read back as f32");
  return [o] {
    check_output_path(o->output, o->model, o->force);
    Model model = load_model_argument(o->model);
    KiteWriteOptions options;
    options.fp16_weights = o->fp16;
    write_kite_file(model.graph(), o->output, options);
    if (o->fp16) print_fp16_summary(model, o->output);
    else std::cout << "wrote " << o->output << "\n";
  };
}

}  // namespace kite::cli
