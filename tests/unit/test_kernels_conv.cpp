// Convolution kernels against kite's reference Conv: the depthwise kernels (the AVX-512 and the
// AVX2 ones where the CPU has them, the NEON one on AArch64, and the portable one, forced) and
// im2col followed by a naive matrix product.
//
// Tolerance. Each output is a sum of n terms: the bias and one product per tap inside the input
// (n = k*k + 1 for a depthwise filter, C/group*KH*KW + 1 for im2col). Evaluated in fp32 in any
// order, with or without fused multiply-adds, such a sum lies within gamma_n * S of the exact one,
// where S is the sum of the terms' magnitudes, gamma_n = n*u / (1 - n*u) and u = 2^-24 (Higham,
// "Accuracy and Stability of Numerical Algorithms", 3.1). Two evaluations therefore differ by at
// most 2 * gamma_n * S, and a clamp, being 1-Lipschitz, adds nothing. S is computed per output
// element by the reference Conv itself, run on |x|, |w| and |b|. The check is per element and
// rigorous, and tight: for a 5x5 filter it allows about 3.1e-6 * S, while a wrong tap, weight,
// bias or padding offsets an output by the size of one term, |w * x| ~ 0.1 with inputs in [-1, 1]
// (CheckerCatchesOneWrongWeight shows that it does fail). A NaN in the reference must be a NaN in
// the kernel's output.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include "kernels/cpu_features.h"
#include "kernels/depthwise_conv.h"
#include "kernels/im2col.h"
#include "kernels/im2col_padded.h"
#include "guarded_buffer.h"
#include "op_test_util.h"

namespace kite {
namespace {

using test::random_tensor;

// --- Running the reference Conv ---

struct ConvSetup {
  int64_t group = 1;
  std::vector<int64_t> strides{1, 1};
  std::vector<int64_t> dilations{1, 1};
  std::vector<int64_t> pads{0, 0, 0, 0};  // top, left, bottom, right (ONNX order)
};

Tensor reference_conv(const Tensor& x, const Tensor& w, const Tensor* b, const ConvSetup& s) {
  test::OpCase c;
  c.op = "Conv";
  c.inputs = {x, w};
  if (b) c.inputs.push_back(*b);
  c.attrs.set_int("group", s.group);
  c.attrs.set_ints("strides", s.strides);
  c.attrs.set_ints("dilations", s.dilations);
  c.attrs.set_ints("pads", s.pads);
  return test::run_op(c)[0];
}

Tensor absolute(const Tensor& t) {
  Tensor a(DType::f32, t.shape());
  for (int64_t i = 0; i < t.numel(); ++i) a.data<float>()[i] = std::fabs(t.data<float>()[i]);
  return a;
}

// The reference output clamped like a fused activation (a NaN stays NaN), and each output's sum
// of term magnitudes (see the tolerance above).
struct Expected {
  Tensor value;
  Tensor magnitude;
};

Expected expected_conv(const Tensor& x, const Tensor& w, const Tensor* b, const ConvSetup& s, float lo, float hi) {
  Tensor value = reference_conv(x, w, b, s);
  for (int64_t i = 0; i < value.numel(); ++i) {
    float& v = value.data<float>()[i];
    v = std::min(std::max(v, lo), hi);
  }
  Tensor abs_b = b ? absolute(*b) : Tensor();
  return {value, reference_conv(absolute(x), absolute(w), b ? &abs_b : nullptr, s)};
}

// --- The check ---

double rounding_bound(int64_t terms, double magnitude) {
  const double u = std::ldexp(1.0, -24);
  double gamma = terms * u / (1 - terms * u);
  // The magnitude sum is itself computed in fp32 (relative error below gamma); the last term
  // covers products that underflow into subnormals, where relative bounds do not hold.
  return 2 * gamma * magnitude / (1 - gamma) + terms * std::numeric_limits<float>::denorm_min();
}

struct Mismatches {
  int64_t count = 0;
  std::string first;  // where and by how much, for the failure message
};

Mismatches compare(const float* got, const Expected& want, int64_t terms) {
  Mismatches m;
  for (int64_t i = 0; i < want.value.numel(); ++i) {
    float ref = want.value.data<float>()[i];
    double bound = rounding_bound(terms, want.magnitude.data<float>()[i]);
    bool ok = std::isnan(ref) ? std::isnan(got[i]) : std::fabs(double{got[i]} - ref) <= bound;
    if (ok || m.count++ > 0) continue;
    m.first = "element " + std::to_string(i) + ": got " + std::to_string(got[i]) + ", reference " +
              std::to_string(ref) + ", allowed difference " + std::to_string(bound);
  }
  return m;
}

// --- Which depthwise kernel runs ---

struct KernelPath {
  const char* name;
  bool generic;
  bool hide_avx512 = false;  // the AVX2 kernel on a CPU that also has AVX-512
};

// The portable kernel always; every SIMD kernel this CPU has (the AVX2 one with AVX-512 hidden
// where the CPU has both).
std::vector<KernelPath> depthwise_paths() {
  std::vector<KernelPath> paths{{"f32_dwconv_generic", true}};
  if (cpu_has_avx2_fma()) paths.push_back({"f32_dwconv_3x3_5x5_fma3", false, cpu_has_avx512()});
  if (cpu_has_avx512()) paths.push_back({"f32_dwconv_3x3_5x5_avx512", false});
  if (cpu_has_neon()) paths.push_back({"f32_dwconv_3x3_5x5_neon", false});
  return paths;
}

// Forces (or not) the portable kernels for one scope, and checks that the dispatcher agrees.
class UsePath {
 public:
  explicit UsePath(const KernelPath& path) {
    force_generic_kernels(path.generic);
    hide_avx512(path.hide_avx512);
    EXPECT_STREQ(depthwise_kernel_name(), path.name);
  }
  ~UsePath() {
    force_generic_kernels(false);
    hide_avx512(false);
  }
};

// --- Depthwise cases ---

struct DepthwiseCase {
  int64_t channels, height, width, kernel, stride;
  std::vector<int64_t> pads;  // top, left, bottom, right
  bool bias;
  float lo, hi;

