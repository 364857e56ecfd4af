// BatchNormalization in its inference form: each channel of X (N, C, D1..Dk) is normalized
// with the given running mean and variance, then scaled and shifted.
#include <cmath>

#include "ops/op_util.h"

namespace kite {
namespace {

const char* const kParameterNames[] = {"scale", "B", "input_mean", "input_var"};

std::vector<ValueType> infer_batch_normalization(const Node& node, const std::vector<const Value*>& inputs) {
  KITE_CHECK(node.outputs.size() == 1 && node.attrs.get_int("training_mode", 0) == 0,
             "training mode (batch statistics, running mean and variance outputs) is not supported: kite runs "
             "inference only");
  KITE_CHECK(node.attrs.get_int("spatial", 1) == 1,
             "spatial=0 (per-element statistics, BatchNormalization before opset 9) is not supported");
  const Value& x = required_input(inputs, 0, "X");
  require_dtype(x.dtype, DType::f32, "X");
  KITE_CHECK(x.shape.size() >= 2, "input must be (N, C, ...), got ", shape_to_string(x.shape));
  for (size_t i = 0; i < 4; ++i) {
    const Value& p = required_input(inputs, i + 1, kParameterNames[i]);
    require_dtype(p.dtype, DType::f32, kParameterNames[i]);
    KITE_CHECK(p.shape == Shape{x.shape[1]}, kParameterNames[i], " has shape ", shape_to_string(p.shape),
               ", expected [", x.shape[1], "] (one value per channel)");
  }
  return {{DType::f32, x.shape}};
}

void reference_batch_normalization(const Node& node, const std::vector<const Tensor*>& inputs,
                                   std::vector<Tensor>& outputs) {
  const Tensor& x = *inputs[0];
  const float* scale = inputs[1]->data<float>();
  const float* bias = inputs[2]->data<float>();
  const float* mean = inputs[3]->data<float>();
  const float* var = inputs[4]->data<float>();
  float epsilon = node.attrs.get_float("epsilon", 1e-5f);
  int64_t channels = x.dim(1), plane = dims_product(x.shape(), 2, x.rank());
  for (int64_t n = 0; n < x.dim(0); ++n)
    for (int64_t c = 0; c < channels; ++c) {
      const float* xp = x.data<float>() + (n * channels + c) * plane;
      float* yp = outputs[0].data<float>() + (n * channels + c) * plane;
      float deviation = std::sqrt(var[c] + epsilon);
      for (int64_t i = 0; i < plane; ++i) yp[i] = scale[c] * (xp[i] - mean[c]) / deviation + bias[c];
    }
}

}  // namespace

OpDef op_batch_normalization() {
  return {"BatchNormalization", 5, 5, infer_batch_normalization, reference_batch_normalization};
}

}  // namespace kite
