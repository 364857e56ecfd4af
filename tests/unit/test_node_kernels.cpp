// The session's optimized node kernels (runtime/*_kernels.cpp) against the reference kernels,
// node by node, over odd shapes, with 1, 2 and 4 threads (which must agree bit for bit), and
// with the portable kernels forced. Convolutions must run the SIMD microkernels of this CPU
// (AVX2+FMA, NEON) where it has them, and the portable ones when those are forced.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>

#include "node_kernel_check.h"
#include "op_test_util.h"

namespace kite {
namespace {

using test::conv_attrs;
using test::expect_matches_reference;
using test::OneNode;

TEST(NodeKernels, GemmConvolutions) {
  struct Case {
    int64_t in_c, out_c, h, w, k, stride, group, dilation;
    std::vector<int64_t> pads;
  } cases[] = {
      {3, 8, 17, 13, 3, 2, 1, 1, {1, 1, 1, 1}},   // first layer
      {16, 24, 9, 9, 1, 1, 1, 1, {0, 0, 0, 0}},   // pointwise
      {7, 13, 11, 6, 1, 2, 1, 1, {0, 0, 0, 0}},   // strided 1x1
      {12, 18, 10, 10, 3, 1, 3, 1, {1, 1, 1, 1}}, // grouped
      {5, 6, 12, 12, 3, 1, 1, 2, {2, 2, 2, 2}},   // dilated
      {4, 9, 8, 15, 5, 1, 1, 1, {0, 2, 3, 1}},    // asymmetric pads
      {64, 70, 5, 5, 3, 1, 1, 1, {1, 1, 1, 1}},   // K = 576
      {0, 20, 5, 5, 3, 1, 1, 1, {1, 1, 1, 1}},    // no input channels: K = 0, the bias alone (also B shared)
      // 7x7 maps: two threads and more share one packed B and split the output channels
      {60, 54, 7, 7, 1, 1, 1, 1, {0, 0, 0, 0}},   // pointwise, 49 pixels
      {24, 100, 13, 14, 1, 2, 1, 1, {0, 0, 0, 0}}, // strided 1x1
      {40, 13, 7, 7, 3, 1, 1, 1, {1, 1, 1, 1}},   // 3 panels of output channels
      {16, 32, 7, 7, 3, 1, 2, 1, {1, 1, 1, 1}},   // 2 groups of 3 panels each
  };
  for (const Case& c : cases) {
    OneNode spec{"Conv", conv_attrs(c.k, c.stride, c.pads, c.group, c.dilation), {2, c.in_c, c.h, c.w},
                 {test::random_tensor({c.out_c, c.in_c / c.group, c.k, c.k}, 1), test::random_tensor({c.out_c}, 2)}};
    expect_matches_reference(spec, "conv " + std::to_string(c.in_c) + "->" + std::to_string(c.out_c));
  }
}

// fp32 convolutions read their taps in place from the input padded once, each output pixel packed
// from its place in the padded planes' longer rows (gemm_rows' BColumnRows): a fused clamp and SiLU
// over several of the GEMM's column blocks (a 30 x 26 map), a 7x7 stride-2 stem (50 x 49 outputs
// from rows of 52), a 7x7 map (panels of 16 pixels from 3 rows), a residual (added by pixel in
// the GEMM's epilogue, also with stride 2, groups and two images), dilation 9 (taps 18 values
// apart), dilation with a stride, stride 3, a 1x7 kernel on a 17x17 map (rows of 23 for 17
// pixels), a one-column map (16 rows per panel), a kernel larger than its input, and a padded 1x1
// stride-2 convolution. With two and four threads, the small maps with more than one panel of
// output channels (the 7x7 map, the stride-2 residual, dilation 9: 13 channels) pack B once for
// all the threads (pack_b_rows); the name says the one-thread path.
TEST(NodeKernels, ConvolutionsReadingTapsInPlace) {
  Attributes fused = conv_attrs(3, 1, {1, 2, 1, 0});
  fused.set_float("activation_min", -0.25f);
  fused.set_float("activation_max", 1.5f);
  fused.set_string("activation", "silu");
  Attributes one_by_seven = conv_attrs(1, 1, {0, 3, 0, 3});
  one_by_seven.set_ints("kernel_shape", {1, 7});
  struct Case {
    const char* what;
    OneNode spec;
    const char* path;
  } cases[] = {
      {"fused 3x3 + clamp + SiLU, 30x26",
       {"FusedConv", fused, {2, 8, 30, 26}, {test::random_tensor({20, 8, 3, 3}, 21), test::random_tensor({20}, 22)}},
       "conv_pitched_gemm/"},
      {"7x7 stride 2, 100x97",
       {"Conv", conv_attrs(7, 2, {3, 3, 3, 3}), {1, 3, 100, 97}, {test::random_tensor({10, 3, 7, 7}, 23)}},
       "conv_pitched_gemm/"},
      {"3x3 on 7x7", {"Conv", conv_attrs(3, 1, {1, 1, 1, 1}), {1, 40, 7, 7}, {test::random_tensor({20, 40, 3, 3}, 27)}},
       "conv_pitched_gemm/"},
      {"3x3 + residual",
       {"FusedConv", conv_attrs(3, 1, {1, 1, 1, 1}), {1, 6, 9, 11},
        {test::random_tensor({6, 6, 3, 3}, 25), test::random_tensor({6}, 28)}, true},
       "conv_pitched_gemm/"},
      {"3x3 dilation 9", {"Conv", conv_attrs(3, 1, {9, 9, 9, 9}, 1, 9), {1, 4, 20, 20}, {test::random_tensor({13, 4, 3, 3}, 24)}},
       "conv_pitched_gemm/"},
      {"1x7 on 17x17", {"Conv", one_by_seven, {1, 16, 17, 17}, {test::random_tensor({12, 16, 1, 7}, 26)}},
       "conv_pitched_gemm/"},
      {"3x3 stride 2 + residual, 37x41 -> 19x21",
       {"FusedConv", conv_attrs(3, 2, {1, 1, 1, 1}), {1, 5, 37, 41},
        {test::random_tensor({13, 5, 3, 3}, 29), test::random_tensor({13}, 30)}, true},
       "conv_pitched_gemm/"},
      {"3x3 stride 2 dilation 2, 23x30", {"Conv", conv_attrs(3, 2, {2, 1, 0, 2}, 1, 2), {1, 3, 23, 30},
                                          {test::random_tensor({5, 3, 3, 3}, 31)}},
       "conv_pitched_gemm/"},
      {"4x4 stride 3, 26x29", {"Conv", conv_attrs(4, 3, {1, 2, 2, 1}), {2, 3, 26, 29}, {test::random_tensor({5, 3, 4, 4}, 32)}},
       "conv_pitched_gemm/"},
      {"3x3 on one column: out_w 1", {"Conv", conv_attrs(3, 1, {1, 1, 1, 1}), {1, 4, 40, 1}, {test::random_tensor({6, 4, 3, 3}, 33)}},
       "conv_pitched_gemm/"},
      {"5x5 on 3x3 padded by 2", {"Conv", conv_attrs(5, 1, {2, 2, 2, 2}), {1, 4, 3, 3}, {test::random_tensor({6, 4, 5, 5}, 34)}},
       "conv_pitched_gemm/"},
      {"1x1 stride 2 padded", {"Conv", conv_attrs(1, 2, {1, 0, 0, 1}), {1, 8, 21, 19}, {test::random_tensor({6, 8, 1, 1}, 35)}},
       "conv_pitched_gemm/"},
      {"3x3 groups 2 + residual, batch 2",
       {"FusedConv", conv_attrs(3, 1, {1, 1, 1, 1}, 2), {2, 6, 18, 20},
        {test::random_tensor({6, 3, 3, 3}, 36), test::random_tensor({6}, 37)}, true},
       "conv_pitched_gemm/"},
  };
  for (const Case& c : cases) {
    std::string kernel = Session(test::one_node_model(c.spec)).plan()[0].kernel;
    EXPECT_EQ(kernel.rfind(c.path, 0), 0u) << c.what << ": " << kernel;
    expect_matches_reference(c.spec, c.what);
  }
}

TEST(NodeKernels, DepthwiseConvolutions) {
  for (int64_t k : {3, 5})
    for (int64_t stride : {1, 2})
      for (int64_t size : {1, 7, 14, 19}) {
        int64_t c = 5;
        OneNode spec{"Conv", conv_attrs(k, stride, {k / 2, k / 2, k / 2, k / 2}, c), {1, c, size, size + 3},
                     {test::random_tensor({c, 1, k, k}, 3), test::random_tensor({c}, 4)}};
        expect_matches_reference(spec, "depthwise k" + std::to_string(k) + " s" + std::to_string(stride) + " size " +
                                           std::to_string(size));
      }
}

TEST(NodeKernels, WithoutBiasAndWithTfStylePads) {
  OneNode plain{"Conv", conv_attrs(3, 2, {0, 0, 1, 1}), {1, 4, 9, 8}, {test::random_tensor({6, 4, 3, 3}, 11)}};
  expect_matches_reference(plain, "conv without bias, pads {0,0,1,1}");
  OneNode dw{"Conv", conv_attrs(3, 2, {0, 0, 1, 1}, 4), {1, 4, 9, 8}, {test::random_tensor({4, 1, 3, 3}, 12)}};
  expect_matches_reference(dw, "depthwise without bias, pads {0,0,1,1}");
}

TEST(NodeKernels, FusedEpilogues) {
  for (bool depthwise : {false, true}) {
    int64_t c = 6, group = depthwise ? c : 1;
    Attributes a = conv_attrs(3, 1, {1, 1, 1, 1}, group);
    a.set_float("activation_min", 0.f);
    a.set_float("activation_max", 0.5f);
    OneNode spec{"FusedConv", a, {2, c, 9, 11}, {test::random_tensor({c, c / group, 3, 3}, 5), test::random_tensor({c}, 6)}, true};
    expect_matches_reference(spec, depthwise ? "fused depthwise" : "fused conv");
  }
}

TEST(NodeKernels, Pooling) {
  for (const char* op : {"MaxPool", "AveragePool"})
    for (int64_t ceil : {0, 1})
      for (int64_t include_pad : {0, 1}) {
        Attributes a;
        a.set_ints("kernel_shape", {3, 2});
        a.set_ints("strides", {2, 2});
        a.set_ints("pads", {1, 0, 0, 1});
        a.set_int("ceil_mode", ceil);
        if (std::string(op) == "AveragePool") a.set_int("count_include_pad", include_pad);
        // 11 x 10 leaves a remainder in both dims, so ceil_mode adds a partial window.
        expect_matches_reference({op, a, {2, 3, 11, 10}, {}}, std::string(op) + " ceil " + std::to_string(ceil));
      }
  // 3x3 stride 2 over rows whose lines of outputs are 8, 9 and 17 long (and one more with
  // padding): the SIMD line loops' short, overlapping-last-vector and several-vector cases, on the
  // whole-plane kernel (pool_plane_f32); 33 long (and 34), on the row-by-row one.
  for (const char* op : {"MaxPool", "AveragePool"})
    for (int64_t w : {17, 19, 35, 67})
      for (int64_t pad : {0, 1}) {
        Attributes a;
        a.set_ints("kernel_shape", {3, 3});
        a.set_ints("strides", {2, 2});
        a.set_ints("pads", {pad, pad, pad, pad});
        expect_matches_reference({op, a, {1, 3, 9, w}, {}},
                                 std::string(op) + " 3x3/2 width " + std::to_string(w) + " pad " + std::to_string(pad));
      }
}

TEST(NodeKernels, FullyConnected) {
  Attributes a;
  a.set_int("transB", 1);
  for (int64_t k : {1, 7, 8, 100, 1024})
    expect_matches_reference({"Gemm", a, {3, k}, {test::random_tensor({10, k}, 8), test::random_tensor({10}, 9)}},
                             "gemm k " + std::to_string(k));
  // 37 features: the threads' ranges start inside a pass of four rows; a scalar bias; batch 1.
  expect_matches_reference({"Gemm", a, {1, 70}, {test::random_tensor({37, 70}, 10), test::random_tensor({1}, 11)}},
                           "gemm 37 features, scalar bias");
}

// Broadcasting in every pattern the kernel merges dimensions for (a squeeze-and-excitation scale,
// trailing dimensions shared, dimensions of 1 among others, both operands broadcast) and those it
// cannot merge.
TEST(NodeKernels, BroadcastingArithmetic) {
  const std::pair<Shape, Shape> shapes[] = {
      {{2, 3, 4, 5}, {2, 3, 4, 5}}, {{2, 3, 4, 5}, {1, 3, 1, 1}}, {{2, 3, 4, 5}, {}},           {{2, 3, 4, 5}, {5}},
      {{2, 3, 4, 5}, {2, 1, 4, 1}}, {{3, 1}, {1, 7}},             {{}, {}},                     {{1, 8, 7, 7}, {1, 8, 1, 1}},
      {{2, 3, 4, 5}, {1, 1, 4, 5}}, {{2, 1, 4, 5}, {2, 3, 1, 1}}, {{1, 3, 1, 5}, {2, 1, 4, 1}}, {{2, 1, 3}, {3}},
      {{1, 1, 1}, {1}}};
  for (const char* op : {"Add", "Sub", "Mul", "Div"})
    for (const auto& [a, b] : shapes)
      expect_matches_reference({op, {}, a, {test::random_tensor(b, 3)}},
                               std::string(op) + " " + shape_to_string(a) + " " + shape_to_string(b));
}

TEST(NodeKernels, TransposeAndConcat) {
  for (std::vector<int64_t> perm : {std::vector<int64_t>{0, 2, 1, 3, 4}, {4, 3, 2, 1, 0}, {1, 0, 2, 3, 4}}) {
    Attributes a;
    a.set_ints("perm", perm);
    expect_matches_reference({"Transpose", a, {2, 3, 4, 5, 6}, {}}, "transpose");
  }
  for (int64_t axis : {0, 1, 3, -1}) {
    Attributes a;
    a.set_int("axis", axis);
    Shape other{2, 3, 4, 5};
    other[static_cast<size_t>(axis < 0 ? 3 : axis)] = 7;
    expect_matches_reference({"Concat", a, {2, 3, 4, 5}, {test::random_tensor(other, 4), test::random_tensor({2, 3, 4, 5}, 5)}},
                             "concat axis " + std::to_string(axis));
  }
}

}  // namespace
}  // namespace kite
