// MaxPool, AveragePool, the global pools, LRN and Resize: hand-computed cases (several from the
// ONNX operator documentation and conformance tests), comparisons with brute-force pooling
// written from the ONNX formulas, and error cases.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <utility>

#include "op_test_util.h"

namespace kite {
namespace {

using test::expect_error;
using test::make_case;
using test::max_abs_diff;
using test::OpCase;
using test::param;
using test::random_tensor;
using test::ravel;
using test::run_op;
using test::unravel;

// 1, 2, 3, ... in row-major order.
Tensor counting(const Shape& shape) {
  Tensor t(DType::f32, shape);
  for (int64_t i = 0; i < t.numel(); ++i) t.data<float>()[i] = static_cast<float>(i + 1);
  return t;
}

// --- Brute-force pooling ------------------------------------------------------------------

struct PoolParams {
  std::vector<int64_t> kernel{}, strides{}, dilations{}, pads{};  // empty strides/dilations/pads: defaults
  bool ceil_mode = false;
  bool count_include_pad = false;
};

// The ONNX output-length formula, evaluated in floating point as the specification writes it.
int64_t pooled_length(int64_t in, int64_t kernel, int64_t stride, int64_t dilation, int64_t pad_begin,
                      int64_t pad_end, bool ceil_mode) {
  double exact = static_cast<double>(in + pad_begin + pad_end - ((kernel - 1) * dilation + 1)) / stride + 1;
  int64_t out = static_cast<int64_t>(ceil_mode ? std::ceil(exact) : std::floor(exact));
  if (ceil_mode && (out - 1) * stride >= in + pad_begin) --out;  // windows must start inside input or pads
  return out;
}

// Each output element visits its window: max or average over the positions inside the input;
// with count_include_pad the average divides by the positions inside input + pads.
Tensor brute_pool(const Tensor& x, const PoolParams& p, bool max) {
  size_t k = p.kernel.size();
  Shape out_shape{x.dim(0), x.dim(1)};
  for (size_t d = 0; d < k; ++d)
    out_shape.push_back(pooled_length(x.dim(2 + d), p.kernel[d], param(p.strides, d, 1), param(p.dilations, d, 1),
                                      param(p.pads, d, 0), param(p.pads, k + d, 0), p.ceil_mode));
  Tensor y(DType::f32, out_shape);
  for (int64_t i = 0; i < y.numel(); ++i) {
    std::vector<int64_t> out = unravel(i, out_shape);
    double best = -INFINITY, sum = 0;
    int64_t inside = 0, padded = 0;
    for (int64_t kk = 0; kk < shape_numel(p.kernel); ++kk) {
      std::vector<int64_t> offset = unravel(kk, p.kernel);
      std::vector<int64_t> at{out[0], out[1]};
      bool in_input = true, in_padded = true;
      for (size_t d = 0; d < k; ++d) {
        int64_t pos = out[2 + d] * param(p.strides, d, 1) - param(p.pads, d, 0) + offset[d] * param(p.dilations, d, 1);
        in_input = in_input && pos >= 0 && pos < x.dim(2 + d);
        in_padded = in_padded && pos >= -param(p.pads, d, 0) && pos < x.dim(2 + d) + param(p.pads, k + d, 0);
        at.push_back(pos);
      }
      padded += in_padded;
      if (!in_input) continue;
      float v = x.data<float>()[ravel(at, x.shape())];
      best = std::max(best, static_cast<double>(v));
      sum += v;
      ++inside;
    }
    y.data<float>()[i] = static_cast<float>(max ? best : sum / static_cast<double>(p.count_include_pad ? padded : inside));
  }
  return y;
}

OpCase pool_case(const char* op, const Tensor& x, const PoolParams& p) {
  OpCase c;
  c.op = op;
  c.inputs = {x};
  c.attrs.set_ints("kernel_shape", p.kernel);
  if (!p.strides.empty()) c.attrs.set_ints("strides", p.strides);
  if (!p.dilations.empty()) c.attrs.set_ints("dilations", p.dilations);
  if (!p.pads.empty()) c.attrs.set_ints("pads", p.pads);
  if (p.ceil_mode) c.attrs.set_int("ceil_mode", 1);
  if (p.count_include_pad) c.attrs.set_int("count_include_pad", 1);
  return c;
}

Tensor run_pool(const char* op, const Tensor& x, const PoolParams& p) { return run_op(pool_case(op, x, p))[0]; }

// --- MaxPool ------------------------------------------------------------------------------

TEST(MaxPool, PrecomputedPads) {
  Tensor y = run_pool("MaxPool", counting({1, 1, 5, 5}), {{5, 5}, {}, {}, {2, 2, 2, 2}});
  Tensor want = Tensor::from_floats({1, 1, 5, 5}, {13, 14, 15, 15, 15, 18, 19, 20, 20, 20, 23, 24, 25,
                                                   25, 25, 23, 24, 25, 25, 25, 23, 24, 25, 25, 25});
  EXPECT_EQ(max_abs_diff(y, want), 0.f);
}

TEST(MaxPool, CeilModeKeepsThePartialWindow) {
  Tensor x = counting({1, 1, 4, 4});
  EXPECT_EQ(max_abs_diff(run_pool("MaxPool", x, {{3, 3}, {2, 2}, {}, {}, true}),
                         Tensor::from_floats({1, 1, 2, 2}, {11, 12, 15, 16})),
            0.f);
  EXPECT_EQ(max_abs_diff(run_pool("MaxPool", x, {{3, 3}, {2, 2}}), Tensor::from_floats({1, 1, 1, 1}, {11})), 0.f);
}

TEST(MaxPool, CeilModeDropsAWindowStartingInTheEndPadding) {
  // ceil((4 + 1 - 2) / 2) + 1 = 3 windows, but the third would start at 4, in the padding.
  Tensor y = run_pool("MaxPool", counting({1, 1, 4}), {{2}, {2}, {}, {0, 1}, true});
  EXPECT_EQ(max_abs_diff(y, Tensor::from_floats({1, 1, 2}, {2, 4})), 0.f);
}

TEST(MaxPool, Dilations) {
  Tensor y = run_pool("MaxPool", counting({1, 1, 4, 4}), {{2, 2}, {}, {2, 2}});
  EXPECT_EQ(max_abs_diff(y, Tensor::from_floats({1, 1, 2, 2}, {11, 12, 15, 16})), 0.f);
}

TEST(MaxPool, NegativeInputsIgnoreThePadding) {
  Tensor x = Tensor::from_floats({1, 1, 3}, {-3, -1, -2});
  Tensor y = run_pool("MaxPool", x, {{2}, {}, {}, {1, 1}});
  EXPECT_EQ(max_abs_diff(y, Tensor::from_floats({1, 1, 4}, {-3, -1, -1, -2})), 0.f);
}

TEST(MaxPool, IndicesRowAndColumnMajor) {
  // Two channels of a 2x3 plane; kernel 2x2, stride 1 -> 1x2 outputs per channel. The tied 9s
  // check that the window's first maximum (row-major) wins.
  Tensor x = Tensor::from_floats({1, 2, 2, 3}, {1, 9, 9, 3, 4, 8, /**/ 7, 1, 1, 1, 1, 7});
  OpCase c = pool_case("MaxPool", x, {{2, 2}});
  c.num_outputs = 2;
  std::vector<Tensor> row_major = run_op(c);
  EXPECT_EQ(max_abs_diff(row_major[0], Tensor::from_floats({1, 2, 1, 2}, {9, 9, 7, 7})), 0.f);
  // Channel 1's first window has 7 at (0, 0) -> 6 + 0; its second has 7 at (1, 2) -> 6 + 5.
  const int64_t want_rows[4] = {1, 1, 6, 11};
  for (int i = 0; i < 4; ++i) EXPECT_EQ(row_major[1].data<int64_t>()[i], want_rows[i]) << i;
  c.attrs.set_int("storage_order", 1);  // (h, w) -> h + w * 2 within a plane
  std::vector<Tensor> column_major = run_op(c);
  const int64_t want_columns[4] = {2, 2, 6, 11};
  for (int i = 0; i < 4; ++i) EXPECT_EQ(column_major[1].data<int64_t>()[i], want_columns[i]) << i;
}

TEST(MaxPool, EightBitInputs) {
  Tensor x(DType::u8, {1, 1, 4});
  const uint8_t values[4] = {3, 250, 7, 9};
  std::copy(values, values + 4, x.data<uint8_t>());
  Tensor y = run_pool("MaxPool", x, {{2}, {2}, {}, {}});
  ASSERT_EQ(y.dtype(), DType::u8);
  EXPECT_EQ(y.data<uint8_t>()[0], 250);
  EXPECT_EQ(y.data<uint8_t>()[1], 9);
  expect_error(pool_case("MaxPool", Tensor::from_int64s({1, 1, 2}, {1, 2}), {{2}}), "X must be f32, f64, s8 or u8");
}

TEST(MaxPool, MatchesBruteForce) {
  struct Case {
    Shape x;
    PoolParams p;
  };
  const Case cases[] = {
      {{1, 2, 9}, {{3}, {2}, {}, {1, 1}}},
      {{2, 1, 10}, {{2}, {3}, {2}, {0, 1}, true}},
      {{1, 3, 7, 6}, {{3, 2}, {2, 2}, {}, {1, 0, 1, 1}}},
      {{1, 1, 8, 9}, {{2, 3}, {3, 2}, {2, 1}, {1, 1, 0, 2}, true}},
      {{1, 2, 5, 5}, {{5, 5}, {}, {}, {2, 2, 2, 2}}},
      {{1, 1, 4, 5, 6}, {{2, 2, 3}, {2, 1, 2}, {1, 2, 1}, {0, 1, 1, 1, 0, 1}, true}},
      {{2, 2, 3, 3, 3}, {{3, 3, 3}, {}, {}, {1, 1, 1, 1, 1, 1}}},
      {{1, 1, 3, 2}, {{5, 3}, {2, 2}, {}, {0, 0, 2, 2}}},  // some kernel rows never reach the input
  };
  uint32_t seed = 1;
  for (const Case& c : cases) {
    Tensor x = random_tensor(c.x, seed++);
    EXPECT_EQ(max_abs_diff(run_pool("MaxPool", x, c.p), brute_pool(x, c.p, true)), 0.f) << shape_to_string(c.x);
  }
}

TEST(MaxPool, AutoPadMatchesExplicitPadding) {
  Tensor x = random_tensor({1, 1, 5, 6}, 5);
  OpCase c = pool_case("MaxPool", x, {{4, 3}, {2, 2}});
  // Height: output 3, padding 3 in all; width: output 3, padding 1.
  c.attrs.set_string("auto_pad", "SAME_UPPER");
  EXPECT_EQ(max_abs_diff(run_op(c)[0], brute_pool(x, {{4, 3}, {2, 2}, {}, {1, 0, 2, 1}}, true)), 0.f);
  c.attrs.set_string("auto_pad", "SAME_LOWER");
  EXPECT_EQ(max_abs_diff(run_op(c)[0], brute_pool(x, {{4, 3}, {2, 2}, {}, {2, 1, 1, 0}}, true)), 0.f);
  c.attrs.set_string("auto_pad", "VALID");
  EXPECT_EQ(max_abs_diff(run_op(c)[0], brute_pool(x, {{4, 3}, {2, 2}}, true)), 0.f);
}

// --- AveragePool --------------------------------------------------------------------------

TEST(AveragePool, PaddingCountedOrNot) {
  Tensor x = Tensor::from_floats({1, 1, 3}, {1, 2, 3});
  EXPECT_EQ(max_abs_diff(run_pool("AveragePool", x, {{2}, {}, {}, {1, 1}}),
                         Tensor::from_floats({1, 1, 4}, {1, 1.5f, 2.5f, 3})),
            0.f);
  EXPECT_EQ(max_abs_diff(run_pool("AveragePool", x, {{2}, {}, {}, {1, 1}, false, true}),
                         Tensor::from_floats({1, 1, 4}, {0.5f, 1.5f, 2.5f, 1.5f})),
            0.f);
}

TEST(AveragePool, CeilModeWindowIsClippedToInputAndPads) {
  // Windows [0, 3), [2, 5), [4, 7); the last is clipped to [4, 6): element 4 and one pad.
  Tensor x = counting({1, 1, 5});
  EXPECT_EQ(max_abs_diff(run_pool("AveragePool", x, {{3}, {2}, {}, {0, 1}, true}),
                         Tensor::from_floats({1, 1, 3}, {2, 4, 5})),
            0.f);
  EXPECT_EQ(max_abs_diff(run_pool("AveragePool", x, {{3}, {2}, {}, {0, 1}, true, true}),
                         Tensor::from_floats({1, 1, 3}, {2, 4, 2.5f})),
            0.f);
}

TEST(AveragePool, TwoDimensionalCountIncludePad) {
  // 5x5 counting input, kernel 3, pads 2: row 0's windows see only input row 0 (1..5), in
  // column windows [o - 2, o], and always divide by 9.
  Tensor y = run_pool("AveragePool", counting({1, 1, 5, 5}), {{3, 3}, {}, {}, {2, 2, 2, 2}, false, true});
  ASSERT_EQ(y.shape(), (Shape{1, 1, 7, 7}));
  const float first_row[7] = {1, 3, 6, 9, 12, 9, 5};
  for (int i = 0; i < 7; ++i) EXPECT_NEAR(y.data<float>()[i], first_row[i] / 9, 1e-6) << i;
  EXPECT_NEAR(y.data<float>()[3 * 7 + 3], 13, 1e-5);  // the centre window: 7..9, 12..14, 17..19
}

TEST(AveragePool, MatchesBruteForce) {
  struct Case {
    Shape x;
    PoolParams p;
  };
  const Case cases[] = {
      {{1, 2, 9}, {{3}, {2}, {}, {1, 1}}},
      {{1, 2, 9}, {{3}, {2}, {}, {1, 1}, false, true}},
      {{2, 1, 10}, {{2}, {3}, {2}, {0, 1}, true, true}},
      {{1, 3, 7, 6}, {{3, 2}, {2, 2}, {}, {1, 0, 1, 1}, true}},
      {{1, 1, 8, 9}, {{2, 3}, {3, 2}, {2, 1}, {1, 1, 0, 2}, true, true}},
      {{1, 1, 4, 5, 6}, {{2, 2, 3}, {2, 1, 2}, {}, {0, 1, 1, 1, 0, 1}, true}},
      {{1, 2, 3, 4, 3}, {{3, 3, 3}, {}, {}, {1, 1, 1, 1, 1, 1}, false, true}},
      {{1, 1, 3, 2}, {{5, 3}, {2, 2}, {}, {0, 0, 2, 2}, false, true}},
  };
  uint32_t seed = 50;
  for (const Case& c : cases) {
    Tensor x = random_tensor(c.x, seed++);
    EXPECT_LT(max_abs_diff(run_pool("AveragePool", x, c.p), brute_pool(x, c.p, false)), 2e-6f) << shape_to_string(c.x);
  }
}

TEST(PoolErrors, BadAttributes) {
  Tensor x = counting({1, 1, 4, 4});
  expect_error(pool_case("MaxPool", counting({1, 1, 4, 4, 4}), {{2, 2}}), "kernel_shape has 2 dims, input has 3 spatial dims");
  expect_error(pool_case("MaxPool", x, {{2, 2}, {}, {}, {1, 1, 1}}), "pads has 3 values, expected 4");
  expect_error(pool_case("AveragePool", x, {{2, 2}, {0, 1}}), "strides value 0");
  expect_error(pool_case("AveragePool", x, {{5, 1}}), "empty");
  expect_error(pool_case("MaxPool", x, {{0, 1}}), "kernel size 0");
  expect_error(pool_case("MaxPool", x, {{1 << 20, 1 << 20}, {}, {}, {1 << 20, 1 << 20, 0, 0}}), "elements");
  expect_error(pool_case("MaxPool", counting({4, 4}), {{2, 2}}), "spatial dim");
  OpCase missing = pool_case("MaxPool", x, {{2, 2}});
  missing.attrs.erase("kernel_shape");
  expect_error(missing, "kernel_shape");
  OpCase ceil = pool_case("MaxPool", x, {{2, 2}});
  ceil.attrs.set_int("ceil_mode", 2);
  expect_error(ceil, "ceil_mode must be 0 or 1");
  OpCase order = pool_case("MaxPool", x, {{2, 2}});
  order.attrs.set_int("storage_order", 3);
  expect_error(order, "storage_order");
}

// --- Global pools -------------------------------------------------------------------------

TEST(GlobalPool, ReduceEachPlane) {
  Tensor x = Tensor::from_floats({1, 2, 2, 2}, {1, 2, 3, 6, -1, -5, -2, -4});
  std::vector<Tensor> avg = run_op(make_case("GlobalAveragePool", {x}));
  std::vector<Tensor> max = run_op(make_case("GlobalMaxPool", {x}));
  EXPECT_EQ(max_abs_diff(avg[0], Tensor::from_floats({1, 2, 1, 1}, {3, -3})), 0.f);
  EXPECT_EQ(max_abs_diff(max[0], Tensor::from_floats({1, 2, 1, 1}, {6, -1})), 0.f);
  std::vector<Tensor> three_d = run_op(make_case("GlobalAveragePool", {counting({2, 1, 2, 1, 3})}));
  EXPECT_EQ(max_abs_diff(three_d[0], Tensor::from_floats({2, 1, 1, 1, 1}, {3.5f, 9.5f})), 0.f);
  expect_error(make_case("GlobalMaxPool", {counting({2, 3})}), "spatial dim");
}

// --- LRN ----------------------------------------------------------------------------------

OpCase lrn_case(const Tensor& x, int64_t size, float alpha, float beta, float bias) {
  OpCase c = make_case("LRN", {x});
  c.attrs.set_int("size", size);
  c.attrs.set_float("alpha", alpha);
  c.attrs.set_float("beta", beta);
  c.attrs.set_float("bias", bias);
  return c;
}

TEST(LRN, SquareSumOverTheChannelWindow) {
  Tensor x = Tensor::from_floats({1, 3, 1, 1}, {1, 2, 3});
  // size 3 (alpha / size = 1): windows {0,1}, {0,1,2}, {1,2} -> sums 5, 14, 13.
  EXPECT_LT(max_abs_diff(run_op(lrn_case(x, 3, 3, 1, 1))[0],
                         Tensor::from_floats({1, 3, 1, 1}, {1.f / 6, 2.f / 15, 3.f / 14})),
            1e-7f);
  // size 2: the window reaches one channel forward, none back -> sums 5, 13, 9.
  EXPECT_LT(max_abs_diff(run_op(lrn_case(x, 2, 2, 1, 1))[0],
                         Tensor::from_floats({1, 3, 1, 1}, {1.f / 6, 2.f / 14, 3.f / 10})),
            1e-7f);
  // beta 0.5, bias 2 on a spatial plane.
  Tensor plane = Tensor::from_floats({1, 1, 1, 2}, {2, 3});
  EXPECT_LT(max_abs_diff(run_op(lrn_case(plane, 1, 1, 0.5f, 2))[0],
                         Tensor::from_floats({1, 1, 1, 2}, {2 / std::sqrt(6.f), 3 / std::sqrt(11.f)})),
            1e-6f);
}

TEST(LRN, DefaultsAndErrors) {
  OpCase c = make_case("LRN", {Tensor::from_floats({1, 1, 1}, {10})});
  c.attrs.set_int("size", 1);
  float want = 10 / std::pow(1 + 1e-4f * 100, 0.75f);
  EXPECT_NEAR(run_op(c)[0].data<float>()[0], want, 1e-5);
  c.attrs.set_int("size", 0);
  expect_error(c, "size 0");
  c.attrs.erase("size");
  expect_error(c, "size");
}

// --- Resize -------------------------------------------------------------------------------

OpCase resize_case(const Tensor& x, const std::vector<float>& scales, const std::vector<int64_t>& sizes,
                   const std::string& mode, const std::string& coordinates = "") {
  OpCase c;
  c.op = "Resize";
  c.opset = 13;
  Tensor scale_tensor = scales.empty() ? Tensor() : Tensor::from_floats({static_cast<int64_t>(scales.size())}, scales);
  Tensor size_tensor = sizes.empty() ? Tensor() : Tensor::from_int64s({static_cast<int64_t>(sizes.size())}, sizes);
  c.inputs = {x, Tensor(), scale_tensor, size_tensor};
  c.attrs.set_string("mode", mode);
  if (!coordinates.empty()) c.attrs.set_string("coordinate_transformation_mode", coordinates);
  return c;
}

Tensor run_resize(const OpCase& c) { return run_op(c)[0]; }

Tensor two_by_two() { return Tensor::from_floats({1, 1, 2, 2}, {1, 2, 3, 4}); }
Tensor two_by_four() { return Tensor::from_floats({1, 1, 2, 4}, {1, 2, 3, 4, 5, 6, 7, 8}); }

TEST(Resize, UpsampleNearest) {
  Tensor y = run_resize(resize_case(two_by_two(), {1, 1, 2, 3}, {}, "nearest"));
  Tensor want = Tensor::from_floats({1, 1, 4, 6}, {1, 1, 1, 2, 2, 2, 1, 1, 1, 2, 2, 2,
                                                   3, 3, 3, 4, 4, 4, 3, 3, 3, 4, 4, 4});
  EXPECT_EQ(max_abs_diff(y, want), 0.f);
}

TEST(Resize, DownsampleNearestAndLinear) {
  EXPECT_EQ(max_abs_diff(run_resize(resize_case(two_by_four(), {1, 1, 0.6f, 0.6f}, {}, "nearest")),
                         Tensor::from_floats({1, 1, 1, 2}, {1, 3})),
            0.f);
  EXPECT_LT(max_abs_diff(run_resize(resize_case(two_by_four(), {1, 1, 0.6f, 0.6f}, {}, "linear")),
                         Tensor::from_floats({1, 1, 1, 2}, {2.6666665f, 4.3333333f})),
            1e-6f);
  // align_corners divides by the unrounded resized length 2.4 - 1, as the ONNX reference does.
  EXPECT_LT(max_abs_diff(run_resize(resize_case(two_by_four(), {1, 1, 0.6f, 0.6f}, {}, "linear", "align_corners")),
                         Tensor::from_floats({1, 1, 1, 2}, {1, 3.142857f})),
            1e-5f);
}

TEST(Resize, UpsampleLinear) {
  Tensor half_pixel = run_resize(resize_case(two_by_two(), {1, 1, 2, 2}, {}, "linear"));
  Tensor want = Tensor::from_floats({1, 1, 4, 4}, {1, 1.25f, 1.75f, 2, 1.5f, 1.75f, 2.25f, 2.5f, 2.5f, 2.75f,
                                                   3.25f, 3.5f, 3, 3.25f, 3.75f, 4});
  EXPECT_LT(max_abs_diff(half_pixel, want), 1e-6f);
  Tensor corners = run_resize(resize_case(two_by_two(), {1, 1, 2, 2}, {}, "linear", "align_corners"));
  const float third = 1.f / 3;
  Tensor want_corners = Tensor::from_floats(
      {1, 1, 4, 4}, {1, 1 + third, 2 - third, 2, 1 + 2 * third, 2, 2 + third, 2 + 2 * third, 3 - 2 * third,
                     3 - third, 3, 3 + third, 3, 3 + third, 4 - third, 4});
  EXPECT_LT(max_abs_diff(corners, want_corners), 1e-6f);
  Tensor asymmetric = run_resize(resize_case(two_by_two(), {1, 1, 2, 2}, {}, "linear", "asymmetric"));
  Tensor want_asymmetric = Tensor::from_floats({1, 1, 4, 4}, {1, 1.5f, 2, 2, 2, 2.5f, 3, 3, 3, 3.5f, 4, 4, 3, 3.5f, 4, 4});
  EXPECT_LT(max_abs_diff(asymmetric, want_asymmetric), 1e-6f);
}

TEST(Resize, HalfPixelSymmetric) {
  Tensor y = run_resize(resize_case(two_by_two(), {1, 1, 2.3f, 2.94f}, {}, "linear", "half_pixel_symmetric"));
  ASSERT_EQ(y.shape(), (Shape{1, 1, 4, 5}));
  EXPECT_NEAR(y.data<float>()[1], 1.15986395f, 1e-5);  // row 0, column 1
  EXPECT_NEAR(y.data<float>()[5], 1.56521738f, 1e-5);  // row 1, column 0
}

// One axis of 4 resized to 3 (asymmetric, scale 0.75: coordinates 0, 1.33, 2.67) and to 8
// (coordinates 0, 0.5, 1, ..., 3.5) tells the four rounding modes apart.
TEST(Resize, NearestModes) {
  Tensor x = Tensor::from_floats({4}, {10, 11, 12, 13});
  struct Expect {
    const char* mode;
    std::vector<float> down, up;
  };
  const Expect cases[] = {
      {"round_prefer_floor", {10, 11, 13}, {10, 10, 11, 11, 12, 12, 13, 13}},
      {"round_prefer_ceil", {10, 11, 13}, {10, 11, 11, 12, 12, 13, 13, 13}},
      {"floor", {10, 11, 12}, {10, 10, 11, 11, 12, 12, 13, 13}},
      {"ceil", {10, 12, 13}, {10, 11, 11, 12, 12, 13, 13, 13}},
  };
  for (const Expect& e : cases) {
    OpCase down = resize_case(x, {}, {3}, "nearest", "asymmetric");
    down.attrs.set_string("nearest_mode", e.mode);
    EXPECT_EQ(max_abs_diff(run_resize(down), Tensor::from_floats({3}, e.down)), 0.f) << e.mode;
    OpCase up = resize_case(x, {}, {8}, "nearest", "asymmetric");
    up.attrs.set_string("nearest_mode", e.mode);
    EXPECT_EQ(max_abs_diff(run_resize(up), Tensor::from_floats({8}, e.up)), 0.f) << e.mode;
  }
}

TEST(Resize, OtherCoordinateModes) {
  Tensor x = Tensor::from_floats({4}, {10, 11, 12, 13});
  // tf_half_pixel_for_nn: (o + 0.5) / 0.5 = 1, 3 -> 11, 13.
  EXPECT_EQ(max_abs_diff(run_resize(resize_case(x, {}, {2}, "nearest", "tf_half_pixel_for_nn")),
                         Tensor::from_floats({2}, {11, 13})),
            0.f);
  // pytorch_half_pixel reads coordinate 0 for a length-1 output; half_pixel reads 1.5.
  EXPECT_EQ(max_abs_diff(run_resize(resize_case(x, {}, {1}, "linear", "pytorch_half_pixel")),
                         Tensor::from_floats({1}, {10})),
            0.f);
  EXPECT_EQ(max_abs_diff(run_resize(resize_case(x, {}, {1}, "linear")), Tensor::from_floats({1}, {11.5f})), 0.f);
}

TEST(Resize, SizesAxesAndAspectRatio) {
  Tensor x = counting({1, 1, 2, 2});
  OpCase axes = resize_case(x, {}, {4, 4}, "nearest");
  axes.opset = 18;
  axes.attrs.set_ints("axes", {-2, 3});
  EXPECT_EQ(run_resize(axes).shape(), (Shape{1, 1, 4, 4}));
  // not_larger: scale min(7/2, 8/2) = 3.5 -> 7x7; not_smaller: 4 -> 8x8.
  OpCase keep = resize_case(x, {}, {7, 8}, "nearest");
  keep.opset = 18;
  keep.attrs.set_ints("axes", {2, 3});
  keep.attrs.set_string("keep_aspect_ratio_policy", "not_larger");
  EXPECT_EQ(run_resize(keep).shape(), (Shape{1, 1, 7, 7}));
  keep.attrs.set_string("keep_aspect_ratio_policy", "not_smaller");
  EXPECT_EQ(run_resize(keep).shape(), (Shape{1, 1, 8, 8}));
  // Scales of length 2 with axes.
  OpCase scaled = resize_case(counting({2, 3, 4}), {2, 0.5f}, {}, "nearest");
  scaled.opset = 18;
  scaled.attrs.set_ints("axes", {0, 2});
  EXPECT_EQ(run_resize(scaled).shape(), (Shape{4, 3, 2}));
}

TEST(Resize, TfCropAndResize) {
  // The input is linear in its indices (1 + 4r + c), so bilinear sampling is exact.
  Tensor x = counting({1, 1, 4, 4});
  OpCase c = resize_case(x, {}, {1, 1, 3, 3}, "linear", "tf_crop_and_resize");
  c.inputs[1] = Tensor::from_floats({8}, {0, 0, 0.4f, 0.6f, 1, 1, 0.6f, 0.8f});
  // Rows 1.2, 1.5, 1.8; columns 1.8, 2.1, 2.4.
  std::vector<float> want;
  for (float r : {1.2f, 1.5f, 1.8f})
    for (float col : {1.8f, 2.1f, 2.4f}) want.push_back(1 + 4 * r + col);
  EXPECT_LT(max_abs_diff(run_resize(c), Tensor::from_floats({1, 1, 3, 3}, want)), 1e-5f);
  // Past the edge: rows 1.2, 2.4, 3.6 and columns 1.8, 3.45, 5.1 -> extrapolation_value.
  c.inputs[1] = Tensor::from_floats({8}, {0, 0, 0.4f, 0.6f, 1, 1, 1.2f, 1.7f});
  c.attrs.set_float("extrapolation_value", 10);
  EXPECT_LT(max_abs_diff(run_resize(c), Tensor::from_floats({1, 1, 3, 3}, {7.6f, 10, 10, 12.4f, 10, 10, 10, 10, 10})),
            1e-5f);
}

TEST(Resize, Opset10) {
  // Resize-10: asymmetric coordinates, floor when upsampling, ceil when downsampling.
  OpCase up = make_case("Resize", {two_by_two(), Tensor::from_floats({4}, {1, 1, 2, 3})});
  up.opset = 10;
  Tensor want = Tensor::from_floats({1, 1, 4, 6}, {1, 1, 1, 2, 2, 2, 1, 1, 1, 2, 2, 2,
                                                   3, 3, 3, 4, 4, 4, 3, 3, 3, 4, 4, 4});
  EXPECT_EQ(max_abs_diff(run_resize(up), want), 0.f);
  OpCase down = make_case("Resize", {two_by_four(), Tensor::from_floats({4}, {1, 1, 0.6f, 0.6f})});
  down.opset = 10;
  EXPECT_EQ(max_abs_diff(run_resize(down), Tensor::from_floats({1, 1, 1, 2}, {1, 3})), 0.f);
  OpCase linear = make_case("Resize", {two_by_two(), Tensor::from_floats({4}, {1, 1, 2, 2})});
  linear.opset = 10;
  linear.attrs.set_string("mode", "linear");
  Tensor want_linear = Tensor::from_floats({1, 1, 4, 4}, {1, 1.5f, 2, 2, 2, 2.5f, 3, 3, 3, 3.5f, 4, 4, 3, 3.5f, 4, 4});
  EXPECT_EQ(max_abs_diff(run_resize(linear), want_linear), 0.f);
}

TEST(Resize, EmptyScalesMeanSizesAreUsed) {
  OpCase c = resize_case(two_by_two(), {}, {1, 1, 4, 4}, "nearest");
  c.inputs[1] = Tensor(DType::f32, {0});  // empty roi
  c.inputs[2] = Tensor(DType::f32, {0});  // empty scales
  EXPECT_EQ(run_resize(c).shape(), (Shape{1, 1, 4, 4}));
}

TEST(ResizeErrors, RejectsWhatItCannotDo) {
  expect_error(resize_case(two_by_two(), {1, 1, 2, 2}, {}, "cubic"), "cubic");
  expect_error(resize_case(two_by_two(), {1, 1, 2, 2}, {1, 1, 4, 4}, "nearest"), "not both");
  expect_error(resize_case(two_by_two(), {}, {}, "nearest"), "scales or sizes");
  expect_error(resize_case(two_by_two(), {1, 2}, {}, "nearest"), "scales has 2 values, expected 4");
  expect_error(resize_case(two_by_two(), {1, 1, 0, 2}, {}, "nearest"), "must be positive");
  expect_error(resize_case(two_by_two(), {1, 1, 0.4f, 2}, {}, "nearest"), "empty");
  expect_error(resize_case(two_by_two(), {}, {1, 1, 0, 2}, "nearest"), "must be positive");
  expect_error(resize_case(two_by_two(), {1, 1, 2, 2}, {}, "bilinear"), "mode 'bilinear'");
  expect_error(resize_case(two_by_two(), {}, {1, 1, 3, 3}, "linear", "tf_crop_and_resize"), "roi");
  // Scales or sizes computed at run time defer shape inference to run time.
  OpCase runtime_scales = resize_case(two_by_two(), {1, 1, 2, 2}, {}, "nearest");
  runtime_scales.constant = {true, true, false, true};
  EXPECT_THROW(run_op(runtime_scales), ValueNeededAtRunTime);
  OpCase runtime_sizes = resize_case(two_by_two(), {}, {1, 1, 4, 4}, "nearest");
  runtime_sizes.constant = {true, true, true, false};
  EXPECT_THROW(run_op(runtime_sizes), ValueNeededAtRunTime);
  OpCase antialias = resize_case(two_by_two(), {1, 1, 2, 2}, {}, "linear");
  antialias.attrs.set_int("antialias", 1);
  expect_error(antialias, "antialias");
  OpCase rounding = resize_case(two_by_two(), {1, 1, 2, 2}, {}, "nearest");
  rounding.attrs.set_string("nearest_mode", "round");
  expect_error(rounding, "nearest_mode 'round'");
}

}  // namespace
}  // namespace kite
