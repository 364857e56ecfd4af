// Optimized kernels for data movement (Slice, Split, Pad), activations, means, pooling with
// NaNs, Winograd and chunked convolutions, and reshapes that share storage, against the
// reference kernels (see node_kernel_check.h): odd shapes, negative steps and pads, 1/2/4
// threads.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>

#include "graph_fixtures.h"
#include "kite/session.h"
#include "node_kernel_check.h"
#include "op_test_util.h"

namespace kite {
namespace {

using test::expect_matches_reference;
using test::ints;
using test::OneNode;
using test::random_tensor;

TEST(NodeKernels, Slice) {
  struct Case {
    std::vector<int64_t> starts, ends, axes, steps;
  } cases[] = {
      {{0, 2}, {1, 5}, {0, 2}, {1, 1}},                    // ShuffleNet's channel halves, spatial crop
      {{1}, {6}, {1}, {2}},                                 // strided
      {{-1}, {std::numeric_limits<int64_t>::min()}, {3}, {-1}},  // reversed last axis
      {{4, 5}, {0, 1}, {2, 3}, {-2, -3}},                   // negative steps on two axes
      {{0}, {1000}, {-1}, {1}},                             // clamped end: the whole axis
      {{3}, {3}, {1}, {1}},                                 // empty result
  };
  for (const Case& c : cases)
    expect_matches_reference({"Slice", {}, {2, 6, 7, 9}, {ints(c.starts), ints(c.ends), ints(c.axes), ints(c.steps)}},
                             "slice starts " + std::to_string(c.starts[0]));
}

TEST(NodeKernels, Split) {
  for (int64_t axis : {0, 1, 3}) {
    Attributes a;
    a.set_int("axis", axis);
    Shape shape{4, 6, 5, 7};
    int64_t dim = shape[static_cast<size_t>(axis)];
    OneNode equal{"Split", a, shape, {}};
    equal.outputs = 2;
    if (dim % 2 == 0) expect_matches_reference(equal, "split in halves, axis " + std::to_string(axis));
    OneNode sizes{"Split", a, shape, {ints({1, dim - 3, 2})}};
    sizes.outputs = 3;
    expect_matches_reference(sizes, "split 1/rest/2, axis " + std::to_string(axis));
  }
}

TEST(NodeKernels, ConstantPad) {
  struct Case {
    std::vector<int64_t> pads;
    float value;
  } cases[] = {
      {{0, 0, 1, 1, 0, 0, 1, 1}, 0.f},      // Inception v3's average pools
      {{0, 1, 2, 0, 1, 0, 0, 3}, -2.5f},    // uneven, nonzero fill
      {{0, 0, -1, 2, 0, 0, 1, -2}, 1.f},    // crops and pads at once
      {{1, 0, 0, 0, 0, 0, 0, 0}, 0.f},      // the batch axis
      {{0, 0, -3, 0, 0, 0, -1, 0}, 0.f},    // cropped to 3 rows
  };
  for (const Case& c : cases)
    expect_matches_reference({"Pad", {}, {2, 3, 7, 5}, {ints(c.pads), test::f32({}, {c.value})}},
                             "pad " + std::to_string(c.pads[2]) + " fill " + std::to_string(c.value));
}

TEST(NodeKernels, Activations) {
  Attributes leaky, hard_sigmoid;
  leaky.set_float("alpha", 0.1f);
  hard_sigmoid.set_float("alpha", 0.3f);
  hard_sigmoid.set_float("beta", 0.4f);
  // 3 * 4133 elements: four 4096-element blocks (the last one partial), a ragged SIMD tail.
  Shape shape{3, 4133};
  for (const auto& [op, attrs] : std::vector<std::pair<const char*, Attributes>>{
           {"Relu", {}}, {"LeakyRelu", leaky}, {"HardSigmoid", hard_sigmoid}, {"HardSwish", {}}, {"Sigmoid", {}}}) {
    OneNode spec{op, attrs, shape, {}};
    spec.tolerance = 2e-6f;
    expect_matches_reference(spec, op);
  }
  expect_matches_reference({"Clip", {}, shape, {test::f32({}, {-0.25f}), test::f32({}, {0.5f})}}, "clip");
  expect_matches_reference({"Clip", {}, shape, {Tensor(), test::f32({}, {0.5f})}}, "clip with only a maximum");
}

TEST(NodeKernels, Means) {
  expect_matches_reference({"GlobalAveragePool", {}, {2, 5, 7, 9}, {}}, "global average pool");
  expect_matches_reference({"GlobalAveragePool", {}, {1, 3, 1, 1}, {}}, "global average pool of 1x1 maps");
  for (int64_t keepdims : {0, 1}) {
    Attributes a;
    a.set_ints("axes", {2, -1});
    a.set_int("keepdims", keepdims);
    expect_matches_reference({"ReduceMean", a, {2, 6, 13, 11}, {}}, "reduce mean keepdims " + std::to_string(keepdims));
  }
}

TEST(NodeKernels, MeanOverLeadingAxesStaysWithTheReference) {
  Attributes a;
  a.set_ints("axes", {1});
  Model m = test::one_node_model({"ReduceMean", a, {2, 6, 5}, {}});
  EXPECT_EQ(Session(m).plan()[0].kernel, "reference");
}

TEST(NodeKernels, FusedNonlinearActivations) {
  for (const char* activation : {"silu", "hardswish"})
    for (bool depthwise : {false, true}) {
      int64_t c = 6, group = depthwise ? c : 1;
      Attributes a = test::conv_attrs(3, 1, {1, 1, 1, 1}, group);
      a.set_string("activation", activation);
      OneNode spec{"FusedConv", a, {2, c, 9, 11}, {random_tensor({c, c / group, 3, 3}, 5), random_tensor({c}, 6)}, true};
      expect_matches_reference(spec, std::string(activation) + (depthwise ? " depthwise" : " conv"));
    }
  for (const char* activation : {"silu", "hardswish"}) {
    Attributes pointwise = test::conv_attrs(1, 1, {0, 0, 0, 0});
    pointwise.set_string("activation", activation);
    expect_matches_reference({"FusedConv", pointwise, {1, 5, 7, 3}, {random_tensor({4, 5, 1, 1}, 7)}},
                             std::string(activation) + " pointwise");
    // 20 output channels on a 7x7 map: several panels, so with threads the shared packed-B path
    // applies the activation to each thread's rows.
    expect_matches_reference({"FusedConv", pointwise, {1, 12, 7, 7}, {random_tensor({20, 12, 1, 1}, 8)}},
                             std::string(activation) + " pointwise, small map");
  }
}

// A 7x7 map is one 64-pixel item: with several threads, B is packed once by all of them and the
// output channels are split (fp16: cut into chunks of whole pairs of panels, one per thread: here
// 48 + 52 channels at two threads, 24 x 3 + 28 at four), each thread with its own rows of the bias
// and the residual.
TEST(NodeKernels, ChannelChunksOnSmallMaps) {
  for (int64_t k : {1, 3}) {
    Attributes a = test::conv_attrs(k, 1, {k / 2, k / 2, k / 2, k / 2});
    a.set_float("activation_min", 0.f);
    OneNode spec{"FusedConv", a, {1, 20, 7, 7}, {random_tensor({100, 20, k, k}, 3), random_tensor({100}, 4)}, true};
    expect_matches_reference(spec, "chunked " + std::to_string(k) + "x" + std::to_string(k));
  }
}

// MaxPool keeps the reference's NaN rule (a NaN wins only as its window's first element) and
// windows that lie wholly in the padding (ceil_mode) give -inf, as in the reference. Rows 9 wide
// (short output rows: the whole-plane kernel, NaN planes row by row) and 75 wide (38 outputs: the
// row-by-row kernel, whose window lines note the NaNs they read), NaNs at row starts and ends,
// window firsts (odd columns, with the padding of 1) and interiors, in the vector steps and tails.
TEST(NodeKernels, MaxPoolWithNaNsAndEmptyWindows) {
  Attributes a;
  a.set_ints("kernel_shape", {3, 3});
  a.set_ints("strides", {2, 2});
  a.set_ints("pads", {1, 1, 1, 1});
  a.set_int("ceil_mode", 1);
  for (int64_t width : {9, 75}) {
    Model m = test::one_node_model({"MaxPool", a, {1, 3, 8, width}, {}});
    Tensor x = random_tensor({1, 3, 8, width}, 5);
    const float nan = std::numeric_limits<float>::quiet_NaN();
    const std::pair<int64_t, int64_t> plane0[] = {{0, 0}, {1, 1}, {2, 2}, {3, 0}, {4, 5}, {5, 8}, {7, width - 1}};
    for (auto [row, column] : plane0) x.data<float>()[row * width + std::min(column, width - 1)] = nan;
    const std::pair<int64_t, int64_t> plane1[] = {{1, 0}, {3, 4}, {0, 33}, {2, 41}, {5, 64}, {6, 70}, {7, 73}};
    for (auto [row, column] : plane1) x.data<float>()[(8 + row) * width + std::min(column, width - 1)] = nan;
    // (the third plane holds none)
    SessionOptions reference;
    reference.optimize = false;
    Tensor want = Session(m, reference).run({{"x", x}})[0].second;
    for (int threads : {1, 2}) {
      SessionOptions fast;
      fast.threads = threads;
      Session s(m, fast);
      ASSERT_EQ(s.plan()[0].kernel.rfind("max_pool_2d/", 0), 0u) << s.plan()[0].kernel;
      Tensor got = s.run({{"x", x}})[0].second;
      ASSERT_EQ(got.shape(), want.shape());
      for (int64_t i = 0; i < want.numel(); ++i) {
        float g = got.data<float>()[i], w = want.data<float>()[i];
        EXPECT_TRUE(g == w || (std::isnan(g) && std::isnan(w)))
            << "width " << width << ", output " << i << ": " << g << " vs " << w;
      }
    }
  }
}

// The stride-1 pooling windows with rows as wide as the input's (the flat kernel,
// kernels/f32_pool_stride1.h): square and non-square windows up to 13x13, the padding split either
// way; output rows as many as the input's (one pass over several planes), fewer (pads {0, 1, 0,
// 1}) or with rows of padding alone (pad_top >= kernel_h).
struct StrideOneCase {
  int64_t kh, kw, top, left, bottom, right;
};
const StrideOneCase kStrideOneCases[] = {{3, 3, 1, 1, 1, 1}, {5, 5, 2, 2, 2, 2}, {2, 2, 0, 0, 1, 1}, {2, 2, 1, 1, 0, 0},
                                         {1, 3, 0, 1, 0, 1}, {3, 1, 1, 0, 1, 0}, {5, 3, 0, 2, 4, 0}, {13, 13, 6, 6, 6, 6},
                                         {3, 3, 0, 1, 0, 1}, {2, 3, 3, 1, 0, 1}};
// Maps from 1x1; 30 planes of 5x6 and 9x30 (several chunks of planes, the last one short), and a
// plane larger than a chunk.
const Shape kStrideOneSizes[] = {{1, 2, 1, 1}, {1, 2, 4, 7}, {2, 2, 9, 30}, {1, 2, 3, 70}, {1, 30, 5, 6}, {1, 30, 9, 30},
                                 {1, 2, 70, 70}};

Model stride_one_pool(const char* op, const StrideOneCase& c, const Shape& size, int64_t include_pad) {
  Attributes a;
  a.set_ints("kernel_shape", {c.kh, c.kw});
  a.set_ints("strides", {1, 1});
  a.set_ints("pads", {c.top, c.left, c.bottom, c.right});
  if (std::string(op) == "AveragePool") a.set_int("count_include_pad", include_pad);
  return test::one_node_model({op, a, size, {}});
}

bool has_output(const StrideOneCase& c, const Shape& size) {
  return size[2] + c.top + c.bottom >= c.kh && size[3] + c.left + c.right >= c.kw;
}

std::string describe(const StrideOneCase& c, const Shape& size) {
  return std::to_string(c.kh) + "x" + std::to_string(c.kw) + " pads " + std::to_string(c.top) + std::to_string(c.left) +
         std::to_string(c.bottom) + std::to_string(c.right) + " on " + shape_to_string(size);
}

// The reference kernels' output for x.
Tensor reference_output(const Model& m, const Tensor& x) {
  SessionOptions reference;
  reference.optimize = false;
  return Session(m, reference).run({{"x", x}})[0].second;
}

// The same bits, except that any NaN matches a NaN.
void expect_same_bits(const Tensor& got, const Tensor& want, const std::string& where) {
  ASSERT_EQ(got.shape(), want.shape()) << where;
  for (int64_t i = 0; i < want.numel(); ++i) {
    const float g = got.data<float>()[i], w = want.data<float>()[i];
    ASSERT_TRUE(std::isnan(w) ? std::isnan(g) : std::memcmp(&g, &w, sizeof g) == 0)
        << where << ", output " << i << ": " << g << " vs " << w;
  }
}

// MaxPool runs the flat kernel on planes without a NaN and the row-by-row one on planes with one:
// bit for bit the reference's, signed zeros and infinities included (and maps of +0 / -0 ties,
// where only the first maximum in row-major order may win), and one plane with a NaN among
// planes without.
TEST(NodeKernels, StrideOneMaxPoolMatchesTheReferenceBitwise) {
  const float specials[] = {0.f, -0.f, std::numeric_limits<float>::infinity(), -std::numeric_limits<float>::infinity()};
  for (const StrideOneCase& c : kStrideOneCases)
    for (const Shape& size : kStrideOneSizes)
      for (int data = 0; data < 3; ++data) {
        const bool with_nan = data == 1, all_ties = data == 2;
        if (!has_output(c, size)) continue;
        Model m = stride_one_pool("MaxPool", c, size, 0);
        Tensor x = random_tensor(size, 7);
        float* v = x.data<float>();
        for (int64_t i = 0; i < x.numel(); i += 3) v[i] = specials[(i / 3) % 4];
        // Windows whose maximum is a tie of +0 and -0, so that only the first one wins.
        if (all_ties)
          for (int64_t i = 0; i < x.numel(); ++i) v[i] = (i * 7) % 5 == 0 ? -1.f : ((i * 13) % 3 == 0 ? 0.f : -0.f);
        if (with_nan) v[x.numel() / size[1] / 2] = std::numeric_limits<float>::quiet_NaN();  // one plane only
        Session fast(m);
        ASSERT_EQ(fast.plan()[0].kernel.rfind("max_pool_2d/f32_pool_stride1+", 0), 0u) << fast.plan()[0].kernel;
        expect_same_bits(fast.run({{"x", x}})[0].second, reference_output(m, x),
                         describe(c, size) + (with_nan ? " with a NaN" : ""));
      }
}

// AveragePool, with and without count_include_pad, on the flat kernel: the reference's averages
// within rounding (its sums go in another order, and it divides where the flat kernel multiplies
// by the reciprocal), 1, 2 and 4 threads alike (expect_matches_reference); and with an infinity
// and a NaN in the map, the same NaNs and infinities where the reference has them, the same
// finite values elsewhere (a tap across a row's end, or into the padding, must not bring either
// in).
TEST(NodeKernels, StrideOneAveragePoolMatchesTheReference) {
  for (const StrideOneCase& c : kStrideOneCases)
    for (const Shape& size : kStrideOneSizes)
      for (int64_t include_pad : {0, 1}) {
        if (!has_output(c, size)) continue;
        const std::string where = describe(c, size) + (include_pad ? " counting the padding" : "");
        Model m = stride_one_pool("AveragePool", c, size, include_pad);
        Session fast(m);
        ASSERT_EQ(fast.plan()[0].kernel.rfind("average_pool_2d/f32_pool_stride1+", 0), 0u) << fast.plan()[0].kernel;
        OneNode spec{"AveragePool", m.graph().nodes[0].attrs, size, {}};
        expect_matches_reference(spec, where);
        Tensor x = random_tensor(size, 9);
        float* v = x.data<float>();
        v[x.numel() / 3] = std::numeric_limits<float>::infinity();
        v[x.numel() / 2] = std::numeric_limits<float>::quiet_NaN();
        Tensor want = reference_output(m, x);
        Tensor got = fast.run({{"x", x}})[0].second;
        ASSERT_EQ(got.shape(), want.shape());
        for (int64_t i = 0; i < want.numel(); ++i) {
          const float g = got.data<float>()[i], w = want.data<float>()[i];
          if (std::isnan(w) || std::isinf(w))
            ASSERT_TRUE(std::isnan(w) ? std::isnan(g) : g == w) << where << ", output " << i << ": " << g << " vs " << w;
          else
            ASSERT_NEAR(g, w, 1e-6f) << where << ", output " << i;
        }
      }
}

// Pools with output rows of up to 32 and windows of up to 9 taps that are not stride-1 with rows
// as wide as the input's run pool_plane_f32, over a copy padded with -inf (0 for the sum) where
// the windows leave the input: strides 2 and 3, ceil_mode, pads on either side, pads as large as
// the window (windows of padding alone), windows taller than the map, 1x1 maps. MaxPool bit for
// bit (signed zeros, infinities, ties of +0 / -0, and a NaN in one plane of three, which takes the
// row-by-row kernel while the others do not); AveragePool within rounding, with and without
// count_include_pad.
TEST(NodeKernels, WholePlanePoolsMatchTheReference) {
  struct Case {
    int64_t kh, kw, sh, sw, top, left, bottom, right, ceil;
  };
  const Case cases[] = {{3, 3, 2, 2, 0, 0, 0, 0, 0}, {3, 3, 2, 2, 0, 0, 0, 0, 1}, {3, 3, 2, 2, 1, 1, 1, 1, 0},
                        {2, 2, 2, 2, 0, 0, 0, 0, 1}, {3, 3, 3, 3, 0, 0, 0, 0, 1}, {3, 2, 2, 2, 1, 0, 0, 1, 1},
                        {3, 3, 2, 2, 3, 3, 0, 0, 0}, {1, 1, 2, 2, 0, 0, 0, 0, 0}, {3, 3, 1, 2, 1, 1, 1, 1, 0}};
  const Shape sizes[] = {{1, 3, 1, 1}, {1, 3, 2, 5}, {1, 3, 9, 30}, {2, 3, 14, 14}, {1, 3, 17, 17}};
  const float specials[] = {0.f, -0.f, std::numeric_limits<float>::infinity(), -std::numeric_limits<float>::infinity()};
  for (const Case& c : cases)
    for (const Shape& size : sizes) {
      Attributes a;
      a.set_ints("kernel_shape", {c.kh, c.kw});
      a.set_ints("strides", {c.sh, c.sw});
      a.set_ints("pads", {c.top, c.left, c.bottom, c.right});
      a.set_int("ceil_mode", c.ceil);
      const std::string where = std::to_string(c.kh) + "x" + std::to_string(c.kw) + " stride " + std::to_string(c.sh) +
                                std::to_string(c.sw) + " pads " + std::to_string(c.top) + std::to_string(c.left) +
                                std::to_string(c.bottom) + std::to_string(c.right) + " ceil " + std::to_string(c.ceil) +
                                " on " + shape_to_string(size);
      if (size[2] + c.top + c.bottom < c.kh || size[3] + c.left + c.right < c.kw) continue;  // no output
      for (int data = 0; data < 3; ++data) {
        Model m = test::one_node_model({"MaxPool", a, size, {}});
        Session fast(m);
        ASSERT_EQ(fast.plan()[0].kernel.rfind("max_pool_2d/pool_plane_f32+", 0), 0u) << where << ": " << fast.plan()[0].kernel;
        Tensor x = random_tensor(size, 11);
        float* v = x.data<float>();
        for (int64_t i = 0; i < x.numel(); i += 3) v[i] = specials[(i / 3) % 4];
        if (data == 1)  // ties of +0 and -0, so that only the first one wins
          for (int64_t i = 0; i < x.numel(); ++i) v[i] = (i * 7) % 5 == 0 ? -1.f : ((i * 13) % 3 == 0 ? 0.f : -0.f);
        if (data == 2) v[size[2] * size[3] + (size[2] * size[3]) / 2] = std::numeric_limits<float>::quiet_NaN();
        expect_same_bits(fast.run({{"x", x}})[0].second, reference_output(m, x), where + " data " + std::to_string(data));
      }
      for (int64_t include_pad : {0, 1}) {
        Attributes average = a;
        average.set_int("count_include_pad", include_pad);
        Model m = test::one_node_model({"AveragePool", average, size, {}});
        ASSERT_EQ(Session(m).plan()[0].kernel.rfind("average_pool_2d/pool_plane_f32+", 0), 0u) << where;
        expect_matches_reference({"AveragePool", average, size, {}}, where + " average, include_pad " +
                                                                        std::to_string(include_pad));
      }
    }
}

// 3x3 stride-1 convolutions on maps of 13x13 and more with 64+ input channels run Winograd
// F(4x4, 3x3): partial last tile blocks, maps that are not multiples of 4, output-channel chunks
// (few blocks and several threads) and none, padding on either side, and the fused epilogue. The
// transforms round more than a direct sum: 1e-4 of the output range.
TEST(NodeKernels, WinogradConvolutions) {
  struct Case {
    int64_t in_c, out_c, h, w;
    std::vector<int64_t> pads;
    bool fused;
  } cases[] = {
      {64, 100, 14, 14, {1, 1, 1, 1}, false},  // one block: with threads, channel chunks (2: 48 + 52; 4: 24 x 3 + 28)
      {70, 20, 30, 17, {1, 1, 1, 1}, false},   // 40 tiles: a partial third block
      {64, 16, 16, 16, {0, 0, 0, 0}, false},   // no padding: 14x14 out
      {65, 24, 41, 37, {1, 0, 1, 2}, true},    // 12 blocks: no chunks; residual, clamp, SiLU
      {96, 80, 28, 28, {1, 1, 1, 1}, false},   // 49 tiles: 4 blocks, the last of 1 tile
      {100, 80, 30, 36, {0, 1, 2, 1}, false},  // 72 tiles; asymmetric pads
      {64, 40, 13, 13, {1, 1, 1, 1}, true},    // the smallest map: 16 tiles, the last of each row 1 wide
  };
  for (const Case& c : cases) {
    Attributes a = test::conv_attrs(3, 1, c.pads);
    if (c.fused) {
      a.set_float("activation_min", -0.5f);
      a.set_float("activation_max", 2.f);
      a.set_string("activation", "silu");
    }
    OneNode spec{c.fused ? "FusedConv" : "Conv", a, {2, c.in_c, c.h, c.w},
                 {random_tensor({c.out_c, c.in_c, 3, 3}, 1), random_tensor({c.out_c}, 2)}, c.fused};
    spec.tolerance = 1e-4f;
    std::string what = "winograd " + std::to_string(c.in_c) + "->" + std::to_string(c.out_c) + " " +
                       std::to_string(c.h) + "x" + std::to_string(c.w);
    EXPECT_EQ(Session(test::one_node_model(spec)).plan()[0].kernel.rfind("conv_winograd_f43/", 0), 0u) << what;
    expect_matches_reference(spec, what);
  }
  // 12x12 maps (9 tiles of a block's 16 lanes) and 63 input channels stay on the GEMM.
  for (auto [in_c, hw] : {std::pair<int64_t, int64_t>{64, 12}, {63, 13}}) {
    OneNode spec{"Conv", test::conv_attrs(3, 1, {1, 1, 1, 1}), {1, in_c, hw, hw},
                 {random_tensor({32, in_c, 3, 3}, 3), random_tensor({32}, 4)}};
    EXPECT_NE(Session(test::one_node_model(spec)).plan()[0].kernel.rfind("conv_winograd_f43/", 0), 0u) << in_c << " " << hw;
  }
}

// A reshape shares its input's storage; one whose output is a graph output hands the caller a
// copy (the caller may write into what run() returns), made before the arena reuses the bytes.
TEST(NodeKernels, ReshapeSharesStorageButGraphOutputsOwnTheirs) {
  Graph g;
  int x = test::add_input(g, "x", {2, 3, 4});
  int a = test::add_node(g, "Relu", "a", {x});
  int r = test::add_node(g, "Reshape", "r", {a, g.add_constant("shape", ints({6, 4}))});
  // b, c and d come after r in the order, where a's bytes are free for the arena to reuse.
  int b = test::add_node(g, "LeakyRelu", "b", {x});
  int c = test::add_node(g, "LeakyRelu", "c", {b});
  int d = test::add_node(g, "Flatten", "d", {c});
  int e = test::add_node(g, "Relu", "e", {d});
  g.outputs = {r, e, test::add_node(g, "Flatten", "f", {x})};
  Model m = Model::from_graph(std::move(g));
  Session s(m);
  for (const Session::PlannedNode& n : s.plan()) {
    if (n.op != "Reshape" && n.op != "Flatten") continue;
    EXPECT_EQ(n.kernel, "relabel_shared") << n.name;
  }
  for (uint32_t seed : {3u, 4u}) {
    Tensor in = random_tensor({2, 3, 4}, seed);
    NamedTensors out = s.run({{"x", in}});
    ASSERT_EQ(out[0].second.shape(), (Shape{6, 4}));
    for (int64_t i = 0; i < in.numel(); ++i) {
      float v = in.data<float>()[i], leaky_twice = v < 0 ? 0.01f * (0.01f * v) : v;
      EXPECT_EQ(out[0].second.data<float>()[i], std::max(0.f, v));
      EXPECT_EQ(out[1].second.data<float>()[i], std::max(0.f, leaky_twice));
      EXPECT_EQ(out[2].second.data<float>()[i], v);
    }
    EXPECT_NE(out[2].second.raw(), in.raw());  // the Flatten of an input is a copy
  }
}

}  // namespace
}  // namespace kite