  std::string describe() const {
    return std::to_string(channels) + "ch " + std::to_string(height) + "x" + std::to_string(width) + " k" +
           std::to_string(kernel) + " s" + std::to_string(stride) + " pads " + std::to_string(pads[0]) + "," +
           std::to_string(pads[1]) + "," + std::to_string(pads[2]) + "," + std::to_string(pads[3]) +
           (bias ? " bias" : " no-bias") + " clamp [" + std::to_string(lo) + ", " + std::to_string(hi) + "]";
  }
  int64_t out_h() const { return (height + pads[0] + pads[2] - kernel) / stride + 1; }
  int64_t out_w() const { return (width + pads[1] + pads[3] - kernel) / stride + 1; }
  bool valid() const { return height + pads[0] + pads[2] >= kernel && width + pads[1] + pads[3] >= kernel; }

  DepthwiseParams params() const {
    DepthwiseParams p;
    p.channels = channels;
    p.in_h = height;
    p.in_w = width;
    p.out_h = out_h();
    p.out_w = out_w();
    p.kernel = kernel;
    p.stride = stride;
    p.pad_top = pads[0];
    p.pad_left = pads[1];
    p.min = lo;
    p.max = hi;
    return p;
  }
  ConvSetup setup() const {
    ConvSetup s;
    s.group = channels;
    s.strides = {stride, stride};
    s.pads = pads;
    return s;
  }
};

// Random inputs of one case, in [-1, 1).
struct DepthwiseData {
  Tensor x, w, b;

