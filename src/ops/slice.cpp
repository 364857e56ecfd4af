// Slice: takes start:end:step along chosen axes, clamping as the ONNX spec says (so INT64_MAX
// and INT64_MIN mean "to the end" in either direction). Works for every dtype, byte-wise.
#include <algorithm>

#include "ops/op_util.h"
#include "ops/op_args.h"

namespace kite {
namespace {

struct SliceArgs {
  std::vector<int64_t> starts, ends;
  std::optional<std::vector<int64_t>> axes, steps;
};

std::vector<int64_t> required_attr_ints(const Node& node, const char* name) {
  KITE_CHECK(node.attrs.has(name), "missing attribute '", name, "'");
  return node.attrs.get_ints(name, {});
}

// Attributes before opset 10, inputs from then on.
template <typename In>
SliceArgs slice_args(const Node& node, const std::vector<const In*>& inputs) {
  SliceArgs args;
  if (node.opset < 10) {
    args.starts = required_attr_ints(node, "starts");
    args.ends = required_attr_ints(node, "ends");
    if (node.attrs.has("axes")) args.axes = node.attrs.get_ints("axes", {});
    return args;
  }
  args.starts = required_ints(inputs, 1, "starts");
  args.ends = required_ints(inputs, 2, "ends");
  args.axes = optional_ints(inputs, 3, "axes");
  args.steps = optional_ints(inputs, 4, "steps");
  return args;
}

// How many of start, start + step, ... lie before `end` (clamped bounds, so no overflow).
int64_t slice_count(int64_t start, int64_t end, int64_t step) {
  int64_t distance = end - start;
  if (step > 0) return distance <= 0 ? 0 : 1 + (distance - 1) / step;
  return distance >= 0 ? 0 : 1 + (distance + 1) / step;
}

void slice_axis(int64_t dim, int64_t start, int64_t end, int64_t step, SliceWindow& w, size_t axis) {
  KITE_CHECK(step != 0, "slice step is 0 on axis ", axis);
  if (start < 0) start += dim;
  if (end < 0) end += dim;
  if (step > 0) {
    start = std::min(std::max(start, int64_t{0}), dim);
    end = std::min(std::max(end, int64_t{0}), dim);
  } else {
    start = std::min(std::max(start, int64_t{0}), dim - 1);
    end = std::min(std::max(end, int64_t{-1}), dim - 1);
  }
  w.start[axis] = start;
  w.step[axis] = step;
  w.shape[axis] = slice_count(start, end, step);
}

template <typename In>
SliceWindow slice_window_of(const Node& node, const std::vector<const In*>& inputs) {
  const Shape& in = shape_of(*inputs[0]);
  int64_t rank = static_cast<int64_t>(in.size());
  SliceArgs args = slice_args(node, inputs);
  size_t n = args.starts.size();
  std::vector<int64_t> axes(n);
  for (size_t i = 0; i < n; ++i) axes[i] = static_cast<int64_t>(i);
  axes = normalize_axes(args.axes.value_or(axes), rank);
  std::vector<int64_t> steps = args.steps.value_or(std::vector<int64_t>(n, 1));
  KITE_CHECK(args.ends.size() == n && axes.size() == n && steps.size() == n, "starts, ends, axes and steps have ", n,
             ", ", args.ends.size(), ", ", axes.size(), " and ", steps.size(), " entries");
  SliceWindow w{std::vector<int64_t>(in.size(), 0), std::vector<int64_t>(in.size(), 1), in};
  for (size_t i = 0; i < n; ++i) {
    size_t axis = static_cast<size_t>(axes[i]);
    slice_axis(in[axis], args.starts[i], args.ends[i], steps[i], w, axis);
  }
  return w;
}

std::vector<ValueType> infer_slice(const Node& node, const std::vector<const Value*>& inputs) {
  return {{inputs[0]->dtype, slice_window_of(node, inputs).shape}};
}

void reference_slice(const Node& node, const std::vector<const Tensor*>& inputs, std::vector<Tensor>& outputs) {
  const Tensor& in = *inputs[0];
  SliceWindow w = slice_window_of(node, inputs);
  std::vector<int64_t> in_strides = contiguous_strides(in.shape());
  Tensor& out = outputs[0];
  for (int64_t i = 0; i < out.numel(); ++i) {
    std::vector<int64_t> index = unravel_index(i, out.shape());
    for (size_t d = 0; d < index.size(); ++d) index[d] = w.start[d] + index[d] * w.step[d];
    copy_elements(in, offset_of(index, in_strides), out, i);
  }
}

}  // namespace

SliceWindow slice_window(const Node& node, const std::vector<const Value*>& inputs) {
  return slice_window_of(node, inputs);
}

OpDef op_slice() { return {"Slice", 1, 5, infer_slice, reference_slice}; }

}  // namespace kite
