#include "fashion_mnist.h"

#include <algorithm>
#include <cmath>
#include <filesystem>

#include "io/idx.h"
#include "kite/session.h"

namespace kite::cli {
namespace {

namespace fs = std::filesystem;

constexpr int64_t kClasses = 10;
constexpr int64_t kImageSide = 28;

// Debian's dataset-fashion-mnist ships the files gzipped; the original distribution's unpacked
// ones are accepted too.
fs::path find_idx_file(const fs::path& dir, const std::string& stem) {
  for (const std::string& name : {stem + ".gz", stem})
    if (fs::is_regular_file(dir / name)) return dir / name;
  fail("'", dir.string(), "' has no ", stem, " or ", stem, ".gz (Fashion-MNIST's test set)");
}

}  // namespace

LabelledImages load_test_set(const std::string& dir_name) {
  fs::path dir(dir_name);
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

namespace {

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

// The first `samples` images, `batch` at a time (the batch the model was planned for).
}  // namespace

Accuracy evaluate(const Model& model, const LabelledImages& set, int64_t samples, const Normalization& n,
                  const SessionOptions& options) {
  int64_t batch = check_model_fits(model);
  // The same float arithmetic as the training script's: (pixel / 255 - mean) / std.
  float pixel_value[256];
  for (int p = 0; p < 256; ++p) pixel_value[p] = (static_cast<float>(p) / 255.f - n.mean) / n.std;
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


std::string check_dataset(const std::string& spec) {
  if (spec.rfind(kDatasetPrefix, 0) == 0 && spec.size() > sizeof kDatasetPrefix - 1) return "";
  return "must be fashion-mnist:DIR (the folder holding t10k-images-idx3-ubyte[.gz] and t10k-labels-idx1-ubyte[.gz]), got '" +
         spec + "'";
}

std::string dataset_folder(const std::string& spec) { return spec.substr(sizeof kDatasetPrefix - 1); }

}  // namespace kite::cli
