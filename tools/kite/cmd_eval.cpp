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
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>

#include "commands.h"
#include "io/idx.h"
#include "kite/session.h"
#include "kite/zoo.h"
#include "model_metadata.h"
#include "model_source.h"
#include "precision.h"

namespace kite::cli {
namespace {

namespace fs = std::filesystem;

constexpr char kDatasetPrefix[] = "fashion-mnist:";
constexpr int64_t kClasses = 10;
constexpr int64_t kImageSide = 28;
// The mean and standard deviation of the Fashion-MNIST training images' pixels (scaled to
// [0, 1]): what a model trained on that set most likely expects when it does not say.
constexpr float kDefaultMean = 0.2860f;
constexpr float kDefaultStd = 0.3530f;

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


struct LabelledImages {
  Tensor images;  // u8 [N, 28, 28]
  Tensor labels;  // u8 [N]
};

// Debian's dataset-fashion-mnist ships the files gzipped; the original distribution's unpacked
// ones are accepted too.
fs::path find_idx_file(const fs::path& dir, const std::string& stem) {
  for (const std::string& name : {stem + ".gz", stem})
    if (fs::is_regular_file(dir / name)) return dir / name;
  fail("'", dir.string(), "' has no ", stem, " or ", stem, ".gz (Fashion-MNIST's test set)");
}

LabelledImages load_test_set(const fs::path& dir) {
  KITE_CHECK(fs::is_directory(dir), "dataset folder '", dir.string(), "' does not exist");
  fs::path images_path = find_idx_file(dir, "t10k-images-idx3-ubyte");
  fs::path labels_path = find_idx_file(dir, "t10k-labels-idx1-ubyte");
  LabelledImages set{read_idx(images_path.string()), read_idx(labels_path.string())};
  const Shape& shape = set.images.shape();
  KITE_CHECK(shape.size() == 3 && shape[1] == kImageSide && shape[2] == kImageSide, images_path.string(),
             ": images must have shape [N, 28, 28], got ", shape_to_string(shape));
  KITE_CHECK(set.labels.rank() == 1, labels_path.string(), ": labels must have shape [N], got ",
             shape_to_string(set.labels.shape()));
  KITE_CHECK(set.labels.numel() == shape[0], labels_path.string(), " has ", set.labels.numel(), " labels for ", shape[0],
             " images in ", images_path.string());
  const uint8_t* labels = set.labels.data<uint8_t>();
  for (int64_t i = 0; i < set.labels.numel(); ++i)
    KITE_CHECK(labels[i] < kClasses, labels_path.string(), ": label ", int(labels[i]), " of image ", i,
               " is not a class from 0 to 9");
  return set;
}

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

// The model must take [B, 1, 28, 28] floats and give 10 scores per image. B is the batch the
// model was planned for (a symbolic batch dimension is planned as 1).
int64_t check_model_fits(const Model& model) {
  std::vector<TensorInfo> inputs = model.inputs(), outputs = model.outputs();
  KITE_CHECK(inputs.size() == 1, "the model has ", inputs.size(), " inputs; eval needs a model with one image input");
  const TensorInfo& in = inputs[0];
  KITE_CHECK(in.dtype == DType::f32 && in.shape.size() == 4 && in.shape[0] >= 1 && in.shape[1] == 1 &&
                 in.shape[2] == kImageSide && in.shape[3] == kImageSide,
             "input '", in.name, "' is ", dtype_name(in.dtype), " ", shape_to_string(in.shape),
             "; Fashion-MNIST needs an f32 input of shape [1, 1, 28, 28] (or [B, 1, 28, 28])");
  int64_t batch = in.shape[0];
  const TensorInfo& out = outputs.at(0);
  KITE_CHECK(out.dtype == DType::f32 && shape_numel(out.shape) == batch * kClasses && !out.shape.empty() &&
                 out.shape[0] == batch,
             "output '", out.name, "' is ", dtype_name(out.dtype), " ", shape_to_string(out.shape), "; Fashion-MNIST needs ",
             kClasses, " f32 class scores per image ([", batch, ", ", kClasses, "])");
  return batch;
}

// The first highest score's class, as torch.argmax picks it; NaN scores never win.
int64_t top_class(const float* scores) {
  int64_t best = 0;
  for (int64_t c = 1; c < kClasses; ++c)
    if (scores[c] > scores[best] || std::isnan(scores[best])) best = c;
  return best;
}

// Images [first, first + count) into `input` ([B, 1, 28, 28]); rows past `count` are zeros.
void fill_batch(Tensor& input, const LabelledImages& set, int64_t first, int64_t count, const float (&pixel_value)[256]) {
  constexpr int64_t kPixels = kImageSide * kImageSide;
  float* x = input.data<float>();
  const uint8_t* pixels = set.images.data<uint8_t>() + first * kPixels;
  for (int64_t i = 0; i < count * kPixels; ++i) x[i] = pixel_value[pixels[i]];
  std::fill(x + count * kPixels, x + input.numel(), 0.f);
}

struct Accuracy {
  int64_t correct = 0, samples = 0;
};

// The first `samples` images, `batch` at a time (the batch the model was planned for).
Accuracy evaluate(const Model& model, int64_t batch, const LabelledImages& set, int64_t samples, const Normalization& n,
                  int threads) {
  // The same float arithmetic as the training script's: (pixel / 255 - mean) / std.
  float pixel_value[256];
  for (int p = 0; p < 256; ++p) pixel_value[p] = (static_cast<float>(p) / 255.f - n.mean) / n.std;
  SessionOptions options;
  options.threads = threads;
  Session session(model, options);
  TensorInfo in = model.inputs()[0];
  Tensor input(DType::f32, in.shape);
  const uint8_t* labels = set.labels.data<uint8_t>();
  Accuracy acc;
  for (int64_t first = 0; first < samples; first += batch) {
    int64_t count = std::min(batch, samples - first);
    fill_batch(input, set, first, count, pixel_value);
    NamedTensors outputs = session.run({{in.name, input}});
    const float* scores = outputs[0].second.data<float>();
    for (int64_t i = 0; i < count; ++i) acc.correct += top_class(scores + i * kClasses) == labels[first + i];
  }
  acc.samples = samples;
  return acc;
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
  int64_t batch = check_model_fits(model);
  std::string dir = o.dataset.substr(sizeof kDatasetPrefix - 1);
  LabelledImages set = load_test_set(dir);
  int64_t samples = set.labels.numel();
  if (o.limit > 0) samples = std::min(samples, o.limit);
  KITE_CHECK(samples > 0, "the test set in '", dir, "' has no images");
  // A quantized model file runs in int8 whatever --precision says: the result says so.
  std::string precision = o.precision == "fp32" && holds_int8(model) ? "int8" : o.precision;
  print_result(evaluate(model, batch, set, samples, n, o.threads), o, precision);
}

std::string check_dataset(const std::string& spec) {
  if (spec.rfind(kDatasetPrefix, 0) == 0 && spec.size() > sizeof kDatasetPrefix - 1) return "";
  return "must be fashion-mnist:DIR (the folder holding t10k-images-idx3-ubyte[.gz] and t10k-labels-idx1-ubyte[.gz]), got '" +
         spec + "'";
}

}  // namespace

Command add_eval_command(CLI::App& app) {
  auto o = std::make_shared<EvalOptions>();
  CLI::App* sub = app.add_subcommand("eval", "Top-1 accuracy of a classifier on a labelled test set");
  sub->add_option("model", o->model, "Model (.onnx, .kite or zoo:NAME?knob=value)")->required();
  sub->add_option("--dataset", o->dataset, "fashion-mnist:DIR, DIR holding the t10k IDX files (gzipped or not)")
      ->required()
      ->check(CLI::Validator(check_dataset, "fashion-mnist:DIR", "dataset"));
  sub->add_option("--precision", o->precision, "fp32 (default), fp16 (weights rounded to fp16) or int8")
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
