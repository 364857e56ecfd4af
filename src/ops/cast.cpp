// Cast: converts elements to the dtype named by 'to', an ONNX TensorProto data type number.
// Integers convert exactly (wrapping when narrowed, as NumPy's astype does); float to integer
// truncates toward zero and saturates, since C++ leaves out-of-range conversions undefined.
#include <cmath>
#include <limits>
#include <type_traits>

#include "core/half.h"
#include "ops/op_util.h"

namespace kite {
namespace {

DType cast_target(const Node& node) {
  int64_t to = node.attrs.get_int("to");
  switch (to) {
    case 1: return DType::f32;
    case 2: return DType::u8;
    case 3: return DType::s8;
    case 6: return DType::s32;
    case 7: return DType::s64;
    case 9: return DType::boolean;
    case 10: return DType::f16;
    case 11: return DType::f64;
    default: break;
  }
  fail("cannot cast to ONNX data type ", to,
       "; kite supports 1 (float), 2 (uint8), 3 (int8), 6 (int32), 7 (int64), 9 (bool), 10 (float16) and 11 (double)");
}

std::vector<ValueType> infer_cast(const Node& node, const std::vector<const Value*>& inputs) {
  return {{cast_target(node), inputs[0]->shape}};
}

template <typename T>
T saturating_cast(double v) {
  if (std::isnan(v)) return 0;
  if (v <= static_cast<double>(std::numeric_limits<T>::min())) return std::numeric_limits<T>::min();
  if (v >= static_cast<double>(std::numeric_limits<T>::max())) return std::numeric_limits<T>::max();
  return static_cast<T>(v);
}

template <typename T, typename Source>
T convert(Source v) {
  if constexpr (std::is_same_v<T, bool>) {
    return v != 0;
  } else if constexpr (std::is_floating_point_v<T> || std::is_integral_v<Source>) {
    return static_cast<T>(v);
  } else {
    return saturating_cast<T>(v);
  }
}

template <typename Source>
void store(Tensor& out, int64_t i, Source v) {
  switch (out.dtype()) {
    case DType::f32: out.data<float>()[i] = convert<float>(v); return;
    case DType::f64: out.data<double>()[i] = convert<double>(v); return;
    case DType::s8: out.data<int8_t>()[i] = convert<int8_t>(v); return;
    case DType::u8: out.data<uint8_t>()[i] = convert<uint8_t>(v); return;
    case DType::s32: out.data<int32_t>()[i] = convert<int32_t>(v); return;
    case DType::s64: out.data<int64_t>()[i] = convert<int64_t>(v); return;
    case DType::boolean: out.data<bool>()[i] = convert<bool>(v); return;
    case DType::f16: out.data<uint16_t>()[i] = double_to_half(static_cast<double>(v)); return;
  }
}

// Integer and bool sources are read as int64, not double, which would round large int64 values.
int64_t integer_at(const Tensor& t, int64_t i) {
  switch (t.dtype()) {
    case DType::s8: return t.data<int8_t>()[i];
    case DType::u8: return t.data<uint8_t>()[i];
    case DType::s32: return t.data<int32_t>()[i];
    case DType::s64: return t.data<int64_t>()[i];
    case DType::boolean: return bool_at(t, i);
    default: break;
  }
  fail("casting from ", dtype_name(t.dtype()), " is not supported");
}

void reference_cast(const Node&, const std::vector<const Tensor*>& inputs, std::vector<Tensor>& outputs) {
  const Tensor& in = *inputs[0];
  bool floating = in.dtype() == DType::f32 || in.dtype() == DType::f64;
  for (int64_t i = 0; i < in.numel(); ++i) {
    if (in.dtype() == DType::f16)
      store(outputs[0], i, static_cast<double>(half_to_float(in.data<uint16_t>()[i])));
    else if (floating)
      store(outputs[0], i, element_as_double(in, i));
    else
      store(outputs[0], i, integer_at(in, i));
  }
}

}  // namespace

OpDef op_cast() { return {"Cast", 1, 1, infer_cast, reference_cast}; }

}  // namespace kite
