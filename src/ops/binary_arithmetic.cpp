// Add, Sub, Mul and Div with NumPy broadcasting, for f32, f64 and the integer types (exporters
// compute shapes with int64 arithmetic). Integer Div truncates toward zero, as ONNX specifies.
#include <functional>
#include <limits>
#include <type_traits>

#include "ops/op_util.h"

namespace kite {
namespace {

// Signed overflow is undefined behaviour in C++; integer results wrap around as in NumPy instead.
template <typename T, typename Fn>
T arithmetic(T a, T b, Fn fn) {
  if constexpr (std::is_integral_v<T>) {
    using U = std::make_unsigned_t<T>;
    return static_cast<T>(fn(static_cast<U>(a), static_cast<U>(b)));
  } else {
    return fn(a, b);
  }
}

struct AddOp {
  template <typename T>
  T operator()(T a, T b) const {
    return arithmetic(a, b, std::plus<>());
  }
};
struct SubOp {
  template <typename T>
  T operator()(T a, T b) const {
    return arithmetic(a, b, std::minus<>());
  }
};
struct MulOp {
  template <typename T>
  T operator()(T a, T b) const {
    return arithmetic(a, b, std::multiplies<>());
  }
};
struct DivOp {
  template <typename T>
  T operator()(T a, T b) const {
    if constexpr (std::is_integral_v<T>) {
      KITE_CHECK(b != 0, "integer division by zero");
      // The one quotient that overflows; it wraps around as in NumPy rather than trapping.
      if (a == std::numeric_limits<T>::min() && b == -1) return a;
    }
    return a / b;  // C++ integer division truncates toward zero, as ONNX's does
  }
};

// Before opset 7, B is broadcast to A only when the 'broadcast' attribute is set, and then aligned
// with A starting at 'axis' (by default so that B matches A's trailing dimensions). Returns B's shape
// padded with trailing 1s, so that NumPy rules give the legacy result.
Shape effective_b_shape(const Node& node, const Shape& a, const Shape& b) {
  if (node.opset >= 7) return b;
  if (node.attrs.get_int("broadcast", 0) == 0) {
    KITE_CHECK(a == b, "shapes ", shape_to_string(a), " and ", shape_to_string(b),
               " differ and the 'broadcast' attribute is not set");
    return b;
  }
  int64_t rank = static_cast<int64_t>(a.size());
  int64_t axis = node.attrs.get_int("axis", rank - static_cast<int64_t>(b.size()));
  return align_at_axis(b, axis < 0 ? axis + rank : axis, rank);
}

std::vector<ValueType> infer_binary(const Node& node, const std::vector<const Value*>& inputs) {
  const Value& a = *inputs[0];
  const Value& b = *inputs[1];
  KITE_CHECK(a.dtype == b.dtype, "inputs have different dtypes, ", dtype_name(a.dtype), " and ", dtype_name(b.dtype));
  KITE_CHECK(a.dtype != DType::f16 && a.dtype != DType::boolean, "dtype ", dtype_name(a.dtype),
             " is not supported (f32, f64, s8, u8, s32, s64 are)");
  Shape out = broadcast_shapes(a.shape, effective_b_shape(node, a.shape, b.shape));
  KITE_CHECK(node.opset >= 7 || out == a.shape, "B of shape ", shape_to_string(b.shape),
             " cannot be broadcast to A of shape ", shape_to_string(a.shape));
  return {{a.dtype, out}};
}

template <typename T, typename Op>
void apply_broadcast(const Node& node, const Tensor& a, const Tensor& b, Tensor& out) {
  std::vector<int64_t> a_strides = broadcast_strides(a.shape(), out.shape());
  std::vector<int64_t> b_strides = broadcast_strides(effective_b_shape(node, a.shape(), b.shape()), out.shape());
  const Op op;
  for (int64_t i = 0; i < out.numel(); ++i) {
    std::vector<int64_t> index = unravel_index(i, out.shape());
    out.data<T>()[i] = op(a.data<T>()[offset_of(index, a_strides)], b.data<T>()[offset_of(index, b_strides)]);
  }
}

template <typename Op>
void reference_binary(const Node& node, const std::vector<const Tensor*>& inputs, std::vector<Tensor>& outputs) {
  const Tensor& a = *inputs[0];
  const Tensor& b = *inputs[1];
  switch (a.dtype()) {
    case DType::f32: return apply_broadcast<float, Op>(node, a, b, outputs[0]);
    case DType::f64: return apply_broadcast<double, Op>(node, a, b, outputs[0]);
    case DType::s32: return apply_broadcast<int32_t, Op>(node, a, b, outputs[0]);
    case DType::s64: return apply_broadcast<int64_t, Op>(node, a, b, outputs[0]);
    case DType::s8: return apply_broadcast<int8_t, Op>(node, a, b, outputs[0]);
    case DType::u8: return apply_broadcast<uint8_t, Op>(node, a, b, outputs[0]);
    default: fail("dtype ", dtype_name(a.dtype()), " is not supported");
  }
}

}  // namespace

OpDef op_add() { return {"Add", 2, 2, infer_binary, reference_binary<AddOp>}; }
OpDef op_sub() { return {"Sub", 2, 2, infer_binary, reference_binary<SubOp>}; }
OpDef op_mul() { return {"Mul", 2, 2, infer_binary, reference_binary<MulOp>}; }
OpDef op_div() { return {"Div", 2, 2, infer_binary, reference_binary<DivOp>}; }

}  // namespace kite
