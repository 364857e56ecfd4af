#include "ops/quant_args.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "ops/op_util.h"

namespace kite {

int32_t quant_min(DType t) {
  switch (t) {
    case DType::u8: return 0;
    case DType::s8: return -128;
    case DType::s32: return std::numeric_limits<int32_t>::min();
    default: fail("not a quantized type: ", dtype_name(t));
  }
}

int32_t quant_max(DType t) {
  switch (t) {
    case DType::u8: return 255;
    case DType::s8: return 127;
    case DType::s32: return std::numeric_limits<int32_t>::max();
    default: fail("not a quantized type: ", dtype_name(t));
  }
}

std::pair<int32_t, int32_t> fused_output_range(const Node& node, DType y) {
  int32_t lo = quant_min(y), hi = quant_max(y);
  const OpDef* def = find_op(node.op);
  if (!def || !def->internal) return {lo, hi};  // the attributes are kite's own operators' only
  int64_t qmin = node.attrs.get_int("activation_qmin", lo), qmax = node.attrs.get_int("activation_qmax", hi);
  KITE_CHECK(qmin <= qmax, "activation_qmin ", qmin, " is above activation_qmax ", qmax);
  return {static_cast<int32_t>(std::max<int64_t>(lo, qmin)), static_cast<int32_t>(std::min<int64_t>(hi, qmax))};
}

QuantParams read_zero_points(const Tensor* zero_point, DType dtype) {
  int64_t count = zero_point ? zero_point->numel() : 1;
  Tensor ones = Tensor::from_floats({count}, std::vector<float>(static_cast<size_t>(count), 1.f));
  return read_quant_params(ones, zero_point, dtype);
}

int32_t quantized_at(const Tensor& t, int64_t i) {
  return t.dtype() == DType::u8 ? t.data<uint8_t>()[i] : t.data<int8_t>()[i];
}

void store_quantized(Tensor& t, int64_t i, int32_t q) {
  if (t.dtype() == DType::u8) t.data<uint8_t>()[i] = static_cast<uint8_t>(q);
  else t.data<int8_t>()[i] = static_cast<int8_t>(q);
}

bool is_quantized_dtype(DType t) { return t == DType::u8 || t == DType::s8 || t == DType::s32; }

DType check_quant_params(const Value& scale, const Value* zero_point, int64_t slices, DType default_dtype,
                         const char* what) {
  require_dtype(scale.dtype, DType::f32, "scale");
  KITE_CHECK(scale.shape.size() <= 1, what, "_scale must be a scalar or a vector, got shape ",
             shape_to_string(scale.shape));
  int64_t count = shape_numel(scale.shape);
  KITE_CHECK(count == 1 || count == slices, what, "_scale has ", count, " values; expected 1 or ", slices,
             " (one per slice along the axis)");
  DType dtype = default_dtype;
  if (zero_point) {
    dtype = zero_point->dtype;
    KITE_CHECK(is_quantized_dtype(dtype), what, "_zero_point must be uint8, int8 or int32, got ",
               dtype_name(dtype));
    KITE_CHECK(shape_numel(zero_point->shape) == count, what, "_zero_point has shape ",
               shape_to_string(zero_point->shape), ", ", what, "_scale ", shape_to_string(scale.shape));
  }
  return dtype;
}

QuantParams read_quant_params(const Tensor& scale, const Tensor* zero_point, DType default_dtype) {
  QuantParams q;
  require_dtype(scale.dtype(), DType::f32, "scale");
  const float* s = scale.data<float>();
  q.scale.assign(s, s + scale.numel());
  KITE_CHECK(!q.scale.empty(), "the scale is empty");
  for (float v : q.scale) KITE_CHECK(std::isfinite(v) && v > 0.f, "a scale must be positive and finite, got ", v);
  q.dtype = zero_point ? zero_point->dtype() : default_dtype;
  if (!zero_point) {
    q.zero_point.assign(q.scale.size(), 0);
    return q;
  }
  KITE_CHECK(zero_point->numel() == scale.numel(), "the zero point has ", zero_point->numel(), " values, the scale ",
             scale.numel());
  for (int64_t i = 0; i < zero_point->numel(); ++i) {
    switch (q.dtype) {
      case DType::u8: q.zero_point.push_back(zero_point->data<uint8_t>()[i]); break;
      case DType::s8: q.zero_point.push_back(zero_point->data<int8_t>()[i]); break;
      case DType::s32: q.zero_point.push_back(zero_point->data<int32_t>()[i]); break;
      default: fail("a zero point must be uint8, int8 or int32, got ", dtype_name(q.dtype));
    }
  }
  return q;
}

}  // namespace kite
