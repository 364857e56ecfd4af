// Transpose: output dimension i is input dimension perm[i] (perm defaults to reversing the axes).
// Works for every dtype, byte-wise.
#include "ops/op_util.h"

namespace kite {
namespace {

std::vector<int64_t> transpose_perm(const Node& node, size_t rank) {
  std::vector<int64_t> reversed;
  for (size_t i = rank; i-- > 0;) reversed.push_back(static_cast<int64_t>(i));
  std::vector<int64_t> perm = node.attrs.get_ints("perm", reversed);
  KITE_CHECK(perm.size() == rank, "perm has ", perm.size(), " entries for rank ", rank);
  std::vector<bool> seen(rank, false);
  for (int64_t p : perm) {
    KITE_CHECK(p >= 0 && p < static_cast<int64_t>(rank), "perm entry ", p, " is out of range for rank ", rank);
    KITE_CHECK(!seen[static_cast<size_t>(p)], "perm lists axis ", p, " twice");
    seen[static_cast<size_t>(p)] = true;
  }
  return perm;
}

std::vector<ValueType> infer_transpose(const Node& node, const std::vector<const Value*>& inputs) {
  const Shape& in = inputs[0]->shape;
  Shape out;
  for (int64_t p : transpose_perm(node, in.size())) out.push_back(in[static_cast<size_t>(p)]);
  return {{inputs[0]->dtype, out}};
}

void reference_transpose(const Node& node, const std::vector<const Tensor*>& inputs, std::vector<Tensor>& outputs) {
  const Tensor& in = *inputs[0];
  Tensor& out = outputs[0];
  std::vector<int64_t> perm = transpose_perm(node, in.shape().size());
  std::vector<int64_t> in_strides = contiguous_strides(in.shape());
  // Output index i walks input dimension perm[i], so it advances by that dimension's stride.
  std::vector<int64_t> strides;
  for (int64_t p : perm) strides.push_back(in_strides[static_cast<size_t>(p)]);
  for (int64_t i = 0; i < out.numel(); ++i)
    copy_elements(in, offset_of(unravel_index(i, out.shape()), strides), out, i);
}

}  // namespace

OpDef op_transpose() { return {"Transpose", 1, 1, infer_transpose, reference_transpose}; }

}  // namespace kite
