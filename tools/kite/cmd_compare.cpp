// kite compare MODEL_A MODEL_B [--input FILE.npy] [--top N] [--json]
// Layer-by-layer error of MODEL_B against MODEL_A (src/quant/compare_models.h): cosine
// similarity, SQNR in dB and the largest absolute error of every tensor they share, worst first.
// Without --input, both run on one seeded random input (normal, mean 0, std 1): for a quantized
// model, a real input (within the calibrated ranges) says more.
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "calibration_source.h"
#include "commands.h"
#include "io/npy.h"
#include "fashion_mnist.h"
#include "model_metadata.h"
#include "model_source.h"
#include "quant/compare_models.h"

namespace kite::cli {
namespace {

struct CompareOptions {
  std::string a, b, input;
  int64_t top = 0;
  bool json = false;
  int threads = 0;
};

// The input: a .npy file, or the first image of an IDX file or image folder (normalized as for
// kite quantize: the model's metadata file, else Fashion-MNIST's statistics).
NamedTensors compare_inputs(const Model& m, const std::string& model_argument, const std::string& path) {
  if (path.empty()) return random_calibration_samples(m, 1)[0];
  std::vector<TensorInfo> inputs = m.inputs();
  KITE_CHECK(inputs.size() == 1, "--input needs a model with one input; it has ", inputs.size());
  if (std::filesystem::path(path).extension() == ".npy") return {{inputs[0].name, read_npy(path)}};
  Normalization n = read_model_normalization(model_argument).value_or(Normalization{kDefaultMean, kDefaultStd});
  return load_calibration_samples(m, path, 1, n.mean, n.std)[0];
}

// Infinity (identical tensors) as JSON's null would lose the meaning: a large finite number.
double json_db(double db) { return std::isinf(db) ? 999.0 : db; }

void run_compare(const CompareOptions& o) {
  Model a = load_model_argument(o.a);
  Model b = load_model_argument(o.b);
  std::vector<TensorError> errors = compare_models(a, b, compare_inputs(a, o.a, o.input), o.threads);
  size_t shown = o.top > 0 ? std::min(errors.size(), static_cast<size_t>(o.top)) : errors.size();
  if (o.json) {
    nlohmann::json out = nlohmann::json::array();
    for (size_t i = 0; i < shown; ++i) {
      const TensorError& e = errors[i];
      out.push_back({{"tensor", e.name}, {"node", e.producer}, {"shape", e.shape}, {"cosine", e.cosine},
                     {"sqnr_db", json_db(e.sqnr_db)}, {"max_abs", e.max_abs}});
    }
    std::printf("%s\n", out.dump().c_str());
    return;
  }
  std::printf("%-48s %-20s %10s %9s %11s\n", "tensor (worst first)", "shape", "cosine", "SQNR dB", "max |err|");
  for (size_t i = 0; i < shown; ++i) {
    const TensorError& e = errors[i];
    std::printf("%-48s %-20s %10.6f %9.2f %11.4g\n", e.name.c_str(), shape_to_string(e.shape).c_str(), e.cosine,
                e.sqnr_db, e.max_abs);
  }
  std::printf("%zu tensors compared\n", errors.size());
}

}  // namespace

Command add_compare_command(CLI::App& app) {
  auto o = std::make_shared<CompareOptions>();
  CLI::App* sub = app.add_subcommand("compare", "Per-layer error between two models of one network (fp32 vs int8 or fp16)");
  sub->add_option("model_a", o->a, "Reference model (.onnx, .kite or zoo:NAME)")->required();
  sub->add_option("model_b", o->b, "Model compared with it (its quantized or fp16 form)")->required();
  sub->add_option("-i,--input", o->input, "Input: a .npy file, or the first image of an IDX file or image folder (default: seeded random normal values)");
  sub->add_option("--top", o->top, "Show the N worst tensors only")->check(CLI::PositiveNumber);
  sub->add_option("-t,--threads", o->threads, "Threads")->check(CLI::NonNegativeNumber);
  sub->add_flag("--json", o->json, "Print a JSON array: tensor, node, shape, cosine, sqnr_db, max_abs");
  return [o] { run_compare(*o); };
}

}  // namespace kite::cli
