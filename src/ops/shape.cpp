// Shape: the input's dimensions as a 1-D int64 tensor, optionally only dimensions [start, end)
// (opset 15; negative values count from the end, both are clamped to [0, rank]).
#include <algorithm>

#include "ops/op_util.h"

namespace kite {
namespace {

struct DimRange {
  int64_t begin, end;
};

DimRange shape_range(const Node& node, int64_t rank) {
  auto clamp_to_rank = [rank](int64_t v) { return std::min(std::max(v < 0 ? v + rank : v, int64_t{0}), rank); };
  int64_t begin = clamp_to_rank(node.attrs.get_int("start", 0));
  int64_t end = clamp_to_rank(node.attrs.get_int("end", rank));
  return {begin, std::max(begin, end)};
}

std::vector<ValueType> infer_shape(const Node& node, const std::vector<const Value*>& inputs) {
  DimRange r = shape_range(node, static_cast<int64_t>(inputs[0]->shape.size()));
  return {{DType::s64, {r.end - r.begin}}};
}

void reference_shape(const Node& node, const std::vector<const Tensor*>& inputs, std::vector<Tensor>& outputs) {
  const Tensor& in = *inputs[0];
  DimRange r = shape_range(node, in.rank());
  for (int64_t d = r.begin; d < r.end; ++d) outputs[0].data<int64_t>()[d - r.begin] = in.dim(d);
}

}  // namespace

OpDef op_shape() { return {"Shape", 1, 1, infer_shape, reference_shape}; }

}  // namespace kite
