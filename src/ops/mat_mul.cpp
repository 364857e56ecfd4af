// MatMul with NumPy semantics: the last two dims multiply as matrices, the leading (batch) dims
// broadcast, and a 1-D operand is promoted to a matrix whose added dim is dropped from the result.
#include <algorithm>

#include "ops/matrix_product.h"
#include "ops/op_util.h"

namespace kite {
namespace {

struct MatMulShapes {
  Shape a_batch, b_batch, batch;
  int64_t m = 0, k = 0, n = 0;
  Shape output;
};

MatMulShapes mat_mul_shapes(const Shape& a, const Shape& b) {
  KITE_CHECK(!a.empty() && !b.empty(), "MatMul operands must have rank >= 1, got ", shape_to_string(a), " and ",
             shape_to_string(b));
  // A 1-D A is a row (1, K), a 1-D B a column (K, 1).
  Shape a2 = a.size() == 1 ? Shape{1, a[0]} : a;
  Shape b2 = b.size() == 1 ? Shape{b[0], 1} : b;
  MatMulShapes s;
  s.m = a2[a2.size() - 2];
  s.k = a2[a2.size() - 1];
  int64_t b_rows = b2[b2.size() - 2];
  s.n = b2[b2.size() - 1];
  KITE_CHECK(s.k == b_rows, "A ", shape_to_string(a), " and B ", shape_to_string(b),
             " do not multiply: inner dimensions ", s.k, " and ", b_rows, " differ");
  s.a_batch.assign(a2.begin(), a2.end() - 2);
  s.b_batch.assign(b2.begin(), b2.end() - 2);
  s.batch = broadcast_shapes(s.a_batch, s.b_batch);
  s.output = s.batch;
  if (a.size() > 1) s.output.push_back(s.m);
  if (b.size() > 1) s.output.push_back(s.n);
  return s;
}

std::vector<ValueType> infer_mat_mul(const Node&, const std::vector<const Value*>& inputs) {
  const Value& a = required_input(inputs, 0, "A");
  const Value& b = required_input(inputs, 1, "B");
  require_dtype(a.dtype, DType::f32, "A");
  require_dtype(b.dtype, DType::f32, "B");
  return {{DType::f32, mat_mul_shapes(a.shape, b.shape).output}};
}

void reference_mat_mul(const Node&, const std::vector<const Tensor*>& inputs, std::vector<Tensor>& outputs) {
  const Tensor& a = *inputs[0];
  const Tensor& b = *inputs[1];
  MatMulShapes s = mat_mul_shapes(a.shape(), b.shape());
  // Strides counted in whole matrices: 0 along a broadcast batch dim.
  std::vector<int64_t> a_strides = broadcast_strides(s.a_batch, s.batch);
  std::vector<int64_t> b_strides = broadcast_strides(s.b_batch, s.batch);
  float* y = outputs[0].data<float>();
  std::fill(y, y + outputs[0].numel(), 0.f);
  for (int64_t i = 0; i < shape_numel(s.batch); ++i) {
    std::vector<int64_t> index = unravel_index(i, s.batch);
    MatrixView a_matrix{a.data<float>() + offset_of(index, a_strides) * s.m * s.k, s.k, 1};
    MatrixView b_matrix{b.data<float>() + offset_of(index, b_strides) * s.k * s.n, s.n, 1};
    matrix_product_accumulate(a_matrix, b_matrix, y + i * s.m * s.n, s.m, s.k, s.n);
  }
}

}  // namespace

OpDef op_mat_mul() { return {"MatMul", 2, 2, infer_mat_mul, reference_mat_mul}; }

}  // namespace kite
