// Fashion-MNIST's test set and top-1 accuracy over it: what kite eval reports and what
// kite quantize --max-drop holds the int8 model to.
#pragma once
#include <cstdint>
#include <string>

#include "kite/model.h"
#include "kite/session.h"
#include "model_metadata.h"

namespace kite::cli {

constexpr char kDatasetPrefix[] = "fashion-mnist:";
// The mean and standard deviation of the Fashion-MNIST training images' pixels (scaled to
// [0, 1]): what a model trained on that set most likely expects when it does not say.
constexpr float kDefaultMean = 0.2860f;
constexpr float kDefaultStd = 0.3530f;

struct LabelledImages {
  Tensor images;  // u8 [N, 28, 28]
  Tensor labels;  // u8 [N]
};

// The t10k IDX files in `dir` (gzipped or not), checked.
LabelledImages load_test_set(const std::string& dir);

// For --dataset's validator (CLI11): "" for fashion-mnist:DIR, else the message.
std::string check_dataset(const std::string& spec);
// DIR of "fashion-mnist:DIR".
std::string dataset_folder(const std::string& spec);

// The batch the model was planned for; throws unless it takes [B, 1, 28, 28] floats and gives
// 10 scores per image.
int64_t check_model_fits(const Model& model);

struct Accuracy {
  int64_t correct = 0, samples = 0;
  double top1() const { return samples ? static_cast<double>(correct) / static_cast<double>(samples) : 0.0; }
};

// The first `samples` images, in batches of the model's planned size, in a session with `options`.
Accuracy evaluate(const Model& model, const LabelledImages& set, int64_t samples, const Normalization& n,
                  const SessionOptions& options);

}  // namespace kite::cli
