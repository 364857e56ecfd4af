// kite's int8 node kernels (runtime/q8_conv_kernels.cpp, runtime/q8_kernels.cpp) against the
// reference kernels of their operators: byte for byte, over odd shapes, strides, padding, groups,
// dilation and fused clamps, with the portable kernels forced too, and for 1, 2 and 4 threads.
#include <gtest/gtest.h>

#include "kernels/cpu_features.h"
#include "kernels/q8_gemm.h"
#include "node_kernel_check.h"

namespace kite::test {
namespace {

Tensor scalar_f32(float v) { return Tensor::from_floats({}, {v}); }

Tensor scalar_u8(uint8_t v) {
  Tensor t(DType::u8, {});
  t.data<uint8_t>()[0] = v;
  return t;
}

// Deterministic int8 weights in [-127, 127].
Tensor weights_s8(Shape shape, uint32_t seed) {
  Tensor t(DType::s8, shape);
  uint32_t state = seed;
  for (int64_t i = 0; i < t.numel(); ++i) {
    state = state * 1664525u + 1013904223u;
    t.data<int8_t>()[i] = static_cast<int8_t>(static_cast<int32_t>(state >> 24) % 255 - 127);
  }
  return t;
}

struct QConvCase {
  int64_t channels, out_channels, size, kernel, stride, pad, group, dilation;
  bool bias;
  int64_t qmin, qmax;
  int64_t batch = 1;
};

OneNode qconv_node(const QConvCase& c) {
  OneNode spec;
  spec.op = "FusedQLinearConv";
  spec.input_dtype = DType::u8;
  spec.input = {c.batch, c.channels, c.size, c.size + 3};
  spec.attrs = conv_attrs(c.kernel, c.stride, {c.pad, c.pad, c.pad, c.pad}, c.group, c.dilation);
  spec.attrs.set_int("activation_qmin", c.qmin);
  spec.attrs.set_int("activation_qmax", c.qmax);
  std::vector<float> w_scale;
  for (int64_t m = 0; m < c.out_channels; ++m) w_scale.push_back(0.002f + 0.0003f * static_cast<float>(m % 7));
  Tensor bias(DType::s32, {c.out_channels});
  for (int64_t m = 0; m < c.out_channels; ++m) bias.data<int32_t>()[m] = static_cast<int32_t>(m * 977 % 4001) - 2000;
  spec.constants = {scalar_f32(0.05f), scalar_u8(131),
                    weights_s8({c.out_channels, c.channels / c.group, c.kernel, c.kernel}, 11),
                    Tensor::from_floats({c.out_channels}, w_scale), Tensor(DType::s8, {c.out_channels}),
                    scalar_f32(0.1f), scalar_u8(17)};
  if (c.bias) spec.constants.push_back(bias);
  return spec;
}

TEST(Q8NodeKernels, ConvolutionsMatchTheReferenceExactly) {
  const QConvCase cases[] = {
      // depthwise 3x3 / 5x5, stride 1 / 2
      {13, 13, 11, 3, 1, 1, 13, 1, true, 0, 255},
      {16, 16, 12, 3, 2, 1, 16, 1, true, 17, 255},
      {9, 9, 14, 5, 1, 2, 9, 1, false, 17, 77},
      {8, 8, 15, 5, 2, 2, 8, 1, true, 0, 255},
      // 1x1 (GEMM on the input as it is), odd channel counts
      {19, 23, 9, 1, 1, 0, 1, 1, true, 17, 255},
      {7, 5, 1, 1, 1, 0, 1, 1, true, 0, 255},
      // im2col: 3x3, strided, padded, grouped, dilated; a 7x7 first layer
      {5, 11, 10, 3, 1, 1, 1, 1, true, 0, 255},
      {6, 14, 13, 3, 2, 1, 2, 1, true, 17, 200},
      {4, 6, 12, 3, 1, 2, 1, 2, false, 0, 255},
      {3, 10, 17, 7, 2, 3, 1, 1, true, 17, 255},
      {12, 12, 9, 3, 2, 0, 12, 1, true, 0, 255},  // depthwise without padding
      // stride 1 from the padded input: grouped, and images of a batch (the padded copy is made
      // per image and group)
      {8, 12, 10, 3, 1, 1, 2, 1, true, 0, 255},
      {6, 9, 9, 5, 1, 2, 3, 1, false, 17, 255},
      {5, 7, 8, 3, 1, 1, 1, 1, true, 0, 255, 3},
      {6, 6, 9, 3, 1, 1, 2, 1, true, 17, 255, 2},
      // strides from phase planes: 1x1 stride 2 (one phase), stride 3, stride 2 dilated, grouped
      // in a batch; products of many panels (an odd count too) over several 256-column chunks
      {16, 26, 20, 1, 2, 0, 1, 1, true, 0, 255},
      {7, 13, 23, 3, 3, 1, 1, 1, true, 17, 255},
      {5, 9, 19, 3, 2, 2, 1, 2, false, 0, 255},
      {4, 8, 11, 3, 2, 1, 2, 1, true, 0, 255, 2},
      {32, 70, 30, 3, 1, 1, 1, 1, true, 17, 255},
      {24, 75, 29, 3, 2, 1, 1, 1, true, 0, 200},
      // a tap too far for the planes' spill ((3 - 1) * 33 > 64): im2col panels instead
      {2, 3, 70, 3, 1, 0, 1, 33, true, 17, 255},
  };
  for (const QConvCase& c : cases)
    expect_matches_reference(qconv_node(c), "FusedQLinearConv " + std::to_string(c.channels) + "->" +
                                                std::to_string(c.out_channels) + " k" + std::to_string(c.kernel) + " s" +
                                                std::to_string(c.stride) + " g" + std::to_string(c.group));
}

// 3x3 stride-1 layers with 64 or more input channels on maps of 7 or more take the exact
// Winograd F(2x2, 3x3) kernel: odd output sizes (partial 2x2 tiles, partial blocks of 16 tiles),
// odd channel counts, paddings 0 to 2, fused clamps, with and without bias. (ARM CPUs with the
// dot product run them through im2col, and again with the extension hidden.)
TEST(Q8NodeKernels, WinogradConvolutionsMatchTheReferenceExactly) {
  const QConvCase cases[] = {
      {64, 20, 14, 3, 1, 1, 1, 1, true, 0, 255},
      {65, 17, 15, 3, 1, 1, 1, 1, true, 17, 200},
      {64, 23, 14, 3, 1, 2, 1, 1, false, 0, 255},
      {96, 16, 17, 3, 1, 0, 1, 1, true, 17, 255},
      // 14 blocks of tiles in 4 groups, 11 panels of output channels in 2 chunks on 2 and 4
      // threads: work items that start past the first group and the first panel.
      {128, 64, 28, 3, 1, 1, 1, 1, true, 0, 255},
      // The smallest maps it takes (7 rows: a partial 2x2 tile per column) and 9x12 ones.
      {64, 19, 7, 3, 1, 1, 1, 1, true, 17, 255},
      {70, 32, 9, 3, 1, 1, 1, 1, false, 0, 255},
  };
  for (const QConvCase& c : cases) {
    const std::string what = "Winograd FusedQLinearConv " + std::to_string(c.channels) + "->" +
                             std::to_string(c.out_channels) + " on " + std::to_string(c.size) + " pad " +
                             std::to_string(c.pad);
    std::vector<Session::PlannedNode> plan = Session(one_node_model(qconv_node(c))).plan();
    ASSERT_FALSE(plan.empty());
    // With a dot product (VNNI, ARM's SDOT) these layers keep im2col (q8_winograd_applies).
    const bool dot_product = gemm_q8_has_dot_product();
    const char* expected = dot_product ? "q8_conv_im2col_gemm" : "q8_conv_winograd_f23";
    EXPECT_NE(plan[0].kernel.find(expected), std::string::npos) << what << ": " << plan[0].kernel;
    expect_matches_reference(qconv_node(c), what);
    if (dot_product) {
      // expect_matches_reference's pass without the optional extensions ran the Winograd kernel:
      // that is the kernel chosen there.
      hide_cpu_extensions(true);
      EXPECT_NE(Session(one_node_model(qconv_node(c))).plan()[0].kernel.find("q8_conv_winograd_f23"), std::string::npos);
      hide_cpu_extensions(false);
    }
  }
}

TEST(Q8NodeKernels, QLinearConvFromAFileMatchesTheReference) {
  OneNode spec = qconv_node({6, 10, 9, 3, 1, 1, 1, 1, true, 0, 255});
  spec.op = "QLinearConv";
  spec.attrs.erase("activation_qmin");
  spec.attrs.erase("activation_qmax");
  expect_matches_reference(spec, "QLinearConv");
}

TEST(Q8NodeKernels, AddAveragePoolAndMaxPoolMatchTheReferenceExactly) {
  for (Shape shape : {Shape{1, 3, 5, 7}, Shape{2, 16, 9, 9}, Shape{1, 1, 1, 4099}}) {
    OneNode add;
    add.op = "FusedQLinearAdd";
    add.input_dtype = DType::u8;
    add.input = shape;
    add.attrs.set_int("activation_qmin", 20);
    add.attrs.set_int("activation_qmax", 255);
    Tensor other(DType::u8, shape);
    for (int64_t i = 0; i < other.numel(); ++i) other.data<uint8_t>()[i] = static_cast<uint8_t>(i * 37 % 256);
    add.constants = {scalar_f32(0.03f), scalar_u8(120), other, scalar_f32(0.07f), scalar_u8(3), scalar_f32(0.08f),
                     scalar_u8(20)};
    expect_matches_reference(add, "FusedQLinearAdd " + shape_to_string(shape));

    OneNode average;
    average.op = "QLinearGlobalAveragePool";
    average.input_dtype = DType::u8;
    average.input = shape;
    average.constants = {scalar_f32(0.03f), scalar_u8(120), scalar_f32(0.01f), scalar_u8(128)};
    expect_matches_reference(average, "QLinearGlobalAveragePool " + shape_to_string(shape));
  }
  for (auto [k, s, p] : {std::tuple{3, 2, 1}, std::tuple{2, 2, 0}, std::tuple{3, 1, 1}}) {
    OneNode pool;
    pool.op = "MaxPool";
    pool.input_dtype = DType::u8;
    pool.input = {1, 5, 13, 14};
    pool.attrs.set_ints("kernel_shape", {k, k});
    pool.attrs.set_ints("strides", {s, s});
    pool.attrs.set_ints("pads", {p, p, p, p});
    expect_matches_reference(pool, "uint8 MaxPool k" + std::to_string(k) + " s" + std::to_string(s));
  }
}

// The int8 classifier head (FusedQLinearGemm, float result): one row of A (batch 1, the
// matrix-vector path) and several, K and N odd or past a panel, weights over all of int8
// (-128 included) and 7-bit ones, per-row and per-tensor weight scales, with and without bias.
// Exact: the integer sums are, and each output is one float multiply.
TEST(Q8NodeKernels, FullyConnectedMatchesTheReferenceExactly) {
  struct Case {
    int64_t rows, depth, outputs;
    bool bias, per_row, seven_bit;
  };
  const Case cases[] = {{1, 1, 1, true, true, false},   {1, 13, 7, true, true, false},
                        {1, 37, 13, false, false, true}, {3, 64, 19, true, true, true},
                        {1, 1000, 45, true, true, false}, {2, 129, 6, true, false, false}};
  for (const Case& c : cases) {
    OneNode fc;
    fc.op = "FusedQLinearGemm";
    fc.input_dtype = DType::u8;
    fc.input = {c.rows, c.depth};
    fc.tolerance = 0.f;
    Tensor w = weights_s8({c.outputs, c.depth}, 5);
    w.data<int8_t>()[0] = -128;
    if (c.seven_bit)
      for (int64_t i = 0; i < w.numel(); ++i) w.data<int8_t>()[i] = static_cast<int8_t>(w.data<int8_t>()[i] / 2);
    std::vector<float> w_scale;
    for (int64_t j = 0; j < c.outputs; ++j) w_scale.push_back(0.002f + 0.0003f * static_cast<float>(j % 7));
    Tensor bias(DType::s32, {c.outputs});
    for (int64_t j = 0; j < c.outputs; ++j) bias.data<int32_t>()[j] = static_cast<int32_t>(j * 977 % 4001) - 2000;
    fc.constants = {scalar_f32(0.05f), scalar_u8(131), w,
                    c.per_row ? Tensor::from_floats({c.outputs}, w_scale) : scalar_f32(0.004f),
                    c.per_row ? Tensor(DType::s8, {c.outputs}) : Tensor(DType::s8, {})};
    if (c.bias) fc.constants.push_back(bias);
    expect_matches_reference(fc, "FusedQLinearGemm " + std::to_string(c.rows) + "x" + std::to_string(c.depth) + " -> " +
                                     std::to_string(c.outputs));
  }
}

TEST(Q8NodeKernels, QuantizeAndDequantizeMatchTheReferenceExactly) {
  OneNode q;
  q.op = "QuantizeLinear";
  q.input = {1, 3, 17, 19};
  q.constants = {scalar_f32(0.013f), scalar_u8(100)};
  expect_matches_reference(q, "QuantizeLinear");
  OneNode d;
  d.op = "DequantizeLinear";
  d.input_dtype = DType::u8;
  d.input = {1, 3, 17, 19};
  d.constants = {scalar_f32(0.013f), scalar_u8(100)};
  d.tolerance = 0.f;
  expect_matches_reference(d, "DequantizeLinear");
}

}  // namespace
}  // namespace kite::test
