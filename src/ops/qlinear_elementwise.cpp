// kite's own int8 operators for what follows convolutions in quantized networks, made by
// passes/fuse_qdq.cpp from DequantizeLinear -> op -> QuantizeLinear and never read from a file:
//  - FusedQLinearAdd: A, A_scale, A_zero_point, B, B_scale, B_zero_point, C_scale, C_zero_point
//    (the inputs of the same shape): C = requantize_add(...) (src/kernels/requantize.h), the
//    range narrowed to [activation_qmin, activation_qmax] for a ReLU after the residual Add.
//  - QLinearGlobalAveragePool: X [N, C, H, W], x_scale, x_zero_point, y_scale, y_zero_point:
//    Y [N, C, 1, 1] = requantize(sum of (x - x_zero), x_scale / (y_scale * H * W), y_zero).
#include <cmath>
#include <cstdlib>

#include "kernels/requantize.h"
#include "ops/op_util.h"
#include "ops/quant_args.h"

namespace kite {
namespace {

DType check_quantized_input(const Value& x, const char* what) {
  KITE_CHECK(x.dtype == DType::u8 || x.dtype == DType::s8, what, " must be uint8 or int8, got ", dtype_name(x.dtype));
  return x.dtype;
}

std::vector<ValueType> infer_add(const Node& node, const std::vector<const Value*>& inputs) {
  const Value& a = required_input(inputs, 0, "A");
  const Value& b = required_input(inputs, 3, "B");
  check_quantized_input(a, "A");
  check_quantized_input(b, "B");
  KITE_CHECK(a.shape == b.shape, "A ", shape_to_string(a.shape), " and B ", shape_to_string(b.shape), " differ");
  KITE_CHECK(check_quant_params(required_input(inputs, 1, "A_scale"), optional_input(inputs, 2), 1, a.dtype, "A") ==
                 a.dtype, "A's zero point has another type");
  KITE_CHECK(check_quant_params(required_input(inputs, 4, "B_scale"), optional_input(inputs, 5), 1, b.dtype, "B") ==
                 b.dtype, "B's zero point has another type");
  DType c = check_quant_params(required_input(inputs, 6, "C_scale"), optional_input(inputs, 7), 1, DType::u8, "C");
  check_quantized_input(Value{"", c, {}, false, {}}, "C");
  fused_output_range(node, c);
  return {{c, a.shape}};
}

void reference_add(const Node& node, const std::vector<const Tensor*>& inputs, std::vector<Tensor>& outputs) {
  const Tensor& a = *inputs[0];
  const Tensor& b = *inputs[3];
  QuantParams aq = read_quant_params(*inputs[1], optional_input(inputs, 2), a.dtype());
  QuantParams bq = read_quant_params(*inputs[4], optional_input(inputs, 5), b.dtype());
  QuantParams cq = read_quant_params(*inputs[6], optional_input(inputs, 7), DType::u8);
  AddRequant r = make_add_requant(aq.scale[0], bq.scale[0], cq.scale[0]);
  // Multipliers past 2^22 could overflow the integer sum: scales 2^40 and more apart.
  constexpr int32_t kLimit = 1 << 22;
  KITE_CHECK(std::abs(r.a_multiplier) <= kLimit && std::abs(r.b_multiplier) <= kLimit, "the scales of A (", aq.scale[0],
             "), B (", bq.scale[0], ") and C (", cq.scale[0], ") are too far apart to add exactly");
  auto [lo, hi] = fused_output_range(node, cq.dtype);
  for (int64_t i = 0; i < a.numel(); ++i)
    store_quantized(outputs[0], i,
          requantize_add(quantized_at(a, i), aq.zero_point[0], quantized_at(b, i), bq.zero_point[0], r, cq.zero_point[0], lo, hi));
}

std::vector<ValueType> infer_average(const Node&, const std::vector<const Value*>& inputs) {
  const Value& x = required_input(inputs, 0, "X");
  check_quantized_input(x, "X");
  KITE_CHECK(x.shape.size() == 4, "X must be [N, C, H, W], got ", shape_to_string(x.shape));
  KITE_CHECK(check_quant_params(required_input(inputs, 1, "x_scale"), optional_input(inputs, 2), 1, x.dtype, "x") ==
                 x.dtype, "x's zero point has another type");
  DType y = check_quant_params(required_input(inputs, 3, "y_scale"), optional_input(inputs, 4), 1, DType::u8, "y");
  check_quantized_input(Value{"", y, {}, false, {}}, "Y");
  return {{y, {x.shape[0], x.shape[1], 1, 1}}};
}

void reference_average(const Node&, const std::vector<const Tensor*>& inputs, std::vector<Tensor>& outputs) {
  const Tensor& x = *inputs[0];
  QuantParams xq = read_quant_params(*inputs[1], optional_input(inputs, 2), x.dtype());
  QuantParams yq = read_quant_params(*inputs[3], optional_input(inputs, 4), DType::u8);
  int64_t plane = x.dim(2) * x.dim(3), planes = x.dim(0) * x.dim(1);
  KITE_CHECK(plane > 0, "X has an empty plane");
  float scale = average_requant_scale(xq.scale[0], yq.scale[0], plane);
  KITE_CHECK(std::isfinite(scale) && scale > 0.f, "x_scale / (y_scale * H * W) is ", scale, ": not a positive finite number");
  for (int64_t p = 0; p < planes; ++p) {
    int64_t acc = 0;
    for (int64_t i = 0; i < plane; ++i) acc += quantized_at(x, p * plane + i) - xq.zero_point[0];
    store_quantized(outputs[0], p,
          requantize(static_cast<int32_t>(acc), scale, yq.zero_point[0], quant_min(yq.dtype), quant_max(yq.dtype)));
  }
}

}  // namespace

OpDef op_fused_qlinear_add() { return {"FusedQLinearAdd", 8, 8, infer_add, reference_add, /*internal=*/true}; }
OpDef op_qlinear_global_average_pool() {
  return {"QLinearGlobalAveragePool", 5, 5, infer_average, reference_average, /*internal=*/true};
}

}  // namespace kite
