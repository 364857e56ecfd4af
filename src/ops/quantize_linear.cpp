// QuantizeLinear and DequantizeLinear (ONNX opsets 10-18): the boundary between float and the
// quantized types, per tensor or per slice along `axis` (opset 13). QuantizeLinear rounds half
// to even and saturates; the arithmetic is src/kernels/requantize.h's, shared with every int8
// kernel. Quantized models keep DequantizeLinear on their int8 weights: the session fuses the
// pattern DequantizeLinear -> Conv -> QuantizeLinear into an int8 convolution.
#include "kernels/requantize.h"
#include "ops/op_util.h"
#include "ops/quant_args.h"

namespace kite {
namespace {

// Index of the quantization axis and the element count of one slice's run after it.
struct AxisLayout {
  int64_t slices = 1;   // size along the axis
  int64_t inner = 1;    // elements after the axis
};

AxisLayout axis_layout(const Node& node, const Shape& shape, size_t scale_count) {
  AxisLayout a;
  if (scale_count <= 1) return a;
  int64_t axis = normalize_axis(node.attrs.get_int("axis", 1), static_cast<int64_t>(shape.size()));
  a.slices = shape[static_cast<size_t>(axis)];
  a.inner = dims_product(shape, axis + 1, static_cast<int64_t>(shape.size()));
  return a;
}

int64_t axis_size(const Node& node, const Value& x, const Value& scale) {
  if (shape_numel(scale.shape) <= 1) return 1;
  KITE_CHECK(!x.shape.empty(), "per-axis parameters need an input with an axis");
  int64_t axis = normalize_axis(node.attrs.get_int("axis", 1), static_cast<int64_t>(x.shape.size()));
  return x.shape[static_cast<size_t>(axis)];
}

std::vector<ValueType> infer_quantize(const Node& node, const std::vector<const Value*>& inputs) {
  const Value& x = required_input(inputs, 0, "x");
  const Value& scale = required_input(inputs, 1, "y_scale");
  require_dtype(x.dtype, DType::f32, "x");
  for (const char* a : {"output_dtype", "block_size", "saturate"})
    KITE_CHECK(!node.attrs.has(a), "attribute '", a, "' (opset 19+) is not supported");
  DType out = check_quant_params(scale, optional_input(inputs, 2), axis_size(node, x, scale), DType::u8, "y");
  KITE_CHECK(out == DType::u8 || out == DType::s8, "QuantizeLinear produces uint8 or int8, the zero point is ",
             dtype_name(out));
  return {{out, x.shape}};
}

template <typename Q>
void quantize_into(const float* x, Q* y, const QuantParams& q, AxisLayout a, int64_t count) {
  int32_t lo = quant_min(q.dtype), hi = quant_max(q.dtype);
  for (int64_t i = 0; i < count; ++i) {
    int64_t slice = (i / a.inner) % a.slices;
    y[i] = static_cast<Q>(quantize_value(x[i], q.scale_at(slice), q.zero_point_at(slice), lo, hi));
  }
}

void reference_quantize(const Node& node, const std::vector<const Tensor*>& inputs, std::vector<Tensor>& outputs) {
  const Tensor& x = *inputs[0];
  QuantParams q = read_quant_params(*inputs[1], optional_input(inputs, 2), DType::u8);
  AxisLayout a = axis_layout(node, x.shape(), q.scale.size());
  if (q.dtype == DType::u8) quantize_into(x.data<float>(), outputs[0].data<uint8_t>(), q, a, x.numel());
  else quantize_into(x.data<float>(), outputs[0].data<int8_t>(), q, a, x.numel());
}

std::vector<ValueType> infer_dequantize(const Node& node, const std::vector<const Value*>& inputs) {
  const Value& x = required_input(inputs, 0, "x");
  const Value& scale = required_input(inputs, 1, "x_scale");
  KITE_CHECK(is_quantized_dtype(x.dtype), "x must be uint8, int8 or int32, got ", dtype_name(x.dtype));
  KITE_CHECK(!node.attrs.has("block_size"), "attribute 'block_size' (opset 21) is not supported");
  const Value* zp = optional_input(inputs, 2);
  DType zp_type = check_quant_params(scale, zp, axis_size(node, x, scale), x.dtype, "x");
  KITE_CHECK(zp_type == x.dtype, "x is ", dtype_name(x.dtype), ", its zero point ", dtype_name(zp_type));
  return {{DType::f32, x.shape}};
}

template <typename Q>
void dequantize_from(const Q* x, float* y, const QuantParams& q, AxisLayout a, int64_t count) {
  for (int64_t i = 0; i < count; ++i) {
    int64_t slice = (i / a.inner) % a.slices;
    y[i] = dequantize_value(static_cast<int32_t>(x[i]), q.scale_at(slice), q.zero_point_at(slice));
  }
}

void reference_dequantize(const Node& node, const std::vector<const Tensor*>& inputs, std::vector<Tensor>& outputs) {
  const Tensor& x = *inputs[0];
  QuantParams q = read_quant_params(*inputs[1], optional_input(inputs, 2), x.dtype());
  if (q.dtype == DType::s32)
    for (int32_t z : q.zero_point) KITE_CHECK(z == 0, "an int32 input's zero point must be 0, got ", z);
  AxisLayout a = axis_layout(node, x.shape(), q.scale.size());
  float* y = outputs[0].data<float>();
  switch (x.dtype()) {
    case DType::u8: return dequantize_from(x.data<uint8_t>(), y, q, a, x.numel());
    case DType::s8: return dequantize_from(x.data<int8_t>(), y, q, a, x.numel());
    case DType::s32: return dequantize_from(x.data<int32_t>(), y, q, a, x.numel());
    default: fail("DequantizeLinear does not read ", dtype_name(x.dtype()));
  }
}

}  // namespace

OpDef op_quantize_linear() { return {"QuantizeLinear", 2, 3, infer_quantize, reference_quantize}; }
OpDef op_dequantize_linear() { return {"DequantizeLinear", 2, 3, infer_dequantize, reference_dequantize}; }

}  // namespace kite
