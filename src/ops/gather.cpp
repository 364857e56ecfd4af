// Gather: picks entries of `data` along one axis by (possibly negative) indices; the indices'
// shape replaces that axis in the output. Works for every data dtype, byte-wise.
#include "ops/op_util.h"

namespace kite {
namespace {

int64_t gather_axis(const Node& node, int64_t rank) {
  KITE_CHECK(rank >= 1, "cannot gather from a scalar");
  return normalize_axis(node.attrs.get_int("axis", 0), rank);
}

// Maps an index into [0, dim); out-of-range indices are an error, never a wild read.
int64_t checked_index(int64_t index, int64_t dim) {
  KITE_CHECK(index >= -dim && index < dim, "index ", index, " is out of range for a dimension of ", dim);
  return index < 0 ? index + dim : index;
}

std::vector<ValueType> infer_gather(const Node& node, const std::vector<const Value*>& inputs) {
  const Value& data = *inputs[0];
  const Value& indices = *inputs[1];
  size_t axis = static_cast<size_t>(gather_axis(node, static_cast<int64_t>(data.shape.size())));
  KITE_CHECK(indices.dtype == DType::s64 || indices.dtype == DType::s32, "indices must be s64 or s32, got ",
             dtype_name(indices.dtype));
  // Constant indices can be checked now; the kernel checks the others when it runs.
  if (indices.constant)
    for (int64_t index : tensor_ints(*indices.constant)) checked_index(index, data.shape[axis]);
  Shape out(data.shape.begin(), data.shape.begin() + static_cast<int64_t>(axis));
  out.insert(out.end(), indices.shape.begin(), indices.shape.end());
  out.insert(out.end(), data.shape.begin() + static_cast<int64_t>(axis) + 1, data.shape.end());
  return {{data.dtype, out}};
}

void reference_gather(const Node& node, const std::vector<const Tensor*>& inputs, std::vector<Tensor>& outputs) {
  const Tensor& data = *inputs[0];
  int64_t axis = gather_axis(node, data.rank());
  std::vector<int64_t> indices = input_ints(*inputs[1], "indices");
  int64_t outer = dims_product(data.shape(), 0, axis);
  int64_t dim = data.dim(axis);
  int64_t inner = dims_product(data.shape(), axis + 1, data.rank());
  int64_t count = static_cast<int64_t>(indices.size());
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t j = 0; j < count; ++j)
      copy_elements(data, (o * dim + checked_index(indices[j], dim)) * inner, outputs[0], (o * count + j) * inner,
                    inner);
}

}  // namespace

OpDef op_gather() { return {"Gather", 2, 2, infer_gather, reference_gather}; }

}  // namespace kite
