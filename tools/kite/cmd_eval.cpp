// kite eval MODEL --dataset fashion-mnist:DIR [--precision fp32|fp16|int8] [--limit N] [--threads N]
//                 [--mean M --std S] [--json]
// Top-1 accuracy of an image classifier over a labelled test set: Fashion-MNIST's 10,000 test
// images (IDX files, gzipped or plain). Each image is scaled to [0, 1] and normalized as
// (x - mean) / std, with mean and std from --mean / --std, else from the model's metadata file
// (MODEL with its extension replaced by .json: {"input": {"mean": M, "std": S}}), else the
// Fashion-MNIST training images' own statistics.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>

#include "commands.h"
#include "kite/session.h"
#include "fashion_mnist.h"
#include "model_metadata.h"
#include "model_source.h"
#include "precision.h"

namespace kite::cli {
namespace {

namespace fs = std::filesystem;

struct EvalOptions {
  std::string model;
  std::string dataset;
  std::string precision = "fp32";
  int64_t limit = 0;
  int threads = 0;
  float mean = 0, std = 1;
  bool mean_given = false, std_given = false;
  bool json = false;
};


// --mean and --std, else the model's metadata file, else the defaults.
Normalization resolve_normalization(const EvalOptions& o) {
  Normalization n{kDefaultMean, kDefaultStd};
  if (!o.mean_given || !o.std_given) {
    fs::path metadata = metadata_path(o.model);
    if (std::optional<Normalization> given = read_model_normalization(o.model)) {
      n = *given;
    } else {
      // Said on stderr: a wrong normalization costs accuracy silently.
      std::fprintf(stderr, "kite: no metadata file%s%s; by default normalizing with mean %.4f and std %.4f (--mean, --std)\n",
                   metadata.empty() ? "" : " ", metadata.string().c_str(), double(kDefaultMean), double(kDefaultStd));
    }
  }
  if (o.mean_given) n.mean = o.mean;
  if (o.std_given) n.std = o.std;
  KITE_CHECK(std::isfinite(n.mean) && std::isfinite(n.std) && n.std != 0.f, "the normalization needs a finite mean and a "
             "non-zero std, got mean ", n.mean, " and std ", n.std);
  return n;
}

void print_result(const Accuracy& acc, const EvalOptions& o, const std::string& precision) {
  double top1 = static_cast<double>(acc.correct) / static_cast<double>(acc.samples);
  if (o.json) {
    // The key order and spacing of the documented form: {"top1": 0.9123, "samples": 10000, ...}.
    std::printf("{\"top1\": %s, \"samples\": %lld, \"precision\": %s}\n", nlohmann::json(top1).dump().c_str(),
                static_cast<long long>(acc.samples), nlohmann::json(precision).dump().c_str());
  } else {
    std::printf("top-1 %.2f%% over %lld images (%s)\n", 100 * top1, static_cast<long long>(acc.samples), precision.c_str());
  }
}

void run_eval(const EvalOptions& o) {
  Normalization n = resolve_normalization(o);
  Model model = apply_precision(load_model_argument(o.model), o.precision);
  check_model_fits(model);
  std::string dir = o.dataset.substr(sizeof kDatasetPrefix - 1);
  LabelledImages set = load_test_set(dir);
  int64_t samples = set.labels.numel();
  if (o.limit > 0) samples = std::min(samples, o.limit);
  KITE_CHECK(samples > 0, "the test set in '", dir, "' has no images");
  // A quantized model file runs in int8 whatever --precision says: the result says so.
  std::string precision = o.precision == "fp32" && holds_int8(model) ? "int8" : o.precision;
  SessionOptions session;
  session.threads = o.threads;
  apply_precision(o.precision, session);
  note_precision(o.precision);
  print_result(evaluate(model, set, samples, n, session), o, precision);
}

}  // namespace

Command add_eval_command(CLI::App& app) {
  auto o = std::make_shared<EvalOptions>();
  CLI::App* sub = app.add_subcommand("eval", "Top-1 accuracy of a classifier on a labelled test set");
  sub->add_option("model", o->model, "Model (.onnx, .kite or zoo:NAME?knob=value)")->required();
  sub->add_option("--dataset", o->dataset, "fashion-mnist:DIR, DIR holding the t10k IDX files (gzipped or not)")
      ->required()
      ->check(CLI::Validator(check_dataset, "fashion-mnist:DIR", "dataset"));
  sub->add_option("--precision", o->precision, "fp32 (default), fp16 (weights rounded to fp16, fp16 arithmetic where the CPU has it) or int8")
      ->check(CLI::Validator(check_precision, "fp32|fp16|int8", "precision"));
  sub->add_option("--limit", o->limit, "Evaluate the first N images only")->check(CLI::PositiveNumber);
  sub->add_option("-t,--threads", o->threads, "Threads (default: one per core)")->check(CLI::NonNegativeNumber);
  CLI::Option* mean = sub->add_option(
      "--mean", o->mean, "Normalization mean, after scaling pixels to [0, 1] (default: the model's metadata file, else 0.2860)");
  CLI::Option* std = sub->add_option("--std", o->std, "Normalization standard deviation (default: the model's metadata file, else 0.3530)");
  sub->add_flag("--json", o->json, "Print {\"top1\": ..., \"samples\": ..., \"precision\": ...}");
  return [o, mean, std] {
    o->mean_given = mean->count() > 0;
    o->std_given = std->count() > 0;
    run_eval(*o);
  };
}

}  // namespace kite::cli
