// LRN: local response normalization across channels of X (N, C, D1..Dk):
//   y = x / (bias + alpha / size * sum of x^2 over the channel window)^beta,
// where the window of channel c is [c - floor((size - 1) / 2), c + ceil((size - 1) / 2)], clipped.
#include <algorithm>
#include <cmath>

#include "ops/op_util.h"

namespace kite {
namespace {

std::vector<ValueType> infer_lrn(const Node& node, const std::vector<const Value*>& inputs) {
  const Value& x = required_input(inputs, 0, "X");
  require_dtype(x.dtype, DType::f32, "X");
  KITE_CHECK(x.shape.size() >= 2, "input must be (N, C, ...), got ", shape_to_string(x.shape));
  int64_t size = node.attrs.get_int("size");
  KITE_CHECK(size >= 1, "size ", size, " must be positive");
  return {{DType::f32, x.shape}};
}

void reference_lrn(const Node& node, const std::vector<const Tensor*>& inputs, std::vector<Tensor>& outputs) {
  const Tensor& x = *inputs[0];
  int64_t size = node.attrs.get_int("size");
  float alpha = node.attrs.get_float("alpha", 1e-4f);
  float beta = node.attrs.get_float("beta", 0.75f);
  float bias = node.attrs.get_float("bias", 1.0f);
  float alpha_per_element = alpha / static_cast<float>(size);
  int64_t channels = x.dim(1), plane = dims_product(x.shape(), 2, x.rank());
  std::vector<float> square_sum(static_cast<size_t>(plane));
  for (int64_t n = 0; n < x.dim(0); ++n) {
    const float* xn = x.data<float>() + n * channels * plane;
    float* yn = outputs[0].data<float>() + n * channels * plane;
    for (int64_t c = 0; c < channels; ++c) {
      int64_t first = std::max<int64_t>(0, c - (size - 1) / 2);
      int64_t last = std::min(channels - 1, c + size / 2);  // size / 2 == ceil((size - 1) / 2)
      std::fill(square_sum.begin(), square_sum.end(), 0.f);
      for (int64_t window = first; window <= last; ++window)
        for (int64_t i = 0; i < plane; ++i) square_sum[i] += xn[window * plane + i] * xn[window * plane + i];
      for (int64_t i = 0; i < plane; ++i)
        yn[c * plane + i] = xn[c * plane + i] / std::pow(bias + alpha_per_element * square_sum[i], beta);
    }
  }
}

}  // namespace

OpDef op_lrn() { return {"LRN", 1, 1, infer_lrn, reference_lrn}; }

}  // namespace kite