  explicit DepthwiseData(const DepthwiseCase& c, uint32_t seed)
      : x(random_tensor({1, c.channels, c.height, c.width}, seed)),
        w(random_tensor({c.channels, 1, c.kernel, c.kernel}, seed + 1)),
        b(c.bias ? random_tensor({c.channels}, seed + 2) : Tensor()) {}
  const float* bias() const { return b.empty() ? nullptr : b.data<float>(); }
  Expected expected(const DepthwiseCase& c) const {
    return expected_conv(x, w, b.empty() ? nullptr : &b, c.setup(), c.lo, c.hi);
  }
};

const std::vector<std::vector<int64_t>> kPadSets = {
    {0, 0, 0, 0}, {1, 1, 1, 1}, {2, 2, 2, 2}, {0, 1, 2, 0}, {2, 0, 1, 2},
    {3, 2, 0, 3},  // wider than a 3x3 filter's reach: whole output rows and columns see only padding
};

struct Clamp {
  float lo, hi;
};
const Clamp kClamps[] = {{-INFINITY, INFINITY}, {0.f, INFINITY}, {-0.5f, 0.5f}};

// Channels x sizes x kernels x strides, each with every padding set; bias and clamp vary with
// the padding so that each shape meets all six bias x clamp combinations.
std::vector<DepthwiseCase> depthwise_cases() {
  const int64_t sizes[][2] = {{1, 1}, {2, 3}, {7, 7}, {13, 11}, {32, 32}, {112, 112}};
  std::vector<DepthwiseCase> cases;
  for (int64_t channels : {1, 3, 8, 17})
    for (const auto& size : sizes)
      for (int64_t kernel : {3, 5})
        for (int64_t stride : {1, 2})
          for (size_t i = 0; i < kPadSets.size(); ++i) {
            Clamp clamp = kClamps[i % 3];
            DepthwiseCase c{channels, size[0], size[1], kernel, stride, kPadSets[i], i % 2 == 0, clamp.lo, clamp.hi};
            if (c.valid()) cases.push_back(c);
          }
  return cases;
}

std::vector<float> run_depthwise(const DepthwiseCase& c, const DepthwiseData& d, int64_t c_begin, int64_t c_end,
                                 float fill = 0.f) {
  std::vector<float> y(static_cast<size_t>(c.channels * c.out_h() * c.out_w()), fill);
  depthwise_conv_f32(c.params(), d.x.data<float>(), d.w.data<float>(), d.bias(), y.data(), c_begin, c_end);
  return y;
}

// Every case on every kernel path against the double-precision reference.
void expect_every_path_matches_reference(const std::vector<DepthwiseCase>& cases, uint32_t seed) {
  for (const DepthwiseCase& c : cases) {
    DepthwiseData data(c, seed += 3);
    Expected want = data.expected(c);
    for (const KernelPath& path : depthwise_paths()) {
      UsePath use(path);
      Mismatches m = compare(run_depthwise(c, data, 0, c.channels).data(), want, c.kernel * c.kernel + 1);
      EXPECT_EQ(m.count, 0) << path.name << ", " << c.describe() << ": " << m.first;
    }
  }
}

TEST(DepthwiseKernels, MatchReferenceConvOverOddShapes) {
  std::vector<DepthwiseCase> cases = depthwise_cases();
  ASSERT_GT(cases.size(), 450u);  // the invalid ones (a 1x1 input, no padding, 5x5) dropped
  expect_every_path_matches_reference(cases, 1);
}

// Every row width up to three registers of outputs (8 lanes on AVX2, 4 on NEON) plus one, and
// widths around one, two, three and four registers of 16 (AVX-512): rows shorter than a register,
// a last register shifted left over its neighbour, interior tiles of one and two registers between
// edge tiles, for each filter, stride and a few paddings (one as large as the filter), on maps of
// 3 rows (fewer output rows than a block of 4, for 3x3) and 6.
std::vector<DepthwiseCase> row_width_cases() {
  const std::vector<std::vector<int64_t>> pad_sets = {{0, 0, 0, 0}, {1, 1, 1, 1}, {2, 2, 2, 2}, {1, 0, 2, 1},
                                                      {3, 2, 0, 3}, {5, 5, 1, 5}};
  std::vector<DepthwiseCase> cases;
  std::vector<int64_t> widths;
  for (int64_t width = 1; width <= 25; ++width) widths.push_back(width);
  // And around the AVX-512 kernel's one and two registers of 16 (a wide tile is 32 outputs).
  for (int64_t width : {31, 32, 33, 47, 48, 49, 63, 64, 65, 70}) widths.push_back(width);
  for (int64_t height : {3, 6})
    for (int64_t width : widths)
      for (int64_t kernel : {3, 5})
        for (int64_t stride : {1, 2})
          for (size_t i = 0; i < pad_sets.size(); ++i) {
            Clamp clamp = kClamps[i % 3];
            DepthwiseCase c{2, height, width, kernel, stride, pad_sets[i], i % 2 == 0, clamp.lo, clamp.hi};
            if (c.valid()) cases.push_back(c);
          }
  return cases;
}

TEST(DepthwiseKernels, MatchReferenceConvAtEveryRowWidth) { expect_every_path_matches_reference(row_width_cases(), 700); }

// The AVX-512 kernel is the AVX2 one's tiling on zmm: the same bits, lane for lane, at the row
// widths above that it takes (stride 1, more than 8 outputs: its interior, edge and shifted last
// tiles, short maps, paddings as large as the filter), with the clamps.
TEST(DepthwiseKernels, Avx512AndAvx2GiveTheSameBits) {
  if (!cpu_has_avx512()) GTEST_SKIP() << "this CPU has no AVX-512";
  uint32_t seed = 900;
  int compared = 0;
  for (const DepthwiseCase& c : row_width_cases()) {
    if (c.stride != 1 || c.params().out_w <= 8) continue;  // the AVX2 kernel either way
    ++compared;
    DepthwiseData data(c, seed += 7);
    std::vector<float> wide = run_depthwise(c, data, 0, c.channels);
    hide_avx512(true);
    std::vector<float> narrow = run_depthwise(c, data, 0, c.channels);
    hide_avx512(false);
    ASSERT_EQ(wide.size(), narrow.size());
    EXPECT_EQ(0, std::memcmp(wide.data(), narrow.data(), wide.size() * sizeof(float))) << c.describe();
  }
  EXPECT_GT(compared, 100);
}

// Rows around 4096 wide, where the SIMD kernels' row of zeros (for the top and bottom padding)
// ends and they hand wider rows to the portable kernel.
TEST(DepthwiseKernels, MatchReferenceConvOnVeryWideRows) {
  uint32_t seed = 500;
  for (int64_t width : {4096, 4097})
    for (int64_t kernel : {3, 5})
      for (int64_t stride : {1, 2}) {
        DepthwiseCase c{2, 3, width, kernel, stride, {2, 1, 2, 2}, true, -INFINITY, INFINITY};
        DepthwiseData data(c, seed += 3);
        Expected want = data.expected(c);
        for (const KernelPath& path : depthwise_paths()) {
          UsePath use(path);
          Mismatches m = compare(run_depthwise(c, data, 0, c.channels).data(), want, kernel * kernel + 1);
          EXPECT_EQ(m.count, 0) << path.name << ", " << c.describe() << ": " << m.first;
        }
      }
}

TEST(DepthwiseKernels, ChannelSplitsAreBitwiseIdentical) {
  for (const KernelPath& path : depthwise_paths()) {
    UsePath use(path);
    for (int64_t kernel : {3, 5})
      for (int64_t stride : {1, 2}) {
        DepthwiseCase c{17, 13, 11, kernel, stride, {1, 2, 2, 1}, true, 0.f, 6.f};
        DepthwiseData data(c, 7);
        std::vector<float> whole = run_depthwise(c, data, 0, 17);
        std::vector<float> split(whole.size(), NAN);
        const std::pair<int64_t, int64_t> ranges[] = {{0, 1}, {1, 6}, {6, 16}, {16, 17}};
        for (auto [begin, end] : ranges)
          depthwise_conv_f32(c.params(), data.x.data<float>(), data.w.data<float>(), data.bias(), split.data(), begin,
                             end);
        EXPECT_EQ(std::memcmp(whole.data(), split.data(), whole.size() * sizeof(float)), 0)
            << path.name << ", " << c.describe();

        // A range writes its own channels and nothing else.
        std::vector<float> part = run_depthwise(c, data, 5, 9, 42.f);
        int64_t plane = c.out_h() * c.out_w();
        for (int64_t i = 0; i < static_cast<int64_t>(part.size()); ++i) {
          bool inside = i >= 5 * plane && i < 9 * plane;
          ASSERT_EQ(part[i], inside ? whole[i] : 42.f) << path.name << ", " << c.describe() << ", element " << i;
        }
      }
  }
}

TEST(DepthwiseKernels, NanPropagatesThroughTheClamp) {
  DepthwiseCase c{3, 9, 10, 3, 1, {1, 1, 1, 1}, true, 0.f, 6.f};
  DepthwiseData data(c, 11);
  data.x.data<float>()[90 + 4 * 10 + 5] = NAN;  // channel 1, row 4, column 5
  Expected want = data.expected(c);
  ASSERT_TRUE(std::isnan(want.value.data<float>()[90 + 4 * 10 + 5]));
  for (const KernelPath& path : depthwise_paths()) {
    UsePath use(path);
    Mismatches m = compare(run_depthwise(c, data, 0, 3).data(), want, 10);
    EXPECT_EQ(m.count, 0) << path.name << ": " << m.first;
  }
}

// The check itself: one weight off by 1e-3 must be caught.
TEST(DepthwiseKernels, CheckerCatchesOneWrongWeight) {
  DepthwiseCase c{3, 13, 11, 5, 2, {2, 2, 2, 2}, true, -INFINITY, INFINITY};
  DepthwiseData data(c, 13);
  Expected want = data.expected(c);
  data.w.data<float>()[25 + 7] += 1e-3f;
  for (const KernelPath& path : depthwise_paths()) {
    UsePath use(path);
    EXPECT_GT(compare(run_depthwise(c, data, 0, 3).data(), want, 26).count, 10) << path.name;
  }
}

TEST(DepthwiseKernels, RejectsWhatTheyDoNotImplement) {
  EXPECT_TRUE(depthwise_supported(3, 1));
  EXPECT_TRUE(depthwise_supported(5, 2, 1));
  EXPECT_FALSE(depthwise_supported(3, 1, 2));
  EXPECT_FALSE(depthwise_supported(7, 1));
  EXPECT_FALSE(depthwise_supported(3, 3));
  DepthwiseCase c{4, 8, 8, 3, 1, {1, 1, 1, 1}, false, -INFINITY, INFINITY};
  DepthwiseData data(c, 17);
  DepthwiseParams p = c.params();
  std::vector<float> y(4 * 64);
  auto run = [&](const DepthwiseParams& q, int64_t begin, int64_t end) {
    return test::error_of([&] { depthwise_conv_f32(q, data.x.data<float>(), data.w.data<float>(), nullptr, y.data(), begin, end); });
  };
  EXPECT_EQ(run(p, 0, 4), "");
  EXPECT_NE(run(p, 0, 5).find("channel range"), std::string::npos);
  EXPECT_NE(run(p, 3, 2).find("channel range"), std::string::npos);
  DepthwiseParams seven = p;
  seven.kernel = 7;
  EXPECT_NE(run(seven, 0, 4).find("not supported"), std::string::npos);
  DepthwiseParams empty = p;
  empty.out_w = 0;
  EXPECT_NE(run(empty, 0, 4).find("bad sizes"), std::string::npos);
}

// --- Memory bounds: buffers placed against inaccessible pages ---

using GuardedFloats = test::Guarded<float>;

TEST(DepthwiseKernels, TouchNothingOutsideTheirTensors) {
  for (const KernelPath& path : depthwise_paths()) {
    UsePath use(path);
    std::vector<DepthwiseCase> cases = depthwise_cases();
    for (const DepthwiseCase& c : row_width_cases()) cases.push_back(c);
    for (const DepthwiseCase& c : cases) {
      if (c.height * c.width > 32 * 32) continue;  // the edges are what matters here
      DepthwiseData data(c, 19);
      std::vector<float> want = run_depthwise(c, data, 0, c.channels);
      std::vector<float> unset(want.size(), NAN);
      for (bool guard_after : {false, true}) {
        GuardedFloats x(data.x.data<float>(), static_cast<size_t>(data.x.numel()), guard_after);
        GuardedFloats w(data.w.data<float>(), static_cast<size_t>(data.w.numel()), guard_after);
        GuardedFloats y(unset.data(), unset.size(), guard_after);
        depthwise_conv_f32(c.params(), x.data(), w.data(), data.bias(), y.data(), 0, c.channels);
        ASSERT_EQ(std::memcmp(y.data(), want.data(), want.size() * sizeof(float)), 0) << path.name << ", " << c.describe();
      }
    }
  }
}

// --- im2col ---

struct Im2colCase {
  const char* what;
  int64_t channels, out_channels, group, height, width, kernel_h, kernel_w;
  ConvSetup setup;

