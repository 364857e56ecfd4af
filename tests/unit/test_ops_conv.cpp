// Conv, ConvTranspose and BatchNormalization: hand-computed cases (several from the ONNX operator
// documentation), comparisons with a brute-force convolution written from the ONNX formula,
// algebraic properties (grouping, dilation, adjointness) and error cases.
#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include "op_test_util.h"

namespace kite {
namespace {

using test::expect_error;
using test::filled;
using test::iota;
using test::max_abs_diff;
using test::OpCase;
using test::param;
using test::random_tensor;
using test::ravel;
using test::run_op;
using test::unravel;

double dot(const Tensor& a, const Tensor& b) {
  EXPECT_EQ(a.shape(), b.shape());
  double sum = 0;
  for (int64_t i = 0; i < a.numel(); ++i) sum += static_cast<double>(a.data<float>()[i]) * b.data<float>()[i];
  return sum;
}

struct ConvParams {
  std::vector<int64_t> strides{}, dilations{}, pads{};  // empty: ONNX defaults
  int64_t group = 1;
};

size_t spatial_rank(const Tensor& x) { return static_cast<size_t>(x.rank() - 2); }

// Conv straight from the ONNX definition: every output element sums over its window, skipping
// positions in the padding. Accumulates in double.
Tensor brute_conv(const Tensor& x, const Tensor& w, const Tensor* b, const ConvParams& p) {
  size_t k = spatial_rank(x);
  int64_t out_channels = w.dim(0), per_group = w.dim(1);
  Shape out_shape{x.dim(0), out_channels};
  Shape kernel(w.shape().begin() + 2, w.shape().end());
  for (size_t d = 0; d < k; ++d) {
    int64_t span = (kernel[d] - 1) * param(p.dilations, d, 1) + 1;
    int64_t padded = x.dim(2 + d) + param(p.pads, d, 0) + param(p.pads, k + d, 0);
    out_shape.push_back((padded - span) / param(p.strides, d, 1) + 1);
  }
  Tensor y(DType::f32, out_shape);
  for (int64_t i = 0; i < y.numel(); ++i) {
    std::vector<int64_t> out = unravel(i, out_shape);
    int64_t n = out[0], m = out[1], g = m / (out_channels / p.group);
    double sum = b ? b->data<float>()[m] : 0.0;
    for (int64_t c = 0; c < per_group; ++c)
      for (int64_t kk = 0; kk < shape_numel(kernel); ++kk) {
        std::vector<int64_t> offset = unravel(kk, kernel);
        std::vector<int64_t> at{n, g * per_group + c};
        bool inside = true;
        for (size_t d = 0; d < k; ++d) {
          int64_t pos = out[2 + d] * param(p.strides, d, 1) - param(p.pads, d, 0) + offset[d] * param(p.dilations, d, 1);
          inside = inside && pos >= 0 && pos < x.dim(2 + d);
          at.push_back(pos);
        }
        if (!inside) continue;
        std::vector<int64_t> w_at{m, c};
        w_at.insert(w_at.end(), offset.begin(), offset.end());
        sum += static_cast<double>(x.data<float>()[ravel(at, x.shape())]) * w.data<float>()[ravel(w_at, w.shape())];
      }
    y.data<float>()[i] = static_cast<float>(sum);
  }
  return y;
}

OpCase conv_case(const std::string& op, const std::vector<Tensor>& inputs, const ConvParams& p) {
  OpCase c;
  c.op = op;
  c.inputs = inputs;
  if (!p.strides.empty()) c.attrs.set_ints("strides", p.strides);
  if (!p.dilations.empty()) c.attrs.set_ints("dilations", p.dilations);
  if (!p.pads.empty()) c.attrs.set_ints("pads", p.pads);
  if (p.group != 1) c.attrs.set_int("group", p.group);
  return c;
}

Tensor run_conv(const Tensor& x, const Tensor& w, const ConvParams& p, const Tensor& b = Tensor()) {
  std::vector<Tensor> inputs{x, w};
  if (!b.empty()) inputs.push_back(b);
  return run_op(conv_case("Conv", inputs, p))[0];
}

// --- Conv: hand-computed ------------------------------------------------------------------

TEST(Conv, ThreeByThreeOnesWithoutPadding) {
  Tensor y = run_conv(iota({1, 1, 5, 5}), filled({1, 1, 3, 3}, 1.f), {});
  EXPECT_EQ(y.shape(), (Shape{1, 1, 3, 3}));
  EXPECT_EQ(max_abs_diff(y, Tensor::from_floats({1, 1, 3, 3}, {54, 63, 72, 99, 108, 117, 144, 153, 162})), 0.f);
}

TEST(Conv, ThreeByThreeOnesWithPadding) {
  Tensor y = run_conv(iota({1, 1, 5, 5}), filled({1, 1, 3, 3}, 1.f), {{}, {}, {1, 1, 1, 1}});
  Tensor want = Tensor::from_floats({1, 1, 5, 5}, {12, 21, 27, 33,  24,  33, 54, 63, 72,  51,  63,  99, 108,
                                                   117, 81, 93, 144, 153, 162, 111, 72, 111, 117, 123, 84});
  EXPECT_EQ(max_abs_diff(y, want), 0.f);
}

TEST(Conv, StridesWithAsymmetricPadding) {
  // Pads only the top and bottom (pads = [top, left, bottom, right]).
  Tensor y = run_conv(iota({1, 1, 7, 5}), filled({1, 1, 3, 3}, 1.f), {{2, 2}, {}, {1, 0, 1, 0}});
  EXPECT_EQ(max_abs_diff(y, Tensor::from_floats({1, 1, 4, 2}, {21, 33, 99, 117, 189, 207, 171, 183})), 0.f);
}

TEST(Conv, OneDimensionalWithBias) {
  Tensor y = run_conv(Tensor::from_floats({1, 1, 4}, {1, 2, 3, 5}), Tensor::from_floats({1, 1, 2}, {1, -1}), {},
                      Tensor::from_floats({1}, {0.5f}));
  EXPECT_EQ(max_abs_diff(y, Tensor::from_floats({1, 1, 3}, {-0.5f, -0.5f, -1.5f})), 0.f);
}

TEST(Conv, OnlyPaddingBeginShiftsTheWindow) {
  // pads [1, 0]: the first window starts one element before the input.
  Tensor y = run_conv(Tensor::from_floats({1, 1, 3}, {1, 2, 3}), Tensor::from_floats({1, 1, 2}, {10, 1}),
                      {{}, {}, {1, 0}});
  EXPECT_EQ(max_abs_diff(y, Tensor::from_floats({1, 1, 3}, {1, 12, 23})), 0.f);
}

TEST(Conv, KernelShapeAttributeMatchingTheWeightIsAccepted) {
  OpCase c = conv_case("Conv", {iota({1, 1, 4, 4}), filled({1, 1, 2, 2}, 1.f)}, {});
  c.attrs.set_ints("kernel_shape", {2, 2});
  EXPECT_EQ(run_op(c)[0].shape(), (Shape{1, 1, 3, 3}));
}

// --- Conv: against the brute force --------------------------------------------------------

struct RandomConv {
  Shape x, w;
  ConvParams p;
};

TEST(Conv, MatchesBruteForceOverShapesAndAttributes) {
  const RandomConv cases[] = {
      {{1, 1, 7}, {2, 1, 3}, {}},
      {{2, 3, 9}, {4, 3, 2}, {{2}, {3}, {1, 2}}},
      {{1, 2, 5, 6}, {3, 2, 3, 3}, {}},
      {{2, 4, 7, 5}, {6, 2, 3, 2}, {{2, 1}, {1, 2}, {1, 0, 2, 1}, 2}},
      {{1, 6, 6, 7}, {6, 1, 3, 3}, {{1, 2}, {2, 1}, {2, 1, 0, 2}, 6}},  // depthwise
      {{1, 3, 11, 10}, {2, 3, 5, 4}, {{3, 2}, {1, 1}, {2, 2, 2, 1}}},
      {{1, 2, 4, 5, 6}, {2, 2, 2, 3, 2}, {{1, 2, 1}, {1, 1, 2}, {0, 1, 1, 1, 0, 1}}},
      {{2, 4, 5, 4, 3}, {4, 2, 3, 3, 3}, {{2, 1, 1}, {}, {1, 1, 1, 1, 1, 1}, 2}},
      {{1, 1, 1, 1}, {1, 1, 1, 1}, {}},
      {{1, 1, 2, 2}, {1, 1, 3, 3}, {{}, {}, {1, 1, 1, 1}}},  // kernel larger than the input
      // Kernel rows 3 and 4 lie past the input for every output position (stride 2).
      {{1, 2, 3, 2}, {1, 2, 5, 3}, {{2, 2}, {}, {0, 0, 2, 2}}},
  };
  uint32_t seed = 1;
  for (const RandomConv& rc : cases) {
    Tensor x = random_tensor(rc.x, seed++), w = random_tensor(rc.w, seed++), b = random_tensor({rc.w[0]}, seed++);
    Tensor y = run_conv(x, w, rc.p, b);
    EXPECT_LT(max_abs_diff(y, brute_conv(x, w, &b, rc.p)), 1e-4f) << "x " << shape_to_string(rc.x);
  }
}

// auto_pad picks the padding; the brute force gets it spelled out.
TEST(Conv, AutoPadMatchesExplicitPadding) {
  Tensor x = random_tensor({1, 2, 5, 6}, 7), w = random_tensor({3, 2, 4, 3}, 8);
  ConvParams strided{{2, 2}, {}, {}};
  auto with_auto_pad = [&](const char* mode) {
    OpCase c = conv_case("Conv", {x, w}, strided);
    c.attrs.set_string("auto_pad", mode);
    return run_op(c)[0];
  };
  // Height: output 3, total padding (3-1)*2 + 4 - 5 = 3. Width: output 3, total (3-1)*2 + 3 - 6 = 1.
  Tensor upper = with_auto_pad("SAME_UPPER"), lower = with_auto_pad("SAME_LOWER");
  EXPECT_EQ(upper.shape(), (Shape{1, 3, 3, 3}));
  EXPECT_LT(max_abs_diff(upper, brute_conv(x, w, nullptr, {{2, 2}, {}, {1, 0, 2, 1}})), 1e-5f);
  EXPECT_LT(max_abs_diff(lower, brute_conv(x, w, nullptr, {{2, 2}, {}, {2, 1, 1, 0}})), 1e-5f);
  EXPECT_LT(max_abs_diff(with_auto_pad("VALID"), brute_conv(x, w, nullptr, strided)), 1e-5f);
}

// --- Conv: properties ---------------------------------------------------------------------

// Channels [first, first + count) of a (N, C, ...) or (C, ...) tensor along `axis`.
Tensor channel_slice(const Tensor& t, int64_t axis, int64_t first, int64_t count) {
  Shape shape = t.shape();
  shape[static_cast<size_t>(axis)] = count;
  Tensor out(DType::f32, shape);
  for (int64_t i = 0; i < out.numel(); ++i) {
    std::vector<int64_t> at = unravel(i, shape);
    at[static_cast<size_t>(axis)] += first;
    out.data<float>()[i] = t.data<float>()[ravel(at, t.shape())];
  }
  return out;
}

TEST(Conv, GroupedConvEqualsConvsPerGroup) {
  const int64_t group = 3;
  Tensor x = random_tensor({2, 6, 5, 5}, 11), w = random_tensor({9, 2, 3, 2}, 12);
  ConvParams p{{1, 2}, {2, 1}, {1, 1, 0, 1}, group};
  Tensor grouped = run_conv(x, w, p);
  ConvParams single = p;
  single.group = 1;
  for (int64_t g = 0; g < group; ++g) {
    Tensor part = run_conv(channel_slice(x, 1, 2 * g, 2), channel_slice(w, 0, 3 * g, 3), single);
    EXPECT_LT(max_abs_diff(channel_slice(grouped, 1, 3 * g, 3), part), 1e-5f) << "group " << g;
  }
}

TEST(Conv, DilatedConvEqualsConvWithZeroInsertedKernel) {
  Tensor x = random_tensor({1, 2, 9, 8}, 21), w = random_tensor({2, 2, 3, 2}, 22);
  // Dilations (2, 3): kernel element (i, j) moves to (2i, 3j) of a 5x4 kernel, zeros between.
  Tensor spread(DType::f32, {2, 2, 5, 4});
  for (int64_t i = 0; i < w.numel(); ++i) {
    std::vector<int64_t> at = unravel(i, w.shape());
    at[2] *= 2;
    at[3] *= 3;
    spread.data<float>()[ravel(at, spread.shape())] = w.data<float>()[i];
  }
  Tensor dilated = run_conv(x, w, {{1, 2}, {2, 3}, {1, 2, 0, 1}});
  Tensor zero_inserted = run_conv(x, spread, {{1, 2}, {}, {1, 2, 0, 1}});
  EXPECT_LT(max_abs_diff(dilated, zero_inserted), 1e-5f);
}

// --- ConvTranspose ------------------------------------------------------------------------

Tensor run_conv_transpose(const OpCase& c) { return run_op(c)[0]; }

TEST(ConvTranspose, ThreeByThreeOnes) {
  OpCase c = conv_case("ConvTranspose", {iota({1, 1, 3, 3}), filled({1, 2, 3, 3}, 1.f)}, {});
  Tensor y = run_conv_transpose(c);
  const std::vector<float> plane{0, 1, 3,  3,  2,  3, 8,  15, 12, 7,  9,  21, 36,
                                 27, 15, 9, 20, 33, 24, 13, 6, 13, 21, 15, 8};
  std::vector<float> both(plane);
  both.insert(both.end(), plane.begin(), plane.end());
  EXPECT_EQ(max_abs_diff(y, Tensor::from_floats({1, 2, 5, 5}, both)), 0.f);
}

TEST(ConvTranspose, StridesAndPads) {
  OpCase c = conv_case("ConvTranspose", {iota({1, 1, 3, 3}), filled({1, 1, 3, 3}, 1.f)}, {{3, 2}, {}, {1, 2, 1, 2}});
  Tensor want = Tensor::from_floats({1, 1, 7, 3}, {1, 1, 3, 1, 1, 3, 7, 4, 9, 7, 4, 9, 7, 4, 9, 13, 7, 15, 13, 7, 15});
  EXPECT_EQ(max_abs_diff(run_conv_transpose(c), want), 0.f);
}

// The full output of x = [[0,1,2],[3,4,5],[6,7,8]] with 3x3 ones and strides (3, 2) is 9x7; both
// output_shape [10, 8] and output_padding [1, 1] extend it by a row and a column of zeros.
Tensor strided_full_output() {
  const float rows[3][7] = {{0, 0, 1, 1, 3, 2, 2}, {3, 3, 7, 4, 9, 5, 5}, {6, 6, 13, 7, 15, 8, 8}};
  std::vector<float> values;
  for (int r = 0; r < 10; ++r)
    for (int col = 0; col < 8; ++col) values.push_back(r < 9 && col < 7 ? rows[r / 3][col] : 0.f);
  return Tensor::from_floats({1, 1, 10, 8}, values);
}

TEST(ConvTranspose, OutputShapeAndOutputPaddingExtendTheEnd) {
  Tensor x = iota({1, 1, 3, 3}), w = filled({1, 1, 3, 3}, 1.f);
  OpCase shaped = conv_case("ConvTranspose", {x, w}, {{3, 2}, {}, {}});
  shaped.attrs.set_ints("output_shape", {10, 8});
  EXPECT_EQ(max_abs_diff(run_conv_transpose(shaped), strided_full_output()), 0.f);
  OpCase padded = conv_case("ConvTranspose", {x, w}, {{3, 2}, {}, {}});
  padded.attrs.set_ints("output_padding", {1, 1});
  EXPECT_EQ(max_abs_diff(run_conv_transpose(padded), strided_full_output()), 0.f);
}

TEST(ConvTranspose, AutoPadSameUpperCropsTheEnd) {
  OpCase c = conv_case("ConvTranspose", {iota({1, 1, 3, 3}), filled({1, 1, 3, 3}, 1.f)}, {{2, 2}, {}, {}});
  c.attrs.set_string("auto_pad", "SAME_UPPER");
  Tensor y = run_conv_transpose(c);
  ASSERT_EQ(y.shape(), (Shape{1, 1, 6, 6}));
  // The full 7x7 output's first row is [0, 0, 1, 1, 3, 2, 2]; SAME_UPPER drops the last column.
  const float first_row[6] = {0, 0, 1, 1, 3, 2};
  for (int i = 0; i < 6; ++i) EXPECT_EQ(y.data<float>()[i], first_row[i]) << i;
  c.attrs.set_string("auto_pad", "SAME_LOWER");  // drops the first column instead
  Tensor lower = run_conv_transpose(c);
  const float lower_row[6] = {0, 1, 1, 3, 2, 2};
  for (int i = 0; i < 6; ++i) EXPECT_EQ(lower.data<float>()[i], lower_row[i]) << i;
}

TEST(ConvTranspose, BiasAndGroups) {
  // Two groups of one input channel each, two output channels per group, 1-D.
  Tensor x = Tensor::from_floats({1, 2, 2}, {1, 2, 10, 20});
  Tensor w = Tensor::from_floats({2, 2, 1}, {1, 2, 3, 4});
  Tensor b = Tensor::from_floats({4}, {0.5f, 0, 0, -1});
  OpCase c = conv_case("ConvTranspose", {x, w, b}, {{}, {}, {}, 2});
  Tensor want = Tensor::from_floats({1, 4, 2}, {1.5f, 2.5f, 2, 4, 30, 60, 39, 79});
  EXPECT_EQ(max_abs_diff(run_conv_transpose(c), want), 0.f);
}

// ConvTranspose is the adjoint of Conv with the same weight: <conv(x), r> == <x, convT(r)>.
TEST(ConvTranspose, IsTheAdjointOfConv) {
  const RandomConv cases[] = {
      {{1, 2, 7}, {3, 2, 3}, {{2}, {1}, {1, 0}}},
      {{2, 2, 6, 7}, {4, 2, 3, 3}, {{2, 3}, {1, 1}, {1, 2, 0, 1}}},
      {{1, 4, 8, 5}, {6, 2, 2, 3}, {{3, 1}, {2, 2}, {0, 1, 2, 2}, 2}},
      {{1, 3, 9, 9}, {3, 1, 3, 3}, {{2, 2}, {}, {1, 1, 1, 1}, 3}},
      {{1, 2, 4, 5, 6}, {2, 2, 2, 2, 3}, {{2, 1, 2}, {1, 2, 1}, {1, 0, 1, 0, 1, 2}}},
  };
  uint32_t seed = 100;
  for (const RandomConv& rc : cases) {
    Tensor x = random_tensor(rc.x, seed++), w = random_tensor(rc.w, seed++);
    Tensor y = run_conv(x, w, rc.p);
    Tensor r = random_tensor(y.shape(), seed++);
    // output_padding restores the input positions that Conv's floor division dropped.
    size_t k = rc.x.size() - 2;
    std::vector<int64_t> output_padding;
    for (size_t d = 0; d < k; ++d) {
      int64_t span = (rc.w[2 + d] - 1) * param(rc.p.dilations, d, 1) + 1;
      int64_t room = rc.x[2 + d] + param(rc.p.pads, d, 0) + param(rc.p.pads, k + d, 0) - span;
      output_padding.push_back(room % param(rc.p.strides, d, 1));
    }
    OpCase c = conv_case("ConvTranspose", {r, w}, rc.p);
    c.attrs.set_ints("output_padding", output_padding);
    Tensor back = run_conv_transpose(c);
    ASSERT_EQ(back.shape(), x.shape());
    double lhs = dot(y, r), rhs = dot(x, back);
    EXPECT_NEAR(lhs, rhs, 1e-4 * (1 + std::fabs(lhs))) << "x " << shape_to_string(rc.x);
  }
}

// --- Errors -------------------------------------------------------------------------------

TEST(ConvErrors, ChannelMismatchSaysWhatWasExpected) {
  expect_error(conv_case("Conv", {iota({1, 3, 5, 5}), filled({4, 16, 3, 3}, 1)}, {}),
               "weight has 16 input channels per group, input has 3 channels and group 1 (expected 3)");
}

TEST(ConvErrors, BadShapesAndAttributes) {
  Tensor x = iota({1, 4, 5, 5}), w = filled({2, 4, 3, 3}, 1);
  expect_error(conv_case("Conv", {x, filled({2, 4, 3}, 1)}, {}), "rank");
  expect_error(conv_case("Conv", {iota({1, 4}), filled({2, 4}, 1)}, {}), "spatial dim");
  expect_error(conv_case("Conv", {x, filled({2, 2, 3, 3}, 1)}, {{}, {}, {}, 3}), "not divisible by group 3");
  expect_error(conv_case("Conv", {x, filled({3, 2, 3, 3}, 1)}, {{}, {}, {}, 2}), "3 output channels");
  expect_error(conv_case("Conv", {x, w}, {{}, {}, {1, 1}}), "pads has 2 values, expected 4");
  expect_error(conv_case("Conv", {x, w}, {{}, {}, {-1, 0, 0, 0}}), "pads value -1");
  expect_error(conv_case("Conv", {x, w}, {{0, 1}}), "strides value 0");
  expect_error(conv_case("Conv", {x, w}, {{1, 1, 1}}), "strides has 3 values, input has 2 spatial dims");
  expect_error(conv_case("Conv", {x, w}, {{}, {0, 1}}), "dilations value 0");
  expect_error(conv_case("Conv", {x, filled({2, 4, 6, 3}, 1)}, {}), "empty");
  expect_error(conv_case("Conv", {x, w, filled({3}, 1)}, {}), "bias B has shape [3], expected [2]");
  expect_error(conv_case("Conv", {x, Tensor()}, {}), "W");
  expect_error(conv_case("Conv", {Tensor::from_int64s({1, 1, 1}, {1}), filled({1, 1, 1}, 1)}, {}), "must be f32");
  OpCase kernel_shape = conv_case("Conv", {x, w}, {});
  kernel_shape.attrs.set_ints("kernel_shape", {3, 3, 3});
  expect_error(kernel_shape, "kernel_shape [3, 3, 3] does not match");
  OpCase auto_pad = conv_case("Conv", {x, w}, {});
  auto_pad.attrs.set_string("auto_pad", "SAME");
  expect_error(auto_pad, "auto_pad 'SAME'");
}

TEST(ConvErrors, ConvTransposeChecksItsWeightAndOutputShape) {
  Tensor x = iota({1, 2, 3, 3});
  expect_error(conv_case("ConvTranspose", {x, filled({3, 1, 2, 2}, 1)}, {}), "weight has 3 input channels");
  OpCase shaped = conv_case("ConvTranspose", {x, filled({2, 1, 2, 2}, 1)}, {});
  shaped.attrs.set_ints("output_shape", {4});
  expect_error(shaped, "output_shape has 1 values");
  OpCase negative = conv_case("ConvTranspose", {x, filled({2, 1, 2, 2}, 1)}, {});
  negative.attrs.set_ints("output_padding", {-1, 0});
  expect_error(negative, "output_padding value -1");
  expect_error(conv_case("ConvTranspose", {x, filled({2, 1, 2, 2}, 1)}, {{}, {}, {3, 3, 3, 3}}), "empty");
}

// --- BatchNormalization -------------------------------------------------------------------

OpCase batch_norm_case(const Tensor& x, int64_t channels, float epsilon = 0.5f) {
  OpCase c;
  c.op = "BatchNormalization";
  c.attrs.set_float("epsilon", epsilon);
  std::vector<float> scale, bias, mean, var;
  for (int64_t i = 0; i < channels; ++i) {
    scale.push_back(1.f + static_cast<float>(i));
    bias.push_back(0.5f * static_cast<float>(i));
    mean.push_back(static_cast<float>(i));
    var.push_back(4.f * static_cast<float>(i + 1) * static_cast<float>(i + 1) - epsilon);
  }
  c.inputs = {x,
              Tensor::from_floats({channels}, scale),
              Tensor::from_floats({channels}, bias),
              Tensor::from_floats({channels}, mean),
              Tensor::from_floats({channels}, var)};
  return c;
}

TEST(BatchNormalization, NormalizesEachChannel) {
  // var + epsilon = 4 (c + 1)^2, so channel c: y = (1 + c) * (x - c) / (2 (c + 1)) + 0.5 c.
  Tensor x = Tensor::from_floats({2, 2, 2}, {0, 2, 1, 5, 4, 6, -1, 3});
  Tensor y = run_op(batch_norm_case(x, 2))[0];
  Tensor want = Tensor::from_floats({2, 2, 2}, {0, 1, 0.5f, 2.5f, 2, 3, -0.5f, 1.5f});
  EXPECT_LT(max_abs_diff(y, want), 1e-6f);
}

TEST(BatchNormalization, DefaultEpsilonKeepsZeroVarianceFinite) {
  OpCase c = batch_norm_case(Tensor::from_floats({1, 1, 1}, {1}), 1);
  c.attrs.erase("epsilon");
  c.inputs[4] = Tensor::from_floats({1}, {0});
  EXPECT_NEAR(run_op(c)[0].data<float>()[0], 1 / std::sqrt(1e-5f), 1e-2);
}

TEST(BatchNormalization, RejectsTrainingModeAndBadParameters) {
  OpCase training = batch_norm_case(iota({1, 2, 3}), 2);
  training.num_outputs = 3;
  expect_error(training, "training mode");
  OpCase flag = batch_norm_case(iota({1, 2, 3}), 2);
  flag.attrs.set_int("training_mode", 1);
  expect_error(flag, "training mode");
  OpCase wrong = batch_norm_case(iota({1, 3, 3}), 2);
  expect_error(wrong, "scale has shape [2], expected [3]");
}

}  // namespace
}  // namespace kite
