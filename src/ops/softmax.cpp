// Softmax over groups of `n` elements that sit `inner` apart. From opset 13 a group is one axis
// (default -1); before, the input is coerced to 2-D at 'axis' (default 1) and a group is the whole
// flattened trailing block.
#include <algorithm>
#include <cmath>

#include "ops/op_util.h"

namespace kite {
namespace {

struct SoftmaxGroups {
  int64_t outer, n, inner;
};

SoftmaxGroups softmax_groups(const Node& node, const Shape& shape) {
  int64_t rank = static_cast<int64_t>(shape.size());
  KITE_CHECK(rank >= 1, "softmax needs an input of rank 1 or more");
  if (node.opset < 13) {
    int64_t axis = normalize_axis(node.attrs.get_int("axis", 1), rank);
    return {dims_product(shape, 0, axis), dims_product(shape, axis, rank), 1};
  }
  int64_t axis = normalize_axis(node.attrs.get_int("axis", -1), rank);
  return {dims_product(shape, 0, axis), shape[static_cast<size_t>(axis)], dims_product(shape, axis + 1, rank)};
}

std::vector<ValueType> infer_softmax(const Node& node, const std::vector<const Value*>& inputs) {
  require_dtype(inputs[0]->dtype, DType::f32, "input");
  softmax_groups(node, inputs[0]->shape);
  return {{DType::f32, inputs[0]->shape}};
}

// Subtracting the group's maximum keeps exp() from overflowing; it does not change the result.
void reference_softmax(const Node& node, const std::vector<const Tensor*>& inputs, std::vector<Tensor>& outputs) {
  SoftmaxGroups g = softmax_groups(node, inputs[0]->shape());
  const float* x = inputs[0]->data<float>();
  float* y = outputs[0].data<float>();
  for (int64_t o = 0; o < g.outer; ++o) {
    for (int64_t in = 0; in < g.inner; ++in) {
      auto at = [&](int64_t k) { return (o * g.n + k) * g.inner + in; };
      double max = -INFINITY;
      for (int64_t k = 0; k < g.n; ++k) max = std::max(max, static_cast<double>(x[at(k)]));
      double sum = 0;
      for (int64_t k = 0; k < g.n; ++k) sum += std::exp(x[at(k)] - max);
      for (int64_t k = 0; k < g.n; ++k) y[at(k)] = static_cast<float>(std::exp(x[at(k)] - max) / sum);
    }
  }
}

}  // namespace

OpDef op_softmax() { return {"Softmax", 1, 1, infer_softmax, reference_softmax}; }

}  // namespace kite