  Im2colParams params(int64_t out_h, int64_t out_w) const {
    Im2colParams p;
    p.channels = channels / group;
    p.in_h = height;
    p.in_w = width;
    p.out_h = out_h;
    p.out_w = out_w;
    p.kernel_h = kernel_h;
    p.kernel_w = kernel_w;
    p.stride_h = setup.strides[0];
    p.stride_w = setup.strides[1];
    p.dilation_h = setup.dilations[0];
    p.dilation_w = setup.dilations[1];
    p.pad_top = setup.pads[0];
    p.pad_left = setup.pads[1];
    return p;
  }
};

ConvSetup conv_setup(int64_t group, std::vector<int64_t> strides, std::vector<int64_t> dilations,
                     std::vector<int64_t> pads) {
  return {group, std::move(strides), std::move(dilations), std::move(pads)};
}

const Im2colCase kIm2colCases[] = {
    {"dilation 2", 3, 4, 1, 13, 11, 3, 3, conv_setup(1, {1, 1}, {2, 2}, {2, 2, 2, 2})},
    {"groups, stride 2, asymmetric pads", 6, 9, 3, 9, 10, 3, 3, conv_setup(3, {2, 2}, {1, 1}, {1, 0, 0, 1})},
    {"5x3 kernel, mixed strides and dilations", 2, 3, 1, 7, 7, 5, 3, conv_setup(1, {2, 1}, {1, 2}, {0, 2, 1, 0})},
    {"pads wider than the kernel, stride 3", 4, 2, 2, 8, 5, 2, 2, conv_setup(2, {3, 3}, {1, 1}, {3, 0, 2, 3})},
    {"pointwise", 5, 7, 1, 6, 6, 1, 1, conv_setup(1, {1, 1}, {1, 1}, {0, 0, 0, 0})},
    {"1x1 stride 2", 5, 3, 1, 9, 9, 1, 1, conv_setup(1, {2, 2}, {1, 1}, {0, 0, 0, 0})},
    {"1x5 on one row", 1, 1, 1, 1, 17, 1, 5, conv_setup(1, {1, 1}, {1, 1}, {0, 2, 0, 2})},
    {"3x3 same, 32x32", 8, 16, 1, 32, 32, 3, 3, conv_setup(1, {1, 1}, {1, 1}, {1, 1, 1, 1})},
    {"depthwise 5x5 dilation 2", 4, 4, 4, 12, 12, 5, 5, conv_setup(4, {1, 1}, {2, 2}, {4, 3, 4, 5})},
};

// Y = W x im2col(X) + b per group, summed in double.
std::vector<float> conv_by_im2col(const Im2colCase& c, const Tensor& x, const Tensor& w, const Tensor& b,
                                  int64_t out_h, int64_t out_w) {
  Im2colParams p = c.params(out_h, out_w);
  int64_t rows = p.rows(), cols = p.columns(), per_group = c.out_channels / c.group;
  std::vector<float> y(static_cast<size_t>(c.out_channels * cols));
  std::vector<float> matrix(static_cast<size_t>(rows * cols));
  for (int64_t g = 0; g < c.group; ++g) {
    im2col_f32(p, x.data<float>() + g * p.channels * c.height * c.width, 0, cols, matrix.data(), cols);
    for (int64_t m = g * per_group; m < (g + 1) * per_group; ++m)
      for (int64_t j = 0; j < cols; ++j) {
        double sum = b.data<float>()[m];
        for (int64_t r = 0; r < rows; ++r) sum += double{w.data<float>()[m * rows + r]} * matrix[r * cols + j];
        y[m * cols + j] = static_cast<float>(sum);
      }
  }
  return y;
}

TEST(Im2colKernel, GemmMatchesReferenceConv) {
  uint32_t seed = 100;
  for (const Im2colCase& c : kIm2colCases) {
    Tensor x = random_tensor({1, c.channels, c.height, c.width}, seed += 3);
    Tensor w = random_tensor({c.out_channels, c.channels / c.group, c.kernel_h, c.kernel_w}, seed + 1);
    Tensor b = random_tensor({c.out_channels}, seed + 2);
    Expected want = expected_conv(x, w, &b, c.setup, -INFINITY, INFINITY);
    std::vector<float> got = conv_by_im2col(c, x, w, b, want.value.dim(2), want.value.dim(3));
    Mismatches m = compare(got.data(), want, c.channels / c.group * c.kernel_h * c.kernel_w + 1);
    EXPECT_EQ(m.count, 0) << c.what << ": " << m.first;
  }
}

// The reference's output size for one im2col case.
Im2colParams im2col_params(const Im2colCase& c) {
  Tensor y = reference_conv(random_tensor({1, c.channels, c.height, c.width}, 1),
                            random_tensor({c.out_channels, c.channels / c.group, c.kernel_h, c.kernel_w}, 2), nullptr,
                            c.setup);
  return c.params(y.dim(2), y.dim(3));
}

// The whole matrix, all columns at once: what the column ranges and panels are checked against.
std::vector<float> whole_matrix(const Im2colParams& p, const Tensor& x) {
  std::vector<float> m(static_cast<size_t>(p.rows() * p.columns()));
  im2col_f32(p, x.data<float>(), 0, p.columns(), m.data(), p.columns());
  return m;
}

TEST(Im2colKernel, ColumnRangesAreBitwiseIdentical) {
  for (const Im2colCase& c : kIm2colCases) {
    Im2colParams p = im2col_params(c);
    Tensor x = random_tensor({p.channels, p.in_h, p.in_w}, 5);
    int64_t rows = p.rows(), cols = p.columns();
    const std::vector<float> whole = whole_matrix(p, x);
    // Ranges cut inside output rows, written into the full matrix and into per-range panels.
    std::vector<int64_t> cuts{0, std::min<int64_t>(cols, 1), std::min<int64_t>(cols, 5), cols / 2 + 1, cols};
    std::vector<float> split(whole.size(), 42.f);
    for (size_t i = 0; i + 1 < cuts.size(); ++i) {
      int64_t begin = std::min(cuts[i], cuts[i + 1]), end = cuts[i + 1], width = end - begin;
      im2col_f32(p, x.data<float>(), begin, end, split.data() + begin, cols);
      std::vector<float> panel(static_cast<size_t>(rows * width));
      im2col_f32(p, x.data<float>(), begin, end, panel.data(), width);
      for (int64_t r = 0; r < rows; ++r)
        ASSERT_EQ(std::memcmp(panel.data() + r * width, whole.data() + r * cols + begin, width * sizeof(float)), 0)
            << c.what << ", columns [" << begin << ", " << end << "), row " << r;
    }
    EXPECT_EQ(std::memcmp(split.data(), whole.data(), whole.size() * sizeof(float)), 0) << c.what;

    // A range writes its own columns and nothing else.
    std::vector<float> part(whole.size(), 42.f);
    int64_t begin = cols / 3, end = cols - cols / 4;
    im2col_f32(p, x.data<float>(), begin, end, part.data() + begin, cols);
    for (int64_t i = 0; i < rows * cols; ++i) {
      bool inside = i % cols >= begin && i % cols < end;
      ASSERT_EQ(part[i], inside ? whole[i] : 42.f) << c.what << ", element " << i;
    }
  }
}

// fp32 convolutions read their taps in place (kernels/im2col_padded.h, gemm_rows with
// BColumnRows): every element of the im2col matrix is at its tap's offset plus oy * pitch + ox of
// the float planes, which sit against an inaccessible page, and inside the planes themselves (not
// their spill, which the pixels never reach), however far the taps are dilated (8 and 9 here:
// taps 16 and 18 values apart).
TEST(Im2colKernel, PitchedFloatTapsReadTheMatrix) {
  auto check = [](const Im2colParams& p, const std::string& what) {
    Tensor x = random_tensor({p.channels, p.in_h, p.in_w}, 8);
    const std::vector<float> want = whole_matrix(p, x);
    std::vector<int64_t> offsets(static_cast<size_t>(p.rows()));
    pitched_tap_offsets(p, offsets.data());
    const std::vector<float> unset(static_cast<size_t>(padded_values<float>(p)), 42.f);
    GuardedFloats padded(unset.data(), unset.size(), true);
    pad_input_planes(p, x.data<float>(), 0.f, 0, p.channels, padded.data());
    const int64_t pitch = padded_planes(p).pitch;
    const int64_t planes_end = padded_values<float>(p) - kPaddedSpillBytes / static_cast<int64_t>(sizeof(float));
    for (int64_t r = 0; r < p.rows(); ++r) {
      const int64_t offset = offsets[static_cast<size_t>(r)];
      for (int64_t oy = 0; oy < p.out_h; ++oy)
        for (int64_t ox = 0; ox < p.out_w; ++ox) {
          ASSERT_LT(offset + oy * pitch + ox, planes_end) << what << ", row " << r;
          ASSERT_EQ(padded.data()[offset + oy * pitch + ox], want[static_cast<size_t>(r * p.columns() + oy * p.out_w + ox)])
              << what << ", row " << r << ", output (" << oy << ", " << ox << ")";
        }
    }
  };
  for (const Im2colCase& c : kIm2colCases) check(im2col_params(c), c.what);
  Im2colParams wide;
  wide.channels = 2;
  wide.in_h = wide.in_w = 40;
  wide.kernel_h = wide.kernel_w = 3;
  wide.dilation_h = wide.dilation_w = 8;
  wide.out_h = wide.out_w = 40 - 16;
  check(wide, "3x3 dilation 8");
  wide.dilation_h = wide.dilation_w = 9;
  wide.out_h = wide.out_w = 40 - 18;
  check(wide, "3x3 dilation 9");
}

TEST(Im2colKernel, PointwiseInputIsTheMatrix) {
  for (const Im2colCase& c : kIm2colCases) {
    Im2colParams p = im2col_params(c);
    bool pointwise = std::string(c.what) == "pointwise";
    EXPECT_EQ(conv_is_pointwise(p), pointwise) << c.what;
    if (!pointwise) continue;
    Tensor x = random_tensor({p.channels, p.in_h, p.in_w}, 9);
    std::vector<float> matrix(static_cast<size_t>(p.rows() * p.columns()));
    im2col_f32(p, x.data<float>(), 0, p.columns(), matrix.data(), p.columns());
    EXPECT_EQ(std::memcmp(matrix.data(), x.data<float>(), matrix.size() * sizeof(float)), 0);
  }
  Im2colParams p;
  p.channels = 3;
  p.in_h = p.out_h = 4;
  p.in_w = p.out_w = 5;
  EXPECT_TRUE(conv_is_pointwise(p));
  p.out_w = 6;  // implies a right padding of 1
  EXPECT_FALSE(conv_is_pointwise(p));
}

TEST(Im2colKernel, ReadsNothingOutsideItsInput) {
  for (const Im2colCase& c : kIm2colCases) {
    Im2colParams p = im2col_params(c);
    Tensor x = random_tensor({p.channels, p.in_h, p.in_w}, 3);
    std::vector<float> want(static_cast<size_t>(p.rows() * p.columns())), got(want.size());
    im2col_f32(p, x.data<float>(), 0, p.columns(), want.data(), p.columns());
    for (bool guard_after : {false, true}) {
      GuardedFloats guarded(x.data<float>(), static_cast<size_t>(x.numel()), guard_after);
      im2col_f32(p, guarded.data(), 0, p.columns(), got.data(), p.columns());
      EXPECT_EQ(std::memcmp(got.data(), want.data(), want.size() * sizeof(float)), 0) << c.what;
    }
  }
}

}  // namespace
}  // namespace kite
