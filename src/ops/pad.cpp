// Pad: grows (or, with negative pads, crops) each axis, filling the new border with a constant,
// the nearest edge element, or the mirror image of the interior (NumPy's 'reflect'). Works for
// every dtype, byte-wise.
#include "ops/op_util.h"
#include "ops/op_args.h"

namespace kite {
namespace {

PadMode pad_mode(const Node& node) {
  std::string mode = node.attrs.get_string("mode", "constant");
  if (mode == "constant") return PadMode::constant;
  if (mode == "reflect") return PadMode::reflect;
  if (mode == "edge") return PadMode::edge;
  fail("pad mode '", mode, "' is not supported (constant, reflect and edge are)");
}

// Pads are an attribute before opset 11 and input 1 from then on; opset 18 adds input 3, the axes
// they apply to. They list every axis's begin, then every axis's end.
template <typename In>
PadArgs pad_args_of(const Node& node, const std::vector<const In*>& inputs) {
  int64_t rank = static_cast<int64_t>(shape_of(*inputs[0]).size());
  std::vector<int64_t> pads;
  if (node.opset < 11) {
    KITE_CHECK(node.attrs.has("pads"), "missing attribute 'pads'");
    pads = node.attrs.get_ints("pads", {});
  } else {
    pads = required_ints(inputs, 1, "pads");
  }
  std::vector<int64_t> all_axes;
  for (int64_t d = 0; d < rank; ++d) all_axes.push_back(d);
  std::vector<int64_t> axes = normalize_axes(optional_ints(inputs, 3, "axes").value_or(all_axes), rank);
  KITE_CHECK(pads.size() == 2 * axes.size(), "pads has ", pads.size(), " entries for ", axes.size(), " axes");
  PadArgs args{std::vector<int64_t>(static_cast<size_t>(rank), 0), std::vector<int64_t>(static_cast<size_t>(rank), 0),
               pad_mode(node)};
  for (size_t i = 0; i < axes.size(); ++i) {
    args.begin[static_cast<size_t>(axes[i])] = pads[i];
    args.end[static_cast<size_t>(axes[i])] = pads[i + axes.size()];
  }
  return args;
}

int64_t padded_dim(int64_t dim, int64_t begin, int64_t end, size_t axis) {
  int64_t out = 0;
  bool overflow = __builtin_add_overflow(dim, begin, &out) || __builtin_add_overflow(out, end, &out);
  KITE_CHECK(!overflow && out >= 0, "pads ", begin, " and ", end, " do not fit axis ", axis, " of size ", dim);
  return out;
}

void check_constant_value(const Value* value, DType data_dtype) {
  if (!value) return;
  KITE_CHECK(value->dtype == data_dtype, "constant_value is ", dtype_name(value->dtype), ", the data is ",
             dtype_name(data_dtype));
  KITE_CHECK(shape_numel(value->shape) == 1, "constant_value must be a scalar, got shape ",
             shape_to_string(value->shape));
}

std::vector<ValueType> infer_pad(const Node& node, const std::vector<const Value*>& inputs) {
  const Shape& in = inputs[0]->shape;
  PadArgs args = pad_args_of(node, inputs);
  check_constant_value(optional_input(inputs, 2), inputs[0]->dtype);
  Shape out(in.size());
  for (size_t d = 0; d < in.size(); ++d) {
    out[d] = padded_dim(in[d], args.begin[d], args.end[d], d);
    KITE_CHECK(args.mode == PadMode::constant || in[d] > 0 || out[d] == 0, "cannot ",
               args.mode == PadMode::edge ? "edge" : "reflect", "-pad axis ", d, ", which is empty");
  }
  return {{inputs[0]->dtype, out}};
}

const Tensor* fill_tensor(const Tensor* t) { return t; }
const Tensor* fill_tensor(const Value* v) { return v->constant ? &*v->constant : nullptr; }

template <typename In>
std::optional<Tensor> pad_fill_of(const Node& node, const std::vector<const In*>& inputs) {
  Tensor fill(dtype_of(*inputs[0]), {});
  if (node.opset < 11) {
    float value = node.attrs.get_float("value", 0.f);
    if (value != 0.f) set_element_from_double(fill, 0, value);
  } else if (const In* value = optional_input(inputs, 2)) {
    const Tensor* t = fill_tensor(value);
    if (!t) return std::nullopt;
    copy_elements(*t, 0, fill, 0);
  }
  return fill;
}

// NumPy's 'reflect' mirrors about the end elements without repeating them, so the padded axis
// repeats with period 2 * (n - 1).
int64_t reflect_index(int64_t i, int64_t n) {
  if (n == 1) return 0;
  int64_t period = 2 * (n - 1);
  i = ((i % period) + period) % period;
  return i < n ? i : period - i;
}

// The input index that output coordinate `i` of an axis of size `n` reads, or -1 for the constant.
int64_t source_index(int64_t i, int64_t n, PadMode mode) {
  if (i >= 0 && i < n) return i;
  switch (mode) {
    case PadMode::constant: return -1;
    case PadMode::edge: return i < 0 ? 0 : n - 1;
    case PadMode::reflect: return reflect_index(i, n);
  }
  return -1;
}

void reference_pad(const Node& node, const std::vector<const Tensor*>& inputs, std::vector<Tensor>& outputs) {
  const Tensor& in = *inputs[0];
  Tensor& out = outputs[0];
  PadArgs args = pad_args_of(node, inputs);
  Tensor fill = *pad_fill(node, inputs);
  std::vector<int64_t> in_strides = contiguous_strides(in.shape());
  for (int64_t i = 0; i < out.numel(); ++i) {
    std::vector<int64_t> index = unravel_index(i, out.shape());
    bool inside = true;
    for (size_t d = 0; d < index.size() && inside; ++d) {
      index[d] = source_index(index[d] - args.begin[d], in.dim(static_cast<int64_t>(d)), args.mode);
      inside = index[d] >= 0;
    }
    if (inside)
      copy_elements(in, offset_of(index, in_strides), out, i);
    else
      copy_elements(fill, 0, out, i);
  }
}

}  // namespace

PadArgs pad_args(const Node& node, const std::vector<const Value*>& inputs) { return pad_args_of(node, inputs); }
std::optional<Tensor> pad_fill(const Node& node, const std::vector<const Value*>& inputs) {
  return pad_fill_of(node, inputs);
}
std::optional<Tensor> pad_fill(const Node& node, const std::vector<const Tensor*>& inputs) {
  return pad_fill_of(node, inputs);
}

OpDef op_pad() { return {"Pad", 1, 4, infer_pad, reference_pad}; }

}  // namespace kite
