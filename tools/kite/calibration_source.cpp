#include "calibration_source.h"

#include <algorithm>
#include <filesystem>
#include <random>

#include "io/idx.h"
#include "io/image.h"
#include "io/npy.h"

namespace kite::cli {
namespace {

namespace fs = std::filesystem;

TensorInfo single_input(const Model& model) {
  std::vector<TensorInfo> inputs = model.inputs();
  KITE_CHECK(inputs.size() == 1 && inputs[0].dtype == DType::f32, "calibration needs a model with one f32 input");
  return inputs[0];
}

// Fills the input tensor's batch with consecutive items of `per_item` floats from `next`.
template <typename Next>
std::vector<NamedTensors> batches(const TensorInfo& in, int64_t items, int64_t per_item, Next next) {
  int64_t batch = in.shape.empty() ? 1 : in.shape[0];
  KITE_CHECK(batch >= 1 && shape_numel(in.shape) == batch * per_item, "input '", in.name, "' has shape ",
             shape_to_string(in.shape), ", which does not hold items of ", per_item, " values");
  std::vector<NamedTensors> samples;
  for (int64_t first = 0; first + batch <= items; first += batch) {
    Tensor t(DType::f32, in.shape);
    for (int64_t b = 0; b < batch; ++b) next(first + b, t.data<float>() + b * per_item);
    samples.push_back({{in.name, t}});
  }
  KITE_CHECK(!samples.empty(), "the calibration source holds ", items, " items, fewer than the model's batch of ", batch);
  return samples;
}

std::vector<NamedTensors> from_idx(const TensorInfo& in, const std::string& path, int64_t limit, float mean, float std) {
  Tensor images = read_idx(path);
  KITE_CHECK(images.dtype() == DType::u8 && images.rank() >= 2, path, ": expected unsigned-byte images [N, ...], got ",
             shape_to_string(images.shape()));
  KITE_CHECK(images.dim(0) > 0, path, " holds no images");
  int64_t count = std::min(images.dim(0), limit), per = images.numel() / images.dim(0);
  const uint8_t* px = images.data<uint8_t>();
  // The same float arithmetic as kite eval and the training script: (pixel / 255 - mean) / std.
  return batches(in, count, per, [&](int64_t i, float* out) {
    for (int64_t k = 0; k < per; ++k) out[k] = (static_cast<float>(px[i * per + k]) / 255.f - mean) / std;
  });
}

std::vector<NamedTensors> from_npy(const TensorInfo& in, const std::string& path, int64_t limit) {
  Tensor data = read_npy(path);
  KITE_CHECK(data.dtype() == DType::f32, path, ": calibration data must be float32, got ", dtype_name(data.dtype()));
  int64_t batch = in.shape.empty() ? 1 : in.shape[0], per = shape_numel(in.shape) / std::max<int64_t>(batch, 1);
  KITE_CHECK(data.rank() >= 1 && per > 0 && data.numel() % per == 0, path, " has shape ", shape_to_string(data.shape()),
             "; its items must have the shape of input '", in.name, "' ", shape_to_string(in.shape), " without the batch");
  int64_t count = std::min(data.numel() / per, limit);
  const float* x = data.data<float>();
  return batches(in, count, per, [&](int64_t i, float* out) { std::copy(x + i * per, x + (i + 1) * per, out); });
}

std::vector<NamedTensors> from_images(const TensorInfo& in, const std::string& dir, int64_t limit) {
  KITE_CHECK(in.shape.size() == 4, "input '", in.name, "' has shape ", shape_to_string(in.shape),
             "; images need an [N, C, H, W] input");
  std::vector<std::string> files;
  for (const auto& entry : fs::directory_iterator(dir))
    if (entry.is_regular_file() && is_image_path(entry.path().string())) files.push_back(entry.path().string());
  std::sort(files.begin(), files.end());
  KITE_CHECK(!files.empty(), "'", dir, "' holds no .jpg, .jpeg, .png or .bmp image");
  if (static_cast<int64_t>(files.size()) > limit) files.resize(static_cast<size_t>(limit));
  ImagePreprocess p;
  p.channels = in.shape[1];
  p.height = in.shape[2];
  p.width = in.shape[3];
  int64_t per = p.channels * p.height * p.width;
  return batches(in, static_cast<int64_t>(files.size()), per, [&](int64_t i, float* out) {
    Tensor image = load_image(files[static_cast<size_t>(i)], p);
    std::copy(image.data<float>(), image.data<float>() + per, out);
  });
}

}  // namespace

std::vector<NamedTensors> load_calibration_samples(const Model& model, const std::string& source, int64_t limit,
                                                   float mean, float std) {
  TensorInfo in = single_input(model);
  KITE_CHECK(limit > 0, "the number of calibration samples must be positive");
  KITE_CHECK(fs::exists(source), "calibration source '", source, "' does not exist");
  if (fs::is_directory(source)) return from_images(in, source, limit);
  if (fs::path(source).extension() == ".npy") return from_npy(in, source, limit);
  return from_idx(in, source, limit, mean, std);  // read_idx says so when it is not an IDX file
}

std::vector<NamedTensors> random_calibration_samples(const Model& model, int64_t count) {
  TensorInfo in = single_input(model);
  std::mt19937 random(1234);
  std::normal_distribution<float> normal(0.f, 1.f);
  std::vector<NamedTensors> samples;
  for (int64_t i = 0; i < count; ++i) {
    Tensor t(DType::f32, in.shape);
    for (int64_t k = 0; k < t.numel(); ++k) t.data<float>()[k] = normal(random);
    samples.push_back({{in.name, t}});
  }
  return samples;
}

}  // namespace kite::cli
