// Scales and zero points of ONNX's quantized operators (QuantizeLinear, DequantizeLinear,
// QLinearConv, ...), read and checked in one place: a scale is a positive, finite f32, given once
// for the tensor (a scalar or a 1-element vector) or once per slice along an axis; a zero point
// has the quantized type (uint8, int8, or int32 for a bias) and the scale's shape.
#pragma once
#include <cstdint>
#include <utility>
#include <vector>

#include "ops/op.h"

namespace kite {

struct QuantParams {
  std::vector<float> scale;         // 1 value (per tensor) or one per slice along the axis
  std::vector<int32_t> zero_point;  // same count as scale
  DType dtype = DType::u8;          // the quantized type: u8, s8 or s32
  bool per_axis() const { return scale.size() > 1; }
  float scale_at(int64_t i) const { return scale[per_axis() ? static_cast<size_t>(i) : 0]; }
  int32_t zero_point_at(int64_t i) const { return zero_point[per_axis() ? static_cast<size_t>(i) : 0]; }
};

// The range of a quantized type: [0, 255], [-128, 127], or int32's.
int32_t quant_min(DType t);
int32_t quant_max(DType t);

// Checks the types and shapes of a scale and an optional zero point at shape-inference time.
// `slices` is the size of the quantized tensor along the axis (per-axis parameters must match
// it); `what` names the pair in messages ("x", "w", "y"). Returns the quantized dtype: the zero
// point's, or `default_dtype` when it is omitted.
DType check_quant_params(const Value& scale, const Value* zero_point, int64_t slices, DType default_dtype,
                         const char* what);

// The values, when the kernel runs (or when a pass reads constants).
QuantParams read_quant_params(const Tensor& scale, const Tensor* zero_point, DType default_dtype);

// Zero points given without a scale (ConvInteger's, MatMulInteger's): scale 1 each; omitted, one
// zero of `dtype`.
QuantParams read_zero_points(const Tensor* zero_point, DType dtype);

// Element i of a uint8 or int8 tensor, widened; and the store back (q already in the type's range).
int32_t quantized_at(const Tensor& t, int64_t i);
void store_quantized(Tensor& t, int64_t i, int32_t q);

// The output range of a quantized operator: its type's, narrowed by kite's own fused operators
// (FusedQLinearConv, ...) to [activation_qmin, activation_qmax], the quantized ReLU / ReLU6
// that followed them. Attributes of that name on an operator a file may hold are ignored.
std::pair<int32_t, int32_t> fused_output_range(const Node& node, DType y);

// Whether a dtype is one of the quantized integer types kite computes with.
bool is_quantized_dtype(DType t);

}  // namespace kite
