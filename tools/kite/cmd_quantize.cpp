// kite quantize MODEL -o OUT.kite --calib SOURCE [--method minmax|kl|percentile] [--percentile P]
//               [--samples N] [--exclude NODE,...] [--max-drop X --eval DATASET] [--export-onnx OUT.onnx]
// Post-training int8 quantization (src/quant/quantize_model.h), calibrated on SOURCE: an IDX
// image file, a .npy batch or a folder of images (calibration_source.h). The model's metadata
// file (normalization) is copied next to the output, so that kite eval reads the same inputs.
// --max-drop X --eval fashion-mnist:DIR: mixed precision. While the int8 model's top-1 is more
// than X points below the fp32 model's, the next most damaged layer (by kite compare's ranking on
// the first calibration sample: lowest SQNR first) is kept in fp32 and the model quantized again.
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <unistd.h>

#include "calibration_source.h"
#include "fashion_mnist.h"
#include "graph/graph.h"
#include "quant/compare_models.h"
#include "commands.h"
#include "kite/onnx.h"
#include "model_metadata.h"
#include "model_source.h"
#include "quant/quantize_model.h"

namespace kite::cli {
namespace {

namespace fs = std::filesystem;

struct QuantizeArgs {
  std::string model, output, calib, method = "minmax", export_onnx;
  double percentile = 99.99;
  int64_t samples = 256;
  std::vector<std::string> exclude;
  float mean = kDefaultMean, std = kDefaultStd;  // Fashion-MNIST's training statistics, for IDX sources
  bool mean_given = false, std_given = false;
  int threads = 0;
  bool force = false;
  double max_drop = -1;  // points; negative: no accuracy target
  std::string eval;
  int64_t eval_limit = 0;  // test images --max-drop evaluates; 0: all
  int weight_bits = 8;
};

// A bar on a terminal, a line per tenth otherwise (logs stay readable).
std::function<void(int64_t, int64_t)> progress_printer() {
  bool terminal = isatty(fileno(stderr));
  return [terminal](int64_t done, int64_t total) {
    if (terminal) {
      int width = 30, filled = static_cast<int>(width * done / total);
      std::fprintf(stderr, "\rcalibrating [%s%s] %lld/%lld", std::string(static_cast<size_t>(filled), '#').c_str(),
                   std::string(static_cast<size_t>(width - filled), ' ').c_str(), static_cast<long long>(done),
                   static_cast<long long>(total));
      if (done == total) std::fprintf(stderr, "\n");
    } else if (done == total || (done * 10 / total) != ((done - 1) * 10 / total)) {
      std::fprintf(stderr, "calibrating: %lld/%lld runs\n", static_cast<long long>(done), static_cast<long long>(total));
    }
  };
}

// The node a mixed-precision step keeps in fp32 for a damaged tensor: its producer, or, for the
// ReLU / Clip of a convolution, that convolution (whose output the activation's range quantizes).
// BatchNormalization, which the quantizer folds into the convolution before it, maps to that
// convolution too.
std::string layer_of(const Graph& g, const std::string& producer) {
  auto node_named = [&](const std::string& name) -> const Node* {
    for (const Node& n : g.nodes)
      if (n.name == name) return &n;
    return nullptr;
  };
  auto producer_of = [&](int v) -> const Node* {
    for (const Node& n : g.nodes)
      if (!n.outputs.empty() && n.outputs[0] == v) return &n;
    return nullptr;
  };
  const Node* n = node_named(producer);
  if (n && (n->op == "Relu" || n->op == "Clip") && !n->inputs.empty()) {
    const Node* p = producer_of(n->inputs[0]);
    if (p) n = p;
  }
  if (n && n->op == "BatchNormalization" && !n->inputs.empty()) {
    const Node* p = producer_of(n->inputs[0]);
    if (p) n = p;
  }
  return n ? n->name : producer;
}

Model quantize_within_drop(const Model& fp32, const std::vector<NamedTensors>& samples, QuantizeOptions o,
                           const QuantizeArgs& a, const Normalization& n) {
  LabelledImages set = load_test_set(dataset_folder(a.eval));
  SessionOptions session;
  session.threads = a.threads;
  int64_t count = a.eval_limit > 0 ? std::min(a.eval_limit, set.labels.numel()) : set.labels.numel();
  double base = evaluate(fp32, set, count, n, session).top1();
  Model int8 = quantize_model(fp32, samples, o);
  double top1 = evaluate(int8, set, count, n, session).top1();
  std::printf("fp32 top-1 %.2f%%, int8 %.2f%% (%zu layers in fp32)\n", 100 * base, 100 * top1, o.exclude.size());
  std::vector<std::string> ranked;
  for (const TensorError& e : compare_models(fp32, int8, samples[0], a.threads)) {
    std::string layer = layer_of(fp32.graph(), e.producer);
    if (std::find(ranked.begin(), ranked.end(), layer) == ranked.end() &&
        std::find(o.exclude.begin(), o.exclude.end(), layer) == o.exclude.end())
      ranked.push_back(layer);
  }
  o.progress = nullptr;  // one line per step instead
  int64_t convs = static_cast<int64_t>(quantizable_nodes(fp32).size()), kept_convs = 0;
  for (const std::string& layer : ranked) {
    if (100 * (base - top1) <= a.max_drop) break;
    std::vector<std::string> all = quantizable_nodes(fp32);
    bool is_conv = std::find(all.begin(), all.end(), layer) != all.end();
    if (is_conv && kept_convs + 1 == convs) break;  // the last int8 convolution: nothing would be left
    kept_convs += is_conv;
    o.exclude.push_back(layer);
    int8 = quantize_model(fp32, samples, o);
    top1 = evaluate(int8, set, count, n, session).top1();
    std::printf("kept %s in fp32: int8 %.2f%% (%zu layers in fp32)\n", layer.c_str(), 100 * top1, o.exclude.size());
  }
  KITE_CHECK(100 * (base - top1) <= a.max_drop, "the top-1 drop is ", 100 * (base - top1), " points with every ",
             "ranked layer in fp32, above --max-drop ", a.max_drop);
  return int8;
}

void run_quantize(const QuantizeArgs& a) {
  check_output_path(a.output, a.model, a.force);
  if (!a.export_onnx.empty()) {
    check_output_path(a.export_onnx, a.model, a.force);
    KITE_CHECK(fs::absolute(a.export_onnx).lexically_normal() != fs::absolute(a.output).lexically_normal(),
               "-o and --export-onnx name the same file '", a.output, "'");
  }
  fs::path metadata_out = fs::path(a.output).replace_extension(".json");
  std::optional<Normalization> normalization = read_model_normalization(a.model);
  // The output's metadata file may be the input's own (net.onnx -> net.kite): nothing to copy.
  bool same_metadata = normalization && fs::exists(metadata_out) && fs::equivalent(metadata_path(a.model), metadata_out);
  if (normalization && !same_metadata) check_output_path(metadata_out.string(), a.model, a.force);
  Model fp32 = load_model_argument(a.model);
  float mean = a.mean_given ? a.mean : normalization ? normalization->mean : a.mean;
  float std = a.std_given ? a.std : normalization ? normalization->std : a.std;
  std::vector<NamedTensors> samples = load_calibration_samples(fp32, a.calib, a.samples, mean, std);
  QuantizeOptions o;
  o.method = parse_calibration_method(a.method);
  o.percentile = a.percentile;
  o.exclude = a.exclude;
  o.threads = a.threads;
  o.weight_bits = a.weight_bits;
  o.progress = progress_printer();
  Model int8 = a.max_drop >= 0 ? quantize_within_drop(fp32, samples, o, a, Normalization{mean, std})
                               : quantize_model(fp32, samples, o);
  int8.save_kite(a.output);
  std::printf("wrote %s (%s calibration, %zu samples)\n", a.output.c_str(), a.method.c_str(), samples.size());
  if (!a.export_onnx.empty()) {
    export_onnx(int8, a.export_onnx);
    std::printf("wrote %s (QDQ ONNX)\n", a.export_onnx.c_str());
  }
  if (normalization && !same_metadata) {
    fs::copy_file(metadata_path(a.model), metadata_out, fs::copy_options::overwrite_existing);
    std::printf("wrote %s (the model's metadata)\n", metadata_out.string().c_str());
  }
}

}  // namespace

Command add_quantize_command(CLI::App& app) {
  auto a = std::make_shared<QuantizeArgs>();
  CLI::App* sub = app.add_subcommand("quantize", "Quantize a model to int8 after training (calibrated on sample inputs)");
  sub->add_option("model", a->model, "fp32 model (.onnx, .kite or zoo:NAME?knob=value)")->required();
  sub->add_option("-o,--output", a->output, "Output .kite file")->required();
  sub->add_option("--calib", a->calib, "Calibration inputs: an IDX image file, a .npy batch [N, ...] or a folder of images")
      ->required();
  sub->add_option("--method", a->method, "Activation ranges: minmax (default), kl or percentile")
      ->check(CLI::IsMember({"minmax", "kl", "percentile"}));
  sub->add_option("--percentile", a->percentile, "For --method percentile: the percentile kept (default 99.99)")
      ->check(CLI::Range(50.0, 100.0));
  sub->add_option("--samples", a->samples, "Calibration samples used at most (default 256)")->check(CLI::PositiveNumber);
  sub->add_option("--weight-bits", a->weight_bits,
                  "8 (default): weights in [-127, 127]; 7: in [-63, 63], faster on AVX2 CPUs without VNNI")
      ->check(CLI::IsMember({7, 8}));
  sub->add_option("--exclude", a->exclude, "Nodes left in fp32 (comma-separated names)")->delimiter(',');
  CLI::Option* drop = sub->add_option("--max-drop", a->max_drop,
                                      "Keep the most damaged layers in fp32 until the top-1 drop on --eval is at most X points")
                          ->check(CLI::NonNegativeNumber);
  CLI::Option* eval = sub->add_option("--eval", a->eval, "fashion-mnist:DIR, the test set --max-drop is measured on")
                          ->check(CLI::Validator(check_dataset, "fashion-mnist:DIR", "dataset"));
  sub->add_option("--eval-limit", a->eval_limit, "--max-drop: evaluate the first N test images only")
      ->check(CLI::PositiveNumber)
      ->needs(eval);
  drop->needs(eval);
  eval->needs(drop);
  sub->add_option("--export-onnx", a->export_onnx, "Also write the quantized model as a QDQ ONNX file");
  CLI::Option* mean = sub->add_option("--mean", a->mean, "IDX sources: normalization mean (default: the model's metadata)");
  CLI::Option* std = sub->add_option("--std", a->std, "IDX sources: normalization std (default: the model's metadata)");
  sub->add_option("-t,--threads", a->threads, "Threads for the calibration runs")->check(CLI::NonNegativeNumber);
  sub->add_flag("-f,--force", a->force, "Overwrite output files that exist");
  return [a, mean, std] {
    a->mean_given = mean->count() > 0;
    a->std_given = std->count() > 0;
    run_quantize(*a);
  };
}

}  // namespace kite::cli
