// Expand: broadcasts the input against a shape, both ways as NumPy does (a dimension of 1 in the
// shape keeps the input's dimension). Works for every dtype, byte-wise.
#include "ops/op_util.h"

namespace kite {
namespace {

std::vector<ValueType> infer_expand(const Node&, const std::vector<const Value*>& inputs) {
  Shape out = broadcast_shapes(inputs[0]->shape, required_ints(inputs, 1, "shape"));
  shape_numel(out);  // rejects negative dimensions and sizes that overflow
  return {{inputs[0]->dtype, out}};
}

void reference_expand(const Node&, const std::vector<const Tensor*>& inputs, std::vector<Tensor>& outputs) {
  const Tensor& in = *inputs[0];
  Tensor& out = outputs[0];
  std::vector<int64_t> strides = broadcast_strides(in.shape(), out.shape());
  for (int64_t i = 0; i < out.numel(); ++i)
    copy_elements(in, offset_of(unravel_index(i, out.shape()), strides), out, i);
}

}  // namespace

OpDef op_expand() { return {"Expand", 2, 2, infer_expand, reference_expand}; }

}  // namespace kite
