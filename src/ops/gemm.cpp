// Gemm: Y = alpha * A' * B' + beta * C, where A' is A (M x K) or, with transA, A transposed,
// B' likewise (K x N), and the optional C broadcasts unidirectionally to (M, N).
#include <algorithm>

#include "ops/matrix_product.h"
#include "ops/op_args.h"
#include "ops/op_util.h"

namespace kite {
namespace {

struct GemmShapes {
  bool trans_a = false;
  bool trans_b = false;
  int64_t m = 0, k = 0, n = 0;
};

bool transpose_flag(const Node& node, const char* name) {
  int64_t value = node.attrs.get_int(name, 0);
  KITE_CHECK(value == 0 || value == 1, name, " must be 0 or 1, got ", value);
  return value == 1;
}

GemmShapes gemm_shapes(const Node& node, const Shape& a, const Shape& b) {
  KITE_CHECK(a.size() == 2, "A must be a matrix, got shape ", shape_to_string(a));
  KITE_CHECK(b.size() == 2, "B must be a matrix, got shape ", shape_to_string(b));
  GemmShapes s;
  s.trans_a = transpose_flag(node, "transA");
  s.trans_b = transpose_flag(node, "transB");
  s.m = s.trans_a ? a[1] : a[0];
  s.k = s.trans_a ? a[0] : a[1];
  int64_t b_rows = s.trans_b ? b[1] : b[0];
  s.n = s.trans_b ? b[0] : b[1];
  KITE_CHECK(s.k == b_rows, "A ", shape_to_string(a), " (transA=", s.trans_a, ") and B ", shape_to_string(b),
             " (transB=", s.trans_b, ") do not multiply: inner dimensions ", s.k, " and ", b_rows, " differ");
  return s;
}

void check_c_broadcasts(const Shape& c, int64_t m, int64_t n) {
  Shape target{m, n};
  bool fits = c.size() <= 2;
  for (size_t i = 0; fits && i < c.size(); ++i) {
    int64_t want = target[2 - c.size() + i];
    fits = c[i] == want || c[i] == 1;
  }
  KITE_CHECK(fits, "C has shape ", shape_to_string(c), ", which does not broadcast to the output ",
             shape_to_string(target));
}

std::vector<ValueType> infer_gemm(const Node& node, const std::vector<const Value*>& inputs) {
  const Value& a = required_input(inputs, 0, "A");
  const Value& b = required_input(inputs, 1, "B");
  require_dtype(a.dtype, DType::f32, "A");
  require_dtype(b.dtype, DType::f32, "B");
  GemmShapes s = gemm_shapes(node, a.shape, b.shape);
  if (const Value* c = optional_input(inputs, 2)) {
    require_dtype(c->dtype, DType::f32, "C");
    check_c_broadcasts(c->shape, s.m, s.n);
  }
  return {{DType::f32, {s.m, s.n}}};
}

// A stored (rows x cols) matrix read as itself or as its transpose.
MatrixView matrix_view(const Tensor& t, bool transposed) {
  int64_t cols = t.dim(1);
  return transposed ? MatrixView{t.data<float>(), 1, cols} : MatrixView{t.data<float>(), cols, 1};
}

void reference_gemm(const Node& node, const std::vector<const Tensor*>& inputs, std::vector<Tensor>& outputs) {
  const Tensor& a = *inputs[0];
  const Tensor& b = *inputs[1];
  const Tensor* c = optional_input(inputs, 2);
  GemmShapes s = gemm_shapes(node, a.shape(), b.shape());
  float alpha = node.attrs.get_float("alpha", 1.0f);
  float beta = node.attrs.get_float("beta", 1.0f);
  float* y = outputs[0].data<float>();
  std::fill(y, y + s.m * s.n, 0.f);
  matrix_product_accumulate(matrix_view(a, s.trans_a), matrix_view(b, s.trans_b), y, s.m, s.k, s.n);
  std::vector<int64_t> c_strides = c ? broadcast_strides(c->shape(), {s.m, s.n}) : std::vector<int64_t>{};
  for (int64_t i = 0; i < s.m; ++i)
    for (int64_t j = 0; j < s.n; ++j) {
      float& out = y[i * s.n + j];
      out *= alpha;
      if (c) out += beta * c->data<float>()[i * c_strides[0] + j * c_strides[1]];
    }
}

}  // namespace

bool gemm_is_linear(const Node& node) {
  return node.attrs.get_int("transA", 0) == 0 && node.attrs.get_int("transB", 0) == 1 &&
         node.attrs.get_float("alpha", 1.f) == 1.f && node.attrs.get_float("beta", 1.f) == 1.f;
}

OpDef op_gemm() { return {"Gemm", 2, 3, infer_gemm, reference_gemm}; }

}  // namespace kite
