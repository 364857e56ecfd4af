// Gemm and MatMul: hand-computed products, comparisons with a brute-force product written from
// the definitions (explicit transposes, NumPy broadcasting spelled out), and error cases.
#include <gtest/gtest.h>

#include <string>
#include <utility>

#include "op_test_util.h"

namespace kite {
namespace {

using test::expect_error;
using test::make_case;
using test::max_abs_diff;
using test::OpCase;
using test::random_tensor;
using test::run_op;

float at(const Tensor& t, int64_t r, int64_t c) { return t.data<float>()[r * t.dim(1) + c]; }

Tensor transposed(const Tensor& t) {
  Tensor out(DType::f32, {t.dim(1), t.dim(0)});
  for (int64_t r = 0; r < t.dim(0); ++r)
    for (int64_t c = 0; c < t.dim(1); ++c) out.data<float>()[c * t.dim(0) + r] = at(t, r, c);
  return out;
}

// --- Gemm ---------------------------------------------------------------------------------

OpCase gemm_case(const std::vector<Tensor>& inputs, bool trans_a = false, bool trans_b = false, float alpha = 1,
                 float beta = 1) {
  OpCase c = make_case("Gemm", inputs);
  if (trans_a) c.attrs.set_int("transA", 1);
  if (trans_b) c.attrs.set_int("transB", 1);
  if (alpha != 1) c.attrs.set_float("alpha", alpha);
  if (beta != 1) c.attrs.set_float("beta", beta);
  return c;
}

TEST(Gemm, HandComputedWithBroadcastC) {
  Tensor a = Tensor::from_floats({2, 3}, {1, 2, 3, 4, 5, 6});
  Tensor b = Tensor::from_floats({3, 2}, {1, 0, 0, 1, 1, 1});
  // A * B = [[4, 5], [10, 11]].
  Tensor product = Tensor::from_floats({2, 2}, {4, 5, 10, 11});
  EXPECT_EQ(max_abs_diff(run_op(gemm_case({a, b}))[0], product), 0.f);
  // alpha 2, beta 0.5 with C a row vector [2, 4]: 2 * AB + [1, 2].
  Tensor row = run_op(gemm_case({a, b, Tensor::from_floats({2}, {2, 4})}, false, false, 2, 0.5f))[0];
  EXPECT_EQ(max_abs_diff(row, Tensor::from_floats({2, 2}, {9, 12, 21, 24})), 0.f);
  // C a column (2, 1), a scalar, and a full matrix.
  Tensor column = run_op(gemm_case({a, b, Tensor::from_floats({2, 1}, {1, -1})}))[0];
  EXPECT_EQ(max_abs_diff(column, Tensor::from_floats({2, 2}, {5, 6, 9, 10})), 0.f);
  Tensor scalar = run_op(gemm_case({a, b, Tensor::from_floats({}, {3})}, false, false, 1, -1))[0];
  EXPECT_EQ(max_abs_diff(scalar, Tensor::from_floats({2, 2}, {1, 2, 7, 8})), 0.f);
  Tensor full = run_op(gemm_case({a, b, Tensor::from_floats({2, 2}, {1, 2, 3, 4})}))[0];
  EXPECT_EQ(max_abs_diff(full, Tensor::from_floats({2, 2}, {5, 7, 13, 15})), 0.f);
}

TEST(Gemm, TransposeFlagsReadTheOperandsTransposed) {
  Tensor a = random_tensor({4, 3}, 1), b = random_tensor({3, 5}, 2);
  Tensor plain = run_op(gemm_case({a, b}))[0];
  EXPECT_EQ(run_op(gemm_case({transposed(a), b}, true))[0].shape(), (Shape{4, 5}));
  EXPECT_LT(max_abs_diff(run_op(gemm_case({transposed(a), b}, true))[0], plain), 1e-6f);
  EXPECT_LT(max_abs_diff(run_op(gemm_case({a, transposed(b)}, false, true))[0], plain), 1e-6f);
  EXPECT_LT(max_abs_diff(run_op(gemm_case({transposed(a), transposed(b)}, true, true))[0], plain), 1e-6f);
}

TEST(Gemm, MatchesBruteForce) {
  uint32_t seed = 10;
  for (int64_t m : {1, 3, 7})
    for (int64_t k : {1, 4, 9})
      for (int64_t n : {1, 5, 8})
        for (int flags = 0; flags < 4; ++flags) {
          bool ta = flags & 1, tb = flags & 2;
          Tensor a = random_tensor(ta ? Shape{k, m} : Shape{m, k}, seed++);
          Tensor b = random_tensor(tb ? Shape{n, k} : Shape{k, n}, seed++);
          Tensor c = random_tensor({n}, seed++);
          Tensor y = run_op(gemm_case({a, b, c}, ta, tb, 0.75f, -1.5f))[0];
          Tensor want(DType::f32, {m, n});
          for (int64_t i = 0; i < m; ++i)
            for (int64_t j = 0; j < n; ++j) {
              double sum = 0;
              for (int64_t p = 0; p < k; ++p) sum += double(ta ? at(a, p, i) : at(a, i, p)) * (tb ? at(b, j, p) : at(b, p, j));
              want.data<float>()[i * n + j] = static_cast<float>(0.75 * sum - 1.5 * c.data<float>()[j]);
            }
          EXPECT_LT(max_abs_diff(y, want), 1e-5f) << m << "x" << k << "x" << n << " flags " << flags;
        }
}

TEST(GemmErrors, ShapesAndFlags) {
  Tensor a = random_tensor({2, 3}, 1), b = random_tensor({3, 4}, 2);
  expect_error(gemm_case({a, random_tensor({2, 4}, 3)}), "inner dimensions 3 and 2 differ");
  expect_error(gemm_case({random_tensor({2, 3, 1}, 4), b}), "A must be a matrix");
  expect_error(gemm_case({a, random_tensor({3}, 5)}), "B must be a matrix");
  expect_error(gemm_case({a, b, random_tensor({3}, 6)}), "C has shape [3], which does not broadcast to the output [2, 4]");
  expect_error(gemm_case({a, b, random_tensor({1, 2, 4}, 7)}), "does not broadcast");
  OpCase flag = gemm_case({a, b});
  flag.attrs.set_int("transA", 2);
  expect_error(flag, "transA must be 0 or 1");
  expect_error(gemm_case({Tensor::from_int64s({1, 1}, {1}), Tensor::from_int64s({1, 1}, {1})}), "must be f32");
}

// --- MatMul -------------------------------------------------------------------------------

Tensor matmul(const Tensor& a, const Tensor& b) { return run_op(make_case("MatMul", {a, b}))[0]; }

TEST(MatMul, HandComputed) {
  Tensor a = Tensor::from_floats({2, 3}, {1, 2, 3, 4, 5, 6});
  Tensor b = Tensor::from_floats({3, 2}, {1, 0, 0, 1, 1, 1});
  EXPECT_EQ(max_abs_diff(matmul(a, b), Tensor::from_floats({2, 2}, {4, 5, 10, 11})), 0.f);
}

TEST(MatMul, OneDimensionalOperandsLoseTheirAddedDim) {
  Tensor m = Tensor::from_floats({2, 3}, {1, 2, 3, 4, 5, 6});
  Tensor v3 = Tensor::from_floats({3}, {1, 0, -1});
  Tensor v2 = Tensor::from_floats({2}, {1, 2});
  EXPECT_EQ(max_abs_diff(matmul(m, v3), Tensor::from_floats({2}, {-2, -2})), 0.f);
  EXPECT_EQ(max_abs_diff(matmul(v2, m), Tensor::from_floats({3}, {9, 12, 15})), 0.f);
  EXPECT_EQ(max_abs_diff(matmul(v3, v3), Tensor::from_floats({}, {2})), 0.f);
  // A vector against a batch of matrices: (3) x (2, 3, 2) -> (2, 2).
  Tensor batch = Tensor::from_floats({2, 3, 2}, {1, 0, 0, 1, 1, 1, 2, 0, 0, 2, 2, 2});
  EXPECT_EQ(max_abs_diff(matmul(v3, batch), Tensor::from_floats({2, 2}, {0, -1, 0, -2})), 0.f);
}

// Batched product with the broadcast spelled out: each output matrix picks its operands' batch
// indices, using 0 along a dimension of size 1.
Tensor brute_batched_matmul(const Tensor& a, const Tensor& b, const Shape& batch) {
  int64_t m = a.dim(a.rank() - 2), k = a.dim(a.rank() - 1), n = b.dim(b.rank() - 1);
  Shape out_shape = batch;
  out_shape.push_back(m);
  out_shape.push_back(n);
  Tensor y(DType::f32, out_shape);
  auto matrix_offset = [&](const Tensor& t, int64_t flat_batch) {
    // Index of this batch entry in t's own (right-aligned, possibly size-1) batch dims.
    int64_t offset = 0, t_batch_rank = t.rank() - 2, stride = 1;
    int64_t remaining = flat_batch;
    for (int64_t d = static_cast<int64_t>(batch.size()) - 1; d >= 0; --d) {
      int64_t index = remaining % batch[static_cast<size_t>(d)];
      remaining /= batch[static_cast<size_t>(d)];
      int64_t td = d - (static_cast<int64_t>(batch.size()) - t_batch_rank);
      if (td < 0) continue;
      int64_t size = t.dim(td);
      offset += (size == 1 ? 0 : index) * stride;
      stride *= size;
    }
    return offset * t.dim(t.rank() - 2) * t.dim(t.rank() - 1);
  };
  for (int64_t i = 0; i < shape_numel(batch); ++i) {
    const float* am = a.data<float>() + matrix_offset(a, i);
    const float* bm = b.data<float>() + matrix_offset(b, i);
    for (int64_t r = 0; r < m; ++r)
      for (int64_t c = 0; c < n; ++c) {
        double sum = 0;
        for (int64_t p = 0; p < k; ++p) sum += static_cast<double>(am[r * k + p]) * bm[p * n + c];
        y.data<float>()[(i * m + r) * n + c] = static_cast<float>(sum);
      }
  }
  return y;
}

TEST(MatMul, BatchBroadcastMatchesBruteForce) {
  struct Case {
    Shape a, b, batch;
  };
  const Case cases[] = {
      {{2, 3, 4}, {2, 4, 5}, {2}},
      {{2, 1, 3, 4}, {5, 4, 2}, {2, 5}},
      {{1, 3, 4}, {6, 4, 2}, {6}},
      {{3, 1, 2, 3}, {1, 4, 3, 3}, {3, 4}},
      {{3, 4}, {2, 2, 4, 1}, {2, 2}},
  };
  uint32_t seed = 30;
  for (const Case& c : cases) {
    Tensor a = random_tensor(c.a, seed++), b = random_tensor(c.b, seed++);
    Tensor y = matmul(a, b);
    EXPECT_LT(max_abs_diff(y, brute_batched_matmul(a, b, c.batch)), 1e-5f)
        << shape_to_string(c.a) << " x " << shape_to_string(c.b);
  }
}

TEST(MatMulErrors, ShapesAndTypes) {
  expect_error(make_case("MatMul", {random_tensor({2, 3}, 1), random_tensor({4, 2}, 2)}), "inner dimensions 3 and 4 differ");
  expect_error(make_case("MatMul", {random_tensor({3}, 1), random_tensor({2}, 2)}), "inner dimensions 3 and 2 differ");
  expect_error(make_case("MatMul", {random_tensor({2, 2, 3}, 1), random_tensor({3, 3, 2}, 2)}), "cannot be broadcast");
  expect_error(make_case("MatMul", {Tensor::from_floats({}, {1}), random_tensor({2}, 2)}), "rank >= 1");
  expect_error(make_case("MatMul", {random_tensor({2}, 1), Tensor()}), "B");
  expect_error(make_case("MatMul", {Tensor::from_int64s({1}, {1}), Tensor::from_int64s({1}, {1})}), "must be f32");
}

}  // namespace
}  // namespace kite
