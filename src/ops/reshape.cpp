// Reshape, Flatten, Squeeze and Unsqueeze: they only relabel the shape, so their reference kernel
// copies the data unchanged (byte-wise, for every dtype); the work is in shape inference.
#include <algorithm>

#include "ops/op_util.h"

namespace kite {
namespace {

void reference_relabel(const Node&, const std::vector<const Tensor*>& inputs, std::vector<Tensor>& outputs) {
  copy_elements(*inputs[0], 0, outputs[0], 0, inputs[0]->numel());
}

// Reshape's target: 0 copies the input dimension at the same index (unless allowzero, where it
// means a zero dimension) and one -1 takes whatever size keeps the element count.
Shape reshape_target(const Shape& in, const std::vector<int64_t>& spec, bool allow_zero) {
  Shape out(spec.size());
  std::optional<size_t> inferred;
  for (size_t i = 0; i < spec.size(); ++i) {
    if (spec[i] == -1) {
      KITE_CHECK(!inferred, "shape has two -1 entries");
      inferred = i;
      out[i] = 1;
    } else if (spec[i] == 0 && !allow_zero) {
      KITE_CHECK(i < in.size(), "shape entry ", i, " is 0 (copy the input dimension) but the input has rank ",
                 in.size());
      out[i] = in[i];
    } else {
      KITE_CHECK(spec[i] >= 0, "shape has the invalid entry ", spec[i]);
      out[i] = spec[i];
    }
  }
  int64_t total = shape_numel(in);
  if (inferred) {
    int64_t known = shape_numel(out);
    KITE_CHECK(known != 0 && total % known == 0, "cannot infer the -1 entry reshaping ", shape_to_string(in), " to ",
               shape_to_string(spec));
    out[*inferred] = total / known;
  }
  KITE_CHECK(shape_numel(out) == total, "cannot reshape ", shape_to_string(in), " (", total, " elements) to ",
             shape_to_string(spec));
  return out;
}

std::vector<ValueType> infer_reshape(const Node& node, const std::vector<const Value*>& inputs) {
  std::vector<int64_t> spec;
  if (node.opset < 5) {
    KITE_CHECK(node.attrs.has("shape"), "missing attribute 'shape'");
    spec = node.attrs.get_ints("shape", {});
  } else {
    spec = required_ints(inputs, 1, "shape");
  }
  bool allow_zero = node.attrs.get_int("allowzero", 0) != 0;
  return {{inputs[0]->dtype, reshape_target(inputs[0]->shape, spec, allow_zero)}};
}

// Flatten's axis may also equal the rank (everything goes to the first dimension).
std::vector<ValueType> infer_flatten(const Node& node, const std::vector<const Value*>& inputs) {
  const Shape& in = inputs[0]->shape;
  int64_t rank = static_cast<int64_t>(in.size());
  int64_t axis = node.attrs.get_int("axis", 1);
  KITE_CHECK(axis >= -rank && axis <= rank, "axis ", axis, " is out of range for rank ", rank);
  if (axis < 0) axis += rank;
  return {{inputs[0]->dtype, {dims_product(in, 0, axis), dims_product(in, axis, rank)}}};
}

// Axes come from an attribute before opset 13 and from input 1 from then on.
std::optional<std::vector<int64_t>> axes_attribute_or_input(const Node& node, const std::vector<const Value*>& inputs) {
  if (node.opset >= 13) return optional_ints(inputs, 1, "axes");
  KITE_CHECK(!optional_input(inputs, 1), "axes are an attribute before opset 13, not an input");
  if (node.attrs.has("axes")) return node.attrs.get_ints("axes", {});
  return std::nullopt;
}

// Without axes (or with an empty list) Squeeze removes every dimension of size 1.
std::vector<ValueType> infer_squeeze(const Node& node, const std::vector<const Value*>& inputs) {
  const Shape& in = inputs[0]->shape;
  std::vector<int64_t> axes = normalize_axes(axes_attribute_or_input(node, inputs).value_or(std::vector<int64_t>{}),
                                             static_cast<int64_t>(in.size()));
  Shape out;
  for (size_t d = 0; d < in.size(); ++d) {
    bool listed = std::find(axes.begin(), axes.end(), static_cast<int64_t>(d)) != axes.end();
    KITE_CHECK(!listed || in[d] == 1, "cannot squeeze axis ", d, " of size ", in[d]);
    bool squeezed = axes.empty() ? in[d] == 1 : listed;
    if (!squeezed) out.push_back(in[d]);
  }
  return {{inputs[0]->dtype, out}};
}

// Unsqueeze's axes index the output, which has one dimension per axis more than the input.
std::vector<ValueType> infer_unsqueeze(const Node& node, const std::vector<const Value*>& inputs) {
  const Shape& in = inputs[0]->shape;
  std::optional<std::vector<int64_t>> given = axes_attribute_or_input(node, inputs);
  KITE_CHECK(given, "axes are missing");
  int64_t out_rank = static_cast<int64_t>(in.size() + given->size());
  std::vector<int64_t> axes = normalize_axes(*given, out_rank);
  Shape out;
  auto next_input_dim = in.begin();
  for (int64_t d = 0; d < out_rank; ++d) {
    bool inserted = std::find(axes.begin(), axes.end(), d) != axes.end();
    out.push_back(inserted ? 1 : *next_input_dim++);
  }
  return {{inputs[0]->dtype, out}};
}

}  // namespace

OpDef op_reshape() { return {"Reshape", 1, 2, infer_reshape, reference_relabel}; }
OpDef op_flatten() { return {"Flatten", 1, 1, infer_flatten, reference_relabel}; }
OpDef op_squeeze() { return {"Squeeze", 1, 2, infer_squeeze, reference_relabel}; }
OpDef op_unsqueeze() { return {"Unsqueeze", 1, 2, infer_unsqueeze, reference_relabel}; }

}  // namespace kite
