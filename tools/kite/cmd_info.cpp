// kite info MODEL [--json]: per-layer output shape, parameters and MACs, with totals.
#include <algorithm>
#include <cstdio>
#include <iostream>
#include <nlohmann/json.hpp>

#include "commands.h"
#include "model_source.h"

namespace kite::cli {
namespace {

// 3504872 -> "3.50M"; the short form people quote architectures by.
std::string human(int64_t n) {
  char buf[32];
  if (n >= 1000000000) std::snprintf(buf, sizeof buf, "%.2fG", n / 1e9);
  else if (n >= 1000000) std::snprintf(buf, sizeof buf, "%.2fM", n / 1e6);
  else if (n >= 1000) std::snprintf(buf, sizeof buf, "%.1fK", n / 1e3);
  else std::snprintf(buf, sizeof buf, "%lld", static_cast<long long>(n));
  return buf;
}

void print_json(const std::vector<LayerStats>& rows) {
  nlohmann::json layers = nlohmann::json::array();
  int64_t params = 0, macs = 0;
  for (const LayerStats& r : rows) {
    layers.push_back({{"name", r.name}, {"op", r.op}, {"output_shape", r.output_shape}, {"params", r.params}, {"macs", r.macs}});
    params += r.params;
    macs += r.macs;
  }
  std::cout << nlohmann::json{{"params", params}, {"macs", macs}, {"layers", layers}}.dump() << "\n";
}

void print_table(const Model& model, const std::vector<LayerStats>& rows) {
  size_t name_width = 4;
  for (const LayerStats& r : rows) name_width = std::max(name_width, std::min<size_t>(r.name.size(), 48));
  std::printf("%-*s  %-20s  %-22s  %12s  %14s\n", static_cast<int>(name_width), "name", "op", "output shape", "params", "MACs");
  int64_t params = 0, macs = 0;
  for (const LayerStats& r : rows) {
    std::printf("%-*s  %-20s  %-22s  %12lld  %14lld\n", static_cast<int>(name_width), r.name.c_str(), r.op.c_str(),
                shape_to_string(r.output_shape).c_str(), static_cast<long long>(r.params), static_cast<long long>(r.macs));
    params += r.params;
    macs += r.macs;
  }
  std::printf("\n");
  for (const TensorInfo& in : model.inputs())
    std::printf("input   %s %s %s\n", in.name.c_str(), dtype_name(in.dtype), shape_to_string(in.shape).c_str());
  for (const TensorInfo& out : model.outputs())
    std::printf("output  %s %s %s\n", out.name.c_str(), dtype_name(out.dtype), shape_to_string(out.shape).c_str());
  std::printf("layers  %zu\nparams  %lld (%s)\nMACs    %lld (%s)\n", rows.size(), static_cast<long long>(params),
              human(params).c_str(), static_cast<long long>(macs), human(macs).c_str());
}

}  // namespace

Command add_info_command(CLI::App& app) {
  struct Options {
    std::string model;
    bool json = false;
  };
  auto o = std::make_shared<Options>();
  CLI::App* sub = app.add_subcommand("info", "Print each layer's output shape, parameters and MACs, and totals");
  sub->add_option("model", o->model, "Model (.onnx, .kite or zoo:NAME?knob=value)")->required();
  sub->add_flag("--json", o->json, "Print one JSON object instead of a table");
  return [o] {
    Model model = load_model_argument(o->model, ModelUse::kInspect);
    std::vector<LayerStats> rows = model.layer_stats();
    if (o->json) print_json(rows);
    else print_table(model, rows);
  };
}

}  // namespace kite::cli
