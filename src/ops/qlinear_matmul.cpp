// Integer matrix products: MatMulInteger (int32 sums of (a - a_zero) * (b - b_zero)) and
// QLinearMatMul (those sums requantized to y's scale and zero point with the scale
// a_scale * b_scale[n] / y_scale, src/kernels/requantize.h). A is [..., M, K], B a matrix
// [K, N] (the weights of a fully connected layer) or a stack [..., K, N] with A's leading
// dimensions (no broadcasting); b's parameters may be per column.
#include <algorithm>
#include <cmath>

#include "kernels/requantize.h"
#include "ops/op_util.h"
#include "ops/quant_args.h"

namespace kite {
namespace {

Shape integer_matmul_shape(const Value& a, const Value& b) {
  KITE_CHECK(a.dtype == DType::u8 || a.dtype == DType::s8, "A must be uint8 or int8, got ", dtype_name(a.dtype));
  KITE_CHECK(b.dtype == DType::u8 || b.dtype == DType::s8, "B must be uint8 or int8, got ", dtype_name(b.dtype));
  KITE_CHECK(a.shape.size() >= 2, "A must have at least 2 dimensions, got ", shape_to_string(a.shape));
  bool stacked = b.shape.size() == a.shape.size() &&
                 std::equal(a.shape.begin(), a.shape.end() - 2, b.shape.begin());
  KITE_CHECK(b.shape.size() == 2 || stacked, "B must be a matrix [K, N] or a stack with A's leading dimensions, got A ",
             shape_to_string(a.shape), " and B ", shape_to_string(b.shape));
  KITE_CHECK(a.shape.back() == b.shape[b.shape.size() - 2], "A ", shape_to_string(a.shape), " and B ",
             shape_to_string(b.shape), " do not multiply");
  Shape y = a.shape;
  y.back() = b.shape.back();
  return y;
}

// Sums [rows of A, N], int32 as the kernels keep them.
std::vector<int32_t> integer_matmul_sums(const Tensor& a, int32_t a_zero, const Tensor& b, const QuantParams& bq) {
  int64_t k = b.dim(b.rank() - 2), n = b.dim(b.rank() - 1);
  int64_t rows = dims_product(a.shape(), 0, a.rank() - 1);  // not numel / k: K may be 0
  int64_t rows_per_matrix = a.dim(a.rank() - 2);
  bool stacked = b.rank() > 2;
  std::vector<int32_t> sums(static_cast<size_t>(rows * n));
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t j = 0; j < n; ++j) {
      int64_t acc = 0, b_base = stacked ? r / rows_per_matrix * k * n : 0;
      for (int64_t t = 0; t < k; ++t)
        acc += static_cast<int64_t>(quantized_at(a, r * k + t) - a_zero) *
               (quantized_at(b, b_base + t * n + j) - bq.zero_point_at(j));
      sums[static_cast<size_t>(r * n + j)] = static_cast<int32_t>(acc);
    }
  return sums;
}

std::vector<ValueType> infer_matmul_integer(const Node&, const std::vector<const Value*>& inputs) {
  const Value& a = required_input(inputs, 0, "A");
  const Value& b = required_input(inputs, 1, "B");
  Shape y = integer_matmul_shape(a, b);
  if (const Value* az = optional_input(inputs, 2))
    KITE_CHECK(az->dtype == a.dtype && shape_numel(az->shape) == 1, "a_zero_point must be one ", dtype_name(a.dtype));
  if (const Value* bz = optional_input(inputs, 3))
    KITE_CHECK(bz->dtype == b.dtype && (shape_numel(bz->shape) == 1 || shape_numel(bz->shape) == b.shape.back()),
               "b_zero_point must be one ", dtype_name(b.dtype), " or one per column");
  KITE_CHECK(!optional_input(inputs, 3) || shape_numel(optional_input(inputs, 3)->shape) == 1 || b.shape.size() == 2,
             "per-column zero points need a matrix B");
  return {{DType::s32, y}};
}

void reference_matmul_integer(const Node&, const std::vector<const Tensor*>& inputs, std::vector<Tensor>& outputs) {
  QuantParams aq = read_zero_points(optional_input(inputs, 2), inputs[0]->dtype());
  QuantParams bq = read_zero_points(optional_input(inputs, 3), inputs[1]->dtype());
  std::vector<int32_t> sums = integer_matmul_sums(*inputs[0], aq.zero_point[0], *inputs[1], bq);
  std::copy(sums.begin(), sums.end(), outputs[0].data<int32_t>());
}

std::vector<ValueType> infer_qlinear_matmul(const Node&, const std::vector<const Value*>& inputs) {
  const Value& a = required_input(inputs, 0, "a");
  const Value& b = required_input(inputs, 3, "b");
  Shape y = integer_matmul_shape(a, b);
  KITE_CHECK(check_quant_params(required_input(inputs, 1, "a_scale"), optional_input(inputs, 2), 1, a.dtype, "a") ==
                 a.dtype, "a_zero_point's type differs from a's");
  KITE_CHECK(check_quant_params(required_input(inputs, 4, "b_scale"), optional_input(inputs, 5), b.shape.back(), b.dtype,
                                "b") == b.dtype, "b_zero_point's type differs from b's");
  DType yt = check_quant_params(required_input(inputs, 6, "y_scale"), optional_input(inputs, 7), 1, DType::u8, "y");
  KITE_CHECK(yt == DType::u8 || yt == DType::s8, "y must be uint8 or int8, got ", dtype_name(yt));
  return {{yt, y}};
}

void reference_qlinear_matmul(const Node&, const std::vector<const Tensor*>& inputs, std::vector<Tensor>& outputs) {
  const Tensor& a = *inputs[0];
  const Tensor& b = *inputs[3];
  QuantParams aq = read_quant_params(*inputs[1], optional_input(inputs, 2), a.dtype());
  QuantParams bq = read_quant_params(*inputs[4], optional_input(inputs, 5), b.dtype());
  QuantParams yq = read_quant_params(*inputs[6], optional_input(inputs, 7), DType::u8);
  std::vector<int32_t> sums = integer_matmul_sums(a, aq.zero_point[0], b, bq);
  int64_t n = b.dim(b.rank() - 1);
  Tensor& y = outputs[0];
  for (size_t i = 0; i < sums.size(); ++i) {
    int64_t j = static_cast<int64_t>(i) % n;
    float scale = product_requant_scale(aq.scale[0], bq.scale_at(j), yq.scale[0]);
    KITE_CHECK(std::isfinite(scale) && scale > 0.f, "a_scale * b_scale / y_scale is ", scale, " for column ", j,
               ": not a positive finite number");
    store_quantized(y, static_cast<int64_t>(i),
                    requantize(sums[i], scale, yq.zero_point[0], quant_min(yq.dtype), quant_max(yq.dtype)));
  }
}

}  // namespace

OpDef op_matmul_integer() { return {"MatMulInteger", 2, 4, infer_matmul_integer, reference_matmul_integer}; }
OpDef op_qlinear_matmul() { return {"QLinearMatMul", 8, 8, infer_qlinear_matmul, reference_qlinear_matmul}; }

}  // namespace kite
