// ReduceMean: the mean over some axes (all of them when none are given, unless
// noop_with_empty_axes), keeping them as 1s when keepdims (the default).
#include "ops/op_args.h"
#include "ops/op_util.h"

namespace kite {
namespace {

// Axes come from an attribute before opset 18 and from input 1 from then on.
template <typename In>
std::vector<bool> reduced_axes(const Node& node, const std::vector<const In*>& inputs) {
  int64_t rank = static_cast<int64_t>(shape_of(*inputs[0]).size());
  KITE_CHECK(node.opset >= 18 || !optional_input(inputs, 1), "axes are an attribute before opset 18, not an input");
  std::vector<int64_t> axes = node.opset < 18 ? node.attrs.get_ints("axes", {})
                                              : optional_ints(inputs, 1, "axes").value_or(std::vector<int64_t>{});
  if (axes.empty())
    return std::vector<bool>(static_cast<size_t>(rank), node.attrs.get_int("noop_with_empty_axes", 0) == 0);
  std::vector<bool> reduced(static_cast<size_t>(rank), false);
  for (int64_t a : normalize_axes(axes, rank)) reduced[static_cast<size_t>(a)] = true;
  return reduced;
}

// The output shape with reduced axes kept as 1s; the real output drops them unless keepdims.
Shape kept_shape(const Shape& in, const std::vector<bool>& reduced) {
  Shape kept = in;
  for (size_t d = 0; d < in.size(); ++d)
    if (reduced[d]) kept[d] = 1;
  return kept;
}

std::vector<ValueType> infer_reduce_mean(const Node& node, const std::vector<const Value*>& inputs) {
  require_dtype(inputs[0]->dtype, DType::f32, "input");
  const Shape& in = inputs[0]->shape;
  std::vector<bool> reduced = reduced_axes(node, inputs);
  if (node.attrs.get_int("keepdims", 1) != 0) return {{DType::f32, kept_shape(in, reduced)}};
  Shape out;
  for (size_t d = 0; d < in.size(); ++d)
    if (!reduced[d]) out.push_back(in[d]);
  return {{DType::f32, out}};
}

// Sums every input element into its output element, then divides by the group size (an empty
// group gives 0 / 0 = NaN, as NumPy's mean does).
void reference_reduce_mean(const Node& node, const std::vector<const Tensor*>& inputs, std::vector<Tensor>& outputs) {
  const Tensor& in = *inputs[0];
  Tensor& out = outputs[0];
  // Strides into the kept shape are 0 along reduced axes, mapping an input index to its output.
  std::vector<int64_t> out_strides = broadcast_strides(kept_shape(in.shape(), reduced_axes(node, inputs)), in.shape());
  std::vector<double> sums(static_cast<size_t>(out.numel()), 0.0);
  for (int64_t i = 0; i < in.numel(); ++i)
    sums[static_cast<size_t>(offset_of(unravel_index(i, in.shape()), out_strides))] += in.data<float>()[i];
  double group = out.numel() == 0 ? 0.0 : static_cast<double>(in.numel() / out.numel());
  for (int64_t o = 0; o < out.numel(); ++o)
    out.data<float>()[o] = static_cast<float>(sums[static_cast<size_t>(o)] / group);
}

}  // namespace

std::vector<bool> reduce_mean_axes(const Node& node, const std::vector<const Value*>& inputs) {
  return reduced_axes(node, inputs);
}

OpDef op_reduce_mean() { return {"ReduceMean", 1, 2, infer_reduce_mean, reference_reduce_mean}; }

}  // namespace kite
