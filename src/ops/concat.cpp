// Concat: joins inputs along one axis. Works for every dtype, byte-wise.
#include <limits>

#include "ops/op_util.h"

namespace kite {
namespace {

int64_t concat_axis(const Node& node, int64_t rank) {
  KITE_CHECK(rank >= 1, "cannot concatenate scalars");
  return normalize_axis(node.attrs.get_int("axis"), rank);
}

std::vector<ValueType> infer_concat(const Node& node, const std::vector<const Value*>& inputs) {
  const Value& first = *inputs[0];
  int64_t rank = static_cast<int64_t>(first.shape.size());
  int64_t axis = concat_axis(node, rank);
  Shape out = first.shape;
  out[static_cast<size_t>(axis)] = 0;
  for (size_t i = 0; i < inputs.size(); ++i) {
    KITE_CHECK(inputs[i], "input ", i, " is missing");
    const Value& in = *inputs[i];
    KITE_CHECK(in.dtype == first.dtype, "input ", i, " is ", dtype_name(in.dtype), ", input 0 is ",
               dtype_name(first.dtype));
    KITE_CHECK(static_cast<int64_t>(in.shape.size()) == rank, "input ", i, " has rank ", in.shape.size(),
               ", input 0 has rank ", rank);
    for (int64_t d = 0; d < rank; ++d)
      KITE_CHECK(d == axis || in.shape[d] == first.shape[d], "input ", i, " has shape ", shape_to_string(in.shape),
                 ", which does not match input 0's ", shape_to_string(first.shape), " outside axis ", axis);
    int64_t& total = out[static_cast<size_t>(axis)];
    KITE_CHECK(!__builtin_add_overflow(total, in.shape[static_cast<size_t>(axis)], &total), "the inputs' sizes along ",
               "axis ", axis, " add up to more than an int64 holds");
  }
  return {{first.dtype, out}};
}

// Each of the `outer` rows of the output is the inputs' rows laid end to end.
void reference_concat(const Node& node, const std::vector<const Tensor*>& inputs, std::vector<Tensor>& outputs) {
  Tensor& out = outputs[0];
  int64_t axis = concat_axis(node, out.rank());
  int64_t outer = dims_product(out.shape(), 0, axis);
  int64_t out_offset = 0;
  for (int64_t o = 0; o < outer; ++o) {
    for (const Tensor* in : inputs) {
      int64_t row = dims_product(in->shape(), axis, in->rank());
      copy_elements(*in, o * row, out, out_offset, row);
      out_offset += row;
    }
  }
}

}  // namespace

OpDef op_concat() { return {"Concat", 1, std::numeric_limits<int>::max(), infer_concat, reference_concat}; }

}  // namespace kite
