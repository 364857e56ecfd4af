// The quantized kernels besides the matrix product: depthwise convolution, residual Add, global
// average pooling and max pooling (src/kernels/q8_depthwise_conv.h, q8_elementwise.h,
// q8_pooling.h). Each is checked on every path this CPU has (the portable kernel, forced, and the
// AVX2 or NEON one) against a naive reference written here from the headers' contracts: integer
// sums in int64, then requantize() / requantize_add() of kernels/requantize.h. The arithmetic is
// exact, so the comparison is too: every byte must be equal. Shapes leave every SIMD tail (row
// widths 1 to 40 and around the kernels' strips), zero points take the values 0, 1, 128 and 255,
// output ranges are narrowed, and inputs reach the extremes of their types.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "kernels/cpu_features.h"
#include "kernels/q8_depthwise_conv.h"
#include "kernels/q8_elementwise.h"
#include "kernels/q8_pool_kernels.h"
#include "kernels/q8_pooling.h"
#include "kernels/requantize.h"
#include "guarded_buffer.h"
#include "op_test_util.h"

namespace kite {
namespace {

// --- Kernel paths ---

// Which kernels a case runs: the portable ones (forced) always; the SIMD ones without the optional
// extensions (AVX-512, AVX-VNNI, ARMv8.2's) where this CPU has those, so that the AVX2 and NEON
// kernels run here too; and the dispatcher's own choice where this CPU has SIMD kernels.
enum class Path { kGeneric, kBaseline, kFastest };

std::vector<Path> kernel_paths() {
  std::vector<Path> paths{Path::kGeneric};
  if (cpu_has_avx512() || cpu_has_avx_vnni() || cpu_has_arm_dotprod() || cpu_has_arm_fp16())
    paths.push_back(Path::kBaseline);
  if (cpu_has_avx2_fma() || cpu_has_neon()) paths.push_back(Path::kFastest);
  return paths;
}

// Picks one path's kernels for one scope.
class UsePath {
 public:
  explicit UsePath(Path path) {
    force_generic_kernels(path == Path::kGeneric);
    hide_cpu_extensions(path == Path::kBaseline);
  }
  ~UsePath() {
    force_generic_kernels(false);
    hide_cpu_extensions(false);
  }
  UsePath(const UsePath&) = delete;
  UsePath& operator=(const UsePath&) = delete;
};

// --- Data ---

std::vector<uint8_t> random_bytes(size_t count, std::mt19937& rng) {
  std::uniform_int_distribution<int> byte(0, 255);
  std::vector<uint8_t> v(count);
  for (uint8_t& b : v) b = static_cast<uint8_t>(byte(rng));
  return v;
}

// The first index where two byte vectors differ, for failure messages; -1 when equal.
int64_t first_difference(const std::vector<uint8_t>& got, const std::vector<uint8_t>& want) {
  if (got.size() != want.size()) return 0;
  for (size_t i = 0; i < got.size(); ++i)
    if (got[i] != want[i]) return static_cast<int64_t>(i);
  return -1;
}

std::string difference(const std::vector<uint8_t>& got, const std::vector<uint8_t>& want) {
  int64_t i = first_difference(got, want);
  if (i < 0) return "equal";
  if (got.size() != want.size()) return "sizes differ";
  return "element " + std::to_string(i) + ": got " + std::to_string(got[i]) + ", want " + std::to_string(want[i]);
}

// Zero points and output ranges the cases cycle through: plain, a fused ReLU (qmin = zero
// point), and a range narrowed on both sides.
const int32_t kZeroPoints[] = {0, 1, 128, 255};

struct OutputRange8 {
  int32_t qmin, qmax;
};

OutputRange8 output_range(int variant, int32_t zero_point) {
  switch (variant % 3) {
    case 0:
      return {0, 255};
    case 1:
      return {zero_point, 255};
    default:
      return {std::min(zero_point, 17), std::max(zero_point, 201)};
  }
}

using GuardedBytes = test::Guarded<uint8_t>;

// =============================== Depthwise convolution ===============================

struct DwCase {
  int64_t channels, height, width, kernel, stride;
  std::vector<int64_t> pads;  // top, left, bottom, right
  int32_t x_zero_point, y_zero_point, qmin, qmax;
  bool bias;

  int64_t out_h() const { return (height + pads[0] + pads[2] - kernel) / stride + 1; }
  int64_t out_w() const { return (width + pads[1] + pads[3] - kernel) / stride + 1; }
  bool valid() const { return height + pads[0] + pads[2] >= kernel && width + pads[1] + pads[3] >= kernel; }

  Q8DepthwiseParams params() const {
    Q8DepthwiseParams p;
    p.channels = channels;
    p.in_h = height;
    p.in_w = width;
    p.out_h = out_h();
    p.out_w = out_w();
    p.kernel = kernel;
    p.stride = stride;
    p.pad_top = pads[0];
    p.pad_left = pads[1];
    p.x_zero_point = x_zero_point;
    p.y_zero_point = y_zero_point;
    p.qmin = qmin;
    p.qmax = qmax;
    return p;
  }
  std::string describe() const {
    return std::to_string(channels) + "ch " + std::to_string(height) + "x" + std::to_string(width) + " k" +
           std::to_string(kernel) + " s" + std::to_string(stride) + " pads " + std::to_string(pads[0]) + "," +
           std::to_string(pads[1]) + "," + std::to_string(pads[2]) + "," + std::to_string(pads[3]) + " zx " +
           std::to_string(x_zero_point) + " zy " + std::to_string(y_zero_point) + " range [" + std::to_string(qmin) +
           ", " + std::to_string(qmax) + "]" + (bias ? " bias" : " no-bias");
  }
};

struct DwData {
  std::vector<uint8_t> x;
  std::vector<int8_t> w;
  std::vector<int32_t> b;  // empty: no bias
  std::vector<float> scale;

  // Random inputs, weights in [-127, 127], biases in [-30000, 30000], and per-channel scales
  // spread around the one that maps a typical sum onto about a hundred steps, so that outputs
  // cover the range and some are clamped.
  DwData(const DwCase& c, uint32_t seed) {
    std::mt19937 rng(seed);
    x = random_bytes(static_cast<size_t>(c.channels * c.height * c.width), rng);
    std::uniform_int_distribution<int> weight(-127, 127), bias(-30000, 30000);
    std::uniform_real_distribution<float> spread(0.3f, 3.f);
    w.resize(static_cast<size_t>(c.channels * c.kernel * c.kernel));
    for (int8_t& v : w) v = static_cast<int8_t>(weight(rng));
    if (c.bias) {
      b.resize(static_cast<size_t>(c.channels));
      for (int32_t& v : b) v = bias(rng);
    }
    scale.resize(static_cast<size_t>(c.channels));
    for (float& s : scale) s = spread(rng) * 0.015f / static_cast<float>(c.kernel);
  }
  const int32_t* bias() const { return b.empty() ? nullptr : b.data(); }
};

// The contract of kernels/q8_depthwise_conv.h, tap by tap; padding taps read the zero point.
std::vector<uint8_t> reference_dw(const DwCase& c, const DwData& d) {
  const int64_t oh = c.out_h(), ow = c.out_w(), k = c.kernel;
  std::vector<uint8_t> y(static_cast<size_t>(c.channels * oh * ow));
  for (int64_t ch = 0; ch < c.channels; ++ch)
    for (int64_t oy = 0; oy < oh; ++oy)
      for (int64_t ox = 0; ox < ow; ++ox) {
        int64_t acc = d.b.empty() ? 0 : d.b[ch];
        for (int64_t ky = 0; ky < k; ++ky)
          for (int64_t kx = 0; kx < k; ++kx) {
            int64_t iy = oy * c.stride - c.pads[0] + ky, ix = ox * c.stride - c.pads[1] + kx;
            bool inside = iy >= 0 && iy < c.height && ix >= 0 && ix < c.width;
            int64_t xv = inside ? d.x[(ch * c.height + iy) * c.width + ix] : c.x_zero_point;
            acc += int64_t{d.w[(ch * k + ky) * k + kx]} * (xv - c.x_zero_point);
          }
        EXPECT_TRUE(acc >= INT32_MIN && acc <= INT32_MAX);
        y[(ch * oh + oy) * ow + ox] =
            static_cast<uint8_t>(requantize(static_cast<int32_t>(acc), d.scale[ch], c.y_zero_point, c.qmin, c.qmax));
      }
  return y;
}

std::vector<uint8_t> run_dw(const DwCase& c, const DwData& d, int64_t c_begin, int64_t c_end, uint8_t fill = 0) {
  std::vector<uint8_t> y(static_cast<size_t>(c.channels * c.out_h() * c.out_w()), fill);
  depthwise_conv_q8(c.params(), d.x.data(), d.w.data(), d.bias(), d.scale.data(), y.data(), c_begin, c_end);
  return y;
}

void expect_dw_paths_match_reference(const std::vector<DwCase>& cases, uint32_t seed) {
  for (const DwCase& c : cases) {
    DwData data(c, seed++);
    std::vector<uint8_t> want = reference_dw(c, data);
    for (Path path : kernel_paths()) {
      UsePath use(path);
      std::vector<uint8_t> got = run_dw(c, data, 0, c.channels);
      ASSERT_EQ(first_difference(got, want), -1)
          << depthwise_q8_kernel_name() << ", " << c.describe() << ": " << difference(got, want);
    }
  }
}

const std::vector<std::vector<int64_t>> kDwPadSets = {{0, 0, 0, 0}, {1, 1, 1, 1}, {2, 2, 2, 2},
                                                      {0, 1, 2, 0}, {2, 0, 1, 2}, {1, 2, 0, 1}};

// One case with zero points and range picked by a running counter, so that each shape meets
// several combinations.
DwCase dw_case(int64_t channels, int64_t h, int64_t w, int64_t k, int64_t s, const std::vector<int64_t>& pads,
               int counter) {
  int32_t zx = kZeroPoints[counter % 4], zy = kZeroPoints[(counter / 4 + counter) % 4];
  OutputRange8 r = output_range(counter, zy);
  return {channels, h, w, k, s, pads, zx, zy, r.qmin, r.qmax, counter % 2 == 0};
}

TEST(Q8DepthwiseKernels, MatchReferenceOverOddShapes) {
  const int64_t sizes[][2] = {{1, 1}, {2, 3}, {5, 7}, {13, 11}, {16, 17}, {37, 33}};
  std::vector<DwCase> cases;
  int counter = 0;
  for (int64_t channels : {1, 3, 17})
    for (const auto& size : sizes)
      for (int64_t kernel : {3, 5})
        for (int64_t stride : {1, 2})
          for (const auto& pads : kDwPadSets) {
            DwCase c = dw_case(channels, size[0], size[1], kernel, stride, pads, counter++);
            if (c.valid()) cases.push_back(c);
          }
  ASSERT_GT(cases.size(), 350u);
  expect_dw_paths_match_reference(cases, 1);
}

// Every row width from 1 to 40 (every tail of 8 and 16 outputs), then widths around the strips
// of 256 outputs the SIMD kernels widen at once.
TEST(Q8DepthwiseKernels, MatchReferenceAtEveryRowWidth) {
  const std::vector<std::vector<int64_t>> pad_sets = {{0, 0, 0, 0}, {1, 1, 1, 1}, {2, 2, 2, 2}, {1, 0, 2, 1}};
  std::vector<int64_t> widths;
  for (int64_t w = 1; w <= 40; ++w) widths.push_back(w);
  for (int64_t w : {255, 256, 257, 271, 272, 273, 520, 530, 1030}) widths.push_back(w);
  std::vector<DwCase> cases;
  int counter = 0;
  for (int64_t width : widths)
    for (int64_t kernel : {3, 5})
      for (int64_t stride : {1, 2})
        for (const auto& pads : pad_sets) {
          DwCase c = dw_case(2, 6, width, kernel, stride, pads, counter++);
          if (c.valid()) cases.push_back(c);
        }
  expect_dw_paths_match_reference(cases, 1000);
}

// Heights around the blocks of output rows (the last block shifted up over its neighbour).
TEST(Q8DepthwiseKernels, MatchReferenceAtEveryHeight) {
  std::vector<DwCase> cases;
  int counter = 0;
  for (int64_t height = 1; height <= 13; ++height)
    for (int64_t kernel : {3, 5})
      for (int64_t stride : {1, 2})
        for (const auto& pads : kDwPadSets) {
          DwCase c = dw_case(2, height, 19, kernel, stride, pads, counter++);
          if (c.valid()) cases.push_back(c);
        }
  expect_dw_paths_match_reference(cases, 3000);
}

// Padding as wide as the filter or wider (outputs whose window is all padding, a padded row that
// holds no input column), and negative bottom / right padding: an input wider and taller than
// the outputs read, whose last rows and columns no output sees.
TEST(Q8DepthwiseKernels, MatchReferenceWithWideOrNegativePadding) {
  const std::vector<std::vector<int64_t>> pad_sets = {{3, 3, 3, 3}, {6, 0, 6, 0}, {0, 6, 0, 6}, {5, 7, 1, 0},
                                                      {1, 1, -2, -3}, {0, 0, -4, -5}, {2, 9, -1, -2}};
  std::vector<DwCase> cases;
  int counter = 0;
  for (int64_t width : {1, 4, 13, 40, 70})
    for (int64_t height : {1, 6, 11})
      for (int64_t kernel : {3, 5})
        for (int64_t stride : {1, 2})
          for (const auto& pads : pad_sets) {
            DwCase c = dw_case(3, height, width, kernel, stride, pads, counter++);
            if (c.valid() && c.out_h() > 0 && c.out_w() > 0) cases.push_back(c);
          }
  ASSERT_GT(cases.size(), 250u);
  expect_dw_paths_match_reference(cases, 7000);
}

// Inputs and weights at their extremes, biases at +-2^30 (the largest sums the contract allows),
// scales that round exact ties (0.5, 0.25), saturate (1000) or flush everything to the zero point.
TEST(Q8DepthwiseKernels, MatchReferenceAtExtremes) {
  uint32_t seed = 5000;
  for (int64_t kernel : {3, 5})
    for (int64_t stride : {1, 2})
      for (int pattern = 0; pattern < 4; ++pattern) {
        DwCase c{4, 9, 21, kernel, stride, {1, 2, 2, 1}, pattern % 2 == 0 ? 0 : 255, 128, 0, 255, true};
        DwData d(c, seed++);
        for (size_t i = 0; i < d.x.size(); ++i) {
          if (pattern < 2)
            d.x[i] = c.x_zero_point == 0 ? 255 : 0;  // every x - zx at +-255
          else
            d.x[i] = (i % 3 == 0) ? 0 : 255;
        }
        for (size_t i = 0; i < d.w.size(); ++i) d.w[i] = static_cast<int8_t>(pattern == 1 || i % 2 ? -128 : 127);
        d.b = {int32_t{1} << 30, -(int32_t{1} << 30), 7, -7};
        d.scale = {pattern < 2 ? 1e-9f : 0.5f, 0.25f, 1000.f, 0.5f};
        std::vector<uint8_t> want = reference_dw(c, d);
        for (Path path : kernel_paths()) {
          UsePath use(path);
          std::vector<uint8_t> got = run_dw(c, d, 0, c.channels);
          EXPECT_EQ(first_difference(got, want), -1) << depthwise_q8_kernel_name() << ", pattern " << pattern << ", "
                                                     << c.describe() << ": " << difference(got, want);
        }
      }
}

TEST(Q8DepthwiseKernels, ChannelSplitsAreBitwiseIdentical) {
  for (Path path : kernel_paths()) {
    UsePath use(path);
    for (int64_t kernel : {3, 5})
      for (int64_t stride : {1, 2}) {
        DwCase c{17, 13, 29, kernel, stride, {1, 2, 2, 1}, 3, 100, 0, 255, true};
        DwData data(c, 7);
        std::vector<uint8_t> whole = run_dw(c, data, 0, 17);
        std::vector<uint8_t> split(whole.size(), 0xab);
        const std::pair<int64_t, int64_t> ranges[] = {{0, 1}, {1, 6}, {6, 16}, {16, 17}};
        for (auto [begin, end] : ranges)
          depthwise_conv_q8(c.params(), data.x.data(), data.w.data(), data.bias(), data.scale.data(), split.data(),
                            begin, end);
        EXPECT_EQ(first_difference(split, whole), -1) << depthwise_q8_kernel_name() << ", " << c.describe();

        // A range writes its own channels and nothing else.
        for (uint8_t fill : {0x00, 0xff}) {
          std::vector<uint8_t> part = run_dw(c, data, 5, 9, fill);
          int64_t plane = c.out_h() * c.out_w();
          for (int64_t i = 0; i < static_cast<int64_t>(part.size()); ++i) {
            bool inside = i >= 5 * plane && i < 9 * plane;
            ASSERT_EQ(part[i], inside ? whole[i] : fill) << depthwise_q8_kernel_name() << ", element " << i;
          }
        }
      }
  }
}

TEST(Q8DepthwiseKernels, TouchNothingOutsideTheirTensors) {
  for (Path path : kernel_paths()) {
    UsePath use(path);
    int counter = 0;
    for (int64_t width : {1, 7, 15, 16, 17, 33, 70, 130})
      for (int64_t kernel : {3, 5})
        for (int64_t stride : {1, 2})
          for (const auto& pads : kDwPadSets) {
            DwCase c = dw_case(2, 5, width, kernel, stride, pads, counter++);
            if (!c.valid()) continue;
            DwData data(c, 40 + counter);
            std::vector<uint8_t> want = reference_dw(c, data);
            std::vector<uint8_t> unset(want.size(), 0);
            for (bool guard_after : {false, true}) {
              GuardedBytes x(data.x.data(), data.x.size(), guard_after);
              GuardedBytes w(reinterpret_cast<const uint8_t*>(data.w.data()), data.w.size(), guard_after);
              GuardedBytes y(unset.data(), unset.size(), guard_after);
              depthwise_conv_q8(c.params(), x.data(), reinterpret_cast<const int8_t*>(w.data()), data.bias(),
                                data.scale.data(), y.data(), 0, c.channels);
              ASSERT_EQ(first_difference(y.values(), want), -1) << depthwise_q8_kernel_name() << ", " << c.describe();
            }
          }
  }
}

TEST(Q8DepthwiseKernels, RejectWhatTheyDoNotImplement) {
  DwCase c{4, 8, 8, 3, 1, {1, 1, 1, 1}, 0, 0, 0, 255, true};
  DwData data(c, 17);
  std::vector<uint8_t> y(4 * 64);
  auto run = [&](const Q8DepthwiseParams& q, int64_t begin, int64_t end) {
    return test::error_of([&] {
      depthwise_conv_q8(q, data.x.data(), data.w.data(), data.bias(), data.scale.data(), y.data(), begin, end);
    });
  };
  const Q8DepthwiseParams p = c.params();
  EXPECT_EQ(run(p, 0, 4), "");
  EXPECT_NE(run(p, 0, 5).find("channel range"), std::string::npos);
  EXPECT_NE(run(p, 3, 2).find("channel range"), std::string::npos);
  Q8DepthwiseParams bad = p;
  bad.kernel = 7;
  EXPECT_NE(run(bad, 0, 4).find("not supported"), std::string::npos);
  bad = p;
  bad.out_w = 0;
  EXPECT_NE(run(bad, 0, 4).find("bad sizes"), std::string::npos);
  bad = p;
  bad.x_zero_point = 256;
  EXPECT_NE(run(bad, 0, 4).find("zero points"), std::string::npos);
  bad = p;
  bad.qmin = 200;
  bad.qmax = 100;
  EXPECT_NE(run(bad, 0, 4).find("output range"), std::string::npos);
  data.b[2] = (int32_t{1} << 30) + 1;
  EXPECT_NE(run(p, 0, 4).find("bias"), std::string::npos);
  EXPECT_EQ(run(p, 3, 4), "");  // only the range's channels are checked
  data.b[2] = 0;
  data.scale[1] = 0.f;
  EXPECT_NE(run(p, 0, 4).find("scale"), std::string::npos);
  data.scale[1] = NAN;
  EXPECT_NE(run(p, 0, 4).find("scale"), std::string::npos);
}

// =============================== Add ===============================

struct AddCase {
  Q8AddParams params;
  float a_scale, b_scale, y_scale;
};

// Scales with ratios to the output's between 2^-8 and 2^8, zero points and ranges cycling.
AddCase random_add_case(std::mt19937& rng, int counter) {
  std::uniform_real_distribution<float> exponent(-8.f, 8.f);
  AddCase c;
  c.y_scale = 0.05f;
  c.a_scale = c.y_scale * std::exp2(exponent(rng));
  c.b_scale = c.y_scale * std::exp2(exponent(rng));
  c.params.a_zero_point = kZeroPoints[counter % 4];
  c.params.b_zero_point = kZeroPoints[(counter / 4) % 4];
  c.params.y_zero_point = kZeroPoints[(counter / 2 + 1) % 4];
  c.params.requant = make_add_requant(c.a_scale, c.b_scale, c.y_scale);
  OutputRange8 r = output_range(counter, c.params.y_zero_point);
  c.params.qmin = r.qmin;
  c.params.qmax = r.qmax;
  return c;
}

std::vector<uint8_t> reference_add(const std::vector<uint8_t>& a, const std::vector<uint8_t>& b, const Q8AddParams& p) {
  std::vector<uint8_t> y(a.size());
  for (size_t i = 0; i < a.size(); ++i)
    y[i] = static_cast<uint8_t>(
        requantize_add(a[i], p.a_zero_point, b[i], p.b_zero_point, p.requant, p.y_zero_point, p.qmin, p.qmax));
  return y;
}

std::string describe(const AddCase& c, int64_t count) {
  return "count " + std::to_string(count) + " scales " + std::to_string(c.a_scale) + ", " + std::to_string(c.b_scale) +
         ", " + std::to_string(c.y_scale) + " zero points " + std::to_string(c.params.a_zero_point) + ", " +
         std::to_string(c.params.b_zero_point) + ", " + std::to_string(c.params.y_zero_point) + " range [" +
         std::to_string(c.params.qmin) + ", " + std::to_string(c.params.qmax) + "]";
}

std::vector<int64_t> add_counts() {
  std::vector<int64_t> counts;
  for (int64_t n = 0; n <= 70; ++n) counts.push_back(n);
  for (int64_t n : {95, 96, 97, 1000, 4099}) counts.push_back(n);
  return counts;
}

TEST(Q8AddKernels, MatchRequantizeAddExactly) {
  std::mt19937 rng(11);
  int counter = 0;
  for (int64_t count : add_counts()) {
    AddCase c = random_add_case(rng, counter++);
    std::vector<uint8_t> a = random_bytes(static_cast<size_t>(count), rng);
    std::vector<uint8_t> b = random_bytes(static_cast<size_t>(count), rng);
    std::vector<uint8_t> want = reference_add(a, b, c.params);
    for (Path path : kernel_paths()) {
      UsePath use(path);
      std::vector<uint8_t> y(a.size(), 0xab);
      add_q8(a.data(), b.data(), y.data(), count, c.params);
      EXPECT_EQ(first_difference(y, want), -1)
          << add_q8_kernel_name() << ", " << describe(c, count) << ": " << difference(y, want);
      // In place, over either input.
      std::vector<uint8_t> in_a = a, in_b = b;
      add_q8(in_a.data(), b.data(), in_a.data(), count, c.params);
      add_q8(a.data(), in_b.data(), in_b.data(), count, c.params);
      EXPECT_EQ(first_difference(in_a, want), -1)
          << add_q8_kernel_name() << ", in place over a, " << describe(c, count);
      EXPECT_EQ(first_difference(in_b, want), -1)
          << add_q8_kernel_name() << ", in place over b, " << describe(c, count);
    }
  }
}

// Every pair of input bytes, with the largest multipliers make_add_requant gives (ratios just
// under a power of two) and scales that send the sum far past the range.
TEST(Q8AddKernels, MatchRequantizeAddOnEveryPairOfBytes) {
  std::vector<uint8_t> a, b;
  for (int i = 0; i < 256; ++i)
    for (int j = 0; j < 256; ++j) {
      a.push_back(static_cast<uint8_t>(i));
      b.push_back(static_cast<uint8_t>(j));
    }
  const float ratios[][2] = {{0.9999f, 0.9999f}, {1.f, 1.f}, {255.f, 1e-3f}, {1e-3f, 3.f}, {0.5f, 0.25f}};
  int counter = 0;
  for (const auto& ratio : ratios)
    for (int32_t za : {0, 128, 255}) {
      AddCase c;
      c.y_scale = 0.1f;
      c.a_scale = 0.1f * ratio[0];
      c.b_scale = 0.1f * ratio[1];
      c.params.requant = make_add_requant(c.a_scale, c.b_scale, c.y_scale);
      c.params.a_zero_point = za;
      c.params.b_zero_point = 255 - za;
      c.params.y_zero_point = kZeroPoints[counter % 4];
      OutputRange8 r = output_range(counter++, c.params.y_zero_point);
      c.params.qmin = r.qmin;
      c.params.qmax = r.qmax;
      std::vector<uint8_t> want = reference_add(a, b, c.params);
      for (Path path : kernel_paths()) {
        UsePath use(path);
        std::vector<uint8_t> y(a.size());
        add_q8(a.data(), b.data(), y.data(), static_cast<int64_t>(a.size()), c.params);
        EXPECT_EQ(first_difference(y, want), -1)
            << add_q8_kernel_name() << ", " << describe(c, 65536) << ": " << difference(y, want);
      }
    }
}

TEST(Q8AddKernels, TouchNothingOutsideTheirTensors) {
  std::mt19937 rng(12);
  for (Path path : kernel_paths()) {
    UsePath use(path);
    for (int64_t count : {1, 15, 16, 31, 32, 33, 70}) {
      AddCase c = random_add_case(rng, static_cast<int>(count));
      std::vector<uint8_t> a = random_bytes(static_cast<size_t>(count), rng);
      std::vector<uint8_t> b = random_bytes(static_cast<size_t>(count), rng);
      std::vector<uint8_t> want = reference_add(a, b, c.params), unset(want.size(), 0);
      for (bool guard_after : {false, true}) {
        GuardedBytes ga(a.data(), a.size(), guard_after), gb(b.data(), b.size(), guard_after);
        GuardedBytes gy(unset.data(), unset.size(), guard_after);
        add_q8(ga.data(), gb.data(), gy.data(), count, c.params);
        ASSERT_EQ(first_difference(gy.values(), want), -1) << add_q8_kernel_name() << ", " << describe(c, count);
      }
    }
  }
}

TEST(Q8AddKernels, RejectBadParameters) {
  std::vector<uint8_t> a(4), b(4), y(4);
  Q8AddParams p;
  p.requant = make_add_requant(0.1f, 0.2f, 0.3f);
  auto run = [&](const Q8AddParams& q, int64_t count) {
    return test::error_of([&] { add_q8(a.data(), b.data(), y.data(), count, q); });
  };
  EXPECT_EQ(run(p, 4), "");
  EXPECT_EQ(run(p, 0), "");
  EXPECT_NE(run(p, -1).find("negative count"), std::string::npos);
  Q8AddParams bad = p;
  bad.b_zero_point = -1;
  EXPECT_NE(run(bad, 4).find("zero points"), std::string::npos);
  bad = p;
  bad.qmax = 256;
  EXPECT_NE(run(bad, 4).find("output range"), std::string::npos);
  bad = p;
  bad.requant.a_multiplier = (1 << 22) + 1;
  EXPECT_NE(run(bad, 4).find("multipliers"), std::string::npos);
  bad = p;
  bad.requant.scale = INFINITY;
  EXPECT_NE(run(bad, 4).find("scale"), std::string::npos);
}

// requantize_add rounds the real sum (a - za) sa / sy + (b - zb) sb / sy to the nearest step, up
// to the multipliers' 20 significant bits: never more than one step from the exact result.
TEST(Q8AddRequant, WithinOneStepOfTheRealSum) {
  std::mt19937 rng(13);
  std::uniform_real_distribution<double> exponent(-12.0, 12.0), mantissa(1.0, 2.0);
  for (int trial = 0; trial < 24; ++trial) {
    float sy = static_cast<float>(mantissa(rng) * std::exp2(exponent(rng)));
    float sa = static_cast<float>(sy * mantissa(rng) * std::exp2(exponent(rng) / 2));
    float sb = static_cast<float>(sy * mantissa(rng) * std::exp2(exponent(rng) / 2));
    int32_t za = kZeroPoints[trial % 4], zb = kZeroPoints[(trial / 4) % 4], zy = kZeroPoints[(trial + 1) % 4];
    AddRequant r = make_add_requant(sa, sb, sy);
    for (int32_t qa = 0; qa < 256; ++qa)
      for (int32_t qb = 0; qb < 256; ++qb) {
        double exact = ((qa - za) * double{sa} + (qb - zb) * double{sb}) / double{sy};
        double want = std::min(std::max(std::nearbyint(exact) + zy, 0.0), 255.0);
        int32_t got = requantize_add(qa, za, qb, zb, r, zy, 0, 255);
        ASSERT_LE(std::fabs(got - want), 1.0)
            << "scales " << sa << ", " << sb << ", " << sy << " qa " << qa << " qb " << qb << ": exact " << exact;
      }
  }
}

// =============================== Global average pooling ===============================

struct AveragePoolCase {
  int64_t channels, plane;
  Q8GlobalAveragePoolParams params;
};

std::vector<uint8_t> reference_average_pool(const std::vector<uint8_t>& x, const AveragePoolCase& c) {
  std::vector<uint8_t> y(static_cast<size_t>(c.channels));
  for (int64_t ch = 0; ch < c.channels; ++ch) {
    int64_t acc = 0;
    for (int64_t i = 0; i < c.plane; ++i) acc += x[ch * c.plane + i] - c.params.x_zero_point;
    y[ch] = static_cast<uint8_t>(
        requantize(static_cast<int32_t>(acc), c.params.scale, c.params.y_zero_point, c.params.qmin, c.params.qmax));
  }
  return y;
}

std::string describe(const AveragePoolCase& c) {
  return std::to_string(c.channels) + "ch plane " + std::to_string(c.plane) + " zx " +
         std::to_string(c.params.x_zero_point) + " zy " + std::to_string(c.params.y_zero_point) + " scale " +
         std::to_string(c.params.scale) + " range [" + std::to_string(c.params.qmin) + ", " +
         std::to_string(c.params.qmax) + "]";
}

std::vector<uint8_t> run_average_pool(const std::vector<uint8_t>& x, const AveragePoolCase& c) {
  std::vector<uint8_t> y(static_cast<size_t>(c.channels), 0xab);
  global_average_pool_q8(x.data(), y.data(), c.channels, c.plane, c.params);
  return y;
}

TEST(Q8GlobalAveragePool, MatchesReferenceOverPlaneSizes) {
  std::vector<int64_t> planes;
  for (int64_t n = 1; n <= 40; ++n) planes.push_back(n);
  for (int64_t n : {49, 63, 64, 65, 196, 1000, 4097}) planes.push_back(n);
  std::mt19937 rng(21);
  std::uniform_real_distribution<float> spread(0.5f, 2.f);
  int counter = 0;
  for (int64_t plane : planes)
    for (int64_t channels : {1, 5}) {
      AveragePoolCase c{channels, plane, {}};
      c.params.x_zero_point = kZeroPoints[counter % 4];
      c.params.y_zero_point = kZeroPoints[(counter / 4 + 1) % 4];
      c.params.scale = average_requant_scale(0.02f * spread(rng), 0.02f, plane);
      OutputRange8 r = output_range(counter++, c.params.y_zero_point);
      c.params.qmin = r.qmin;
      c.params.qmax = r.qmax;
      std::vector<uint8_t> x = random_bytes(static_cast<size_t>(channels * plane), rng);
      std::vector<uint8_t> want = reference_average_pool(x, c);
      for (Path path : kernel_paths()) {
        UsePath use(path);
        std::vector<uint8_t> got = run_average_pool(x, c);
        EXPECT_EQ(first_difference(got, want), -1)
            << global_average_pool_q8_kernel_name() << ", " << describe(c) << ": " << difference(got, want);
      }
    }
}

// The largest plane (2^23 elements) with every x - zx at +255 or -255: sums of +-255 * 2^23.
TEST(Q8GlobalAveragePool, SumsTheLargestPlaneExactly) {
  const int64_t plane = int64_t{1} << 23;
  for (int32_t zx : {0, 255}) {
    std::vector<uint8_t> x(static_cast<size_t>(plane), static_cast<uint8_t>(255 - zx));
    x[12345] = static_cast<uint8_t>(zx);  // one step back from the extreme
    for (float scale : {average_requant_scale(1.f, 1.f, plane), 1.f / 2139095040.f, 1e-7f}) {
      AveragePoolCase c{1, plane, {zx, 128, scale, 0, 255}};
      std::vector<uint8_t> want = reference_average_pool(x, c);
      for (Path path : kernel_paths()) {
        UsePath use(path);
        EXPECT_EQ(first_difference(run_average_pool(x, c), want), -1)
            << global_average_pool_q8_kernel_name() << ", " << describe(c);
      }
    }
  }
}

TEST(Q8GlobalAveragePool, TouchesNothingOutsideItsTensors) {
  std::mt19937 rng(22);
  for (Path path : kernel_paths()) {
    UsePath use(path);
    for (int64_t plane : {1, 7, 9, 31, 33, 49}) {
      AveragePoolCase c{3, plane, {128, 0, average_requant_scale(0.1f, 0.05f, plane), 0, 255}};
      std::vector<uint8_t> x = random_bytes(static_cast<size_t>(3 * plane), rng);
      std::vector<uint8_t> want = reference_average_pool(x, c), unset(3, 0);
      for (bool guard_after : {false, true}) {
        GuardedBytes gx(x.data(), x.size(), guard_after), gy(unset.data(), unset.size(), guard_after);
        global_average_pool_q8(gx.data(), gy.data(), c.channels, c.plane, c.params);
        ASSERT_EQ(first_difference(gy.values(), want), -1)
            << global_average_pool_q8_kernel_name() << ", " << describe(c);
      }
    }
  }
}

TEST(Q8GlobalAveragePool, RejectsBadParameters) {
  std::vector<uint8_t> x(16), y(2);
  Q8GlobalAveragePoolParams p{0, 0, 0.1f, 0, 255};
  auto run = [&](const Q8GlobalAveragePoolParams& q, int64_t channels, int64_t plane) {
    return test::error_of([&] { global_average_pool_q8(x.data(), y.data(), channels, plane, q); });
  };
  EXPECT_EQ(run(p, 2, 8), "");
  EXPECT_NE(run(p, 2, 0).find("plane"), std::string::npos);
  EXPECT_NE(run(p, 1, (int64_t{1} << 23) + 1).find("plane"), std::string::npos);
  EXPECT_NE(run(p, -1, 8).find("negative"), std::string::npos);
  Q8GlobalAveragePoolParams bad = p;
  bad.scale = -1.f;
  EXPECT_NE(run(bad, 2, 8).find("scale"), std::string::npos);
  bad = p;
  bad.y_zero_point = 300;
  EXPECT_NE(run(bad, 2, 8).find("zero points"), std::string::npos);
  bad = p;
  bad.qmin = -1;
  EXPECT_NE(run(bad, 2, 8).find("output range"), std::string::npos);
}

// =============================== Max pooling ===============================

struct MaxPoolCase {
  Q8PoolParams params;
  int64_t pad_bottom, pad_right;
};

// Output sizes as ONNX computes them, floor or ceil_mode.
int64_t pooled_size(int64_t in, int64_t kernel, int64_t stride, int64_t pads, bool ceil_mode) {
  int64_t span = in + pads - kernel;
  return (ceil_mode ? (span + stride - 1) / stride : span / stride) + 1;
}

MaxPoolCase max_pool_case(int64_t channels, int64_t h, int64_t w, int64_t kh, int64_t kw, int64_t sh, int64_t sw,
                          const std::vector<int64_t>& pads, bool ceil_mode) {
  MaxPoolCase c;
  Q8PoolParams& p = c.params;
  p.channels = channels;
  p.in_h = h;
  p.in_w = w;
  p.kernel_h = kh;
  p.kernel_w = kw;
  p.stride_h = sh;
  p.stride_w = sw;
  p.pad_top = pads[0];
  p.pad_left = pads[1];
  c.pad_bottom = pads[2];
  c.pad_right = pads[3];
  p.out_h = h + pads[0] + pads[2] >= kh ? pooled_size(h, kh, sh, pads[0] + pads[2], ceil_mode) : 0;
  p.out_w = w + pads[1] + pads[3] >= kw ? pooled_size(w, kw, sw, pads[1] + pads[3], ceil_mode) : 0;
  return c;
}

bool valid(const MaxPoolCase& c) { return c.params.out_h > 0 && c.params.out_w > 0; }

std::string describe(const MaxPoolCase& c) {
  const Q8PoolParams& p = c.params;
  return std::to_string(p.channels) + "ch " + std::to_string(p.in_h) + "x" + std::to_string(p.in_w) + " kernel " +
         std::to_string(p.kernel_h) + "x" + std::to_string(p.kernel_w) + " stride " + std::to_string(p.stride_h) + "x" +
         std::to_string(p.stride_w) + " pads " + std::to_string(p.pad_top) + "," + std::to_string(p.pad_left) + "," +
         std::to_string(c.pad_bottom) + "," + std::to_string(c.pad_right) + " output " + std::to_string(p.out_h) + "x" +
         std::to_string(p.out_w);
}

// The contract: the maximum over the taps inside the input, 0 for a window without any.
std::vector<uint8_t> reference_max_pool(const std::vector<uint8_t>& x, const Q8PoolParams& p) {
  std::vector<uint8_t> y(static_cast<size_t>(p.channels * p.out_h * p.out_w));
  for (int64_t c = 0; c < p.channels; ++c)
    for (int64_t oy = 0; oy < p.out_h; ++oy)
      for (int64_t ox = 0; ox < p.out_w; ++ox) {
        int m = 0;
        for (int64_t ky = 0; ky < p.kernel_h; ++ky)
          for (int64_t kx = 0; kx < p.kernel_w; ++kx) {
            int64_t iy = oy * p.stride_h - p.pad_top + ky, ix = ox * p.stride_w - p.pad_left + kx;
            if (iy >= 0 && iy < p.in_h && ix >= 0 && ix < p.in_w)
              m = std::max<int>(m, x[(c * p.in_h + iy) * p.in_w + ix]);
          }
        y[(c * p.out_h + oy) * p.out_w + ox] = static_cast<uint8_t>(m);
      }
  return y;
}

std::vector<uint8_t> run_max_pool(const std::vector<uint8_t>& x, const Q8PoolParams& p, int64_t c_begin, int64_t c_end,
                                  uint8_t fill = 0xab) {
  std::vector<uint8_t> y(static_cast<size_t>(p.channels * p.out_h * p.out_w), fill);
  max_pool_u8(p, x.data(), y.data(), c_begin, c_end);
  return y;
}

void expect_max_pool_paths_match_reference(const std::vector<MaxPoolCase>& cases, uint32_t seed) {
  std::mt19937 rng(seed);
  for (const MaxPoolCase& c : cases) {
    const Q8PoolParams& p = c.params;
    std::vector<uint8_t> x = random_bytes(static_cast<size_t>(p.channels * p.in_h * p.in_w), rng);
    std::vector<uint8_t> want = reference_max_pool(x, p);
    for (Path path : kernel_paths()) {
      UsePath use(path);
      std::vector<uint8_t> got = run_max_pool(x, p, 0, p.channels);
      ASSERT_EQ(first_difference(got, want), -1)
          << max_pool_u8_kernel_name() << ", " << describe(c) << ": " << difference(got, want);
    }
  }
}

const std::vector<std::vector<int64_t>> kPoolPadSets = {{0, 0, 0, 0}, {1, 1, 1, 1}, {0, 1, 2, 0}, {2, 0, 1, 2}};

// Windows 1 to 4 on a side, strides 1 to 3, paddings up to 2 on any side, floor and ceil_mode.
TEST(Q8MaxPoolKernels, MatchReferenceOverWindowsStridesAndPaddings) {
  std::vector<MaxPoolCase> cases;
  const int64_t sizes[][2] = {{1, 1}, {3, 2}, {7, 9}, {12, 13}};
  for (const auto& size : sizes)
    for (int64_t kh = 1; kh <= 4; ++kh)
      for (int64_t kw = 1; kw <= 4; ++kw)
        for (int64_t stride : {1, 2, 3})
          for (const auto& pads : kPoolPadSets)
            for (bool ceil_mode : {false, true}) {
              MaxPoolCase c = max_pool_case(2, size[0], size[1], kh, kw, stride, 4 - stride, pads, ceil_mode);
              if (valid(c)) cases.push_back(c);
            }
  ASSERT_GT(cases.size(), 800u);
  expect_max_pool_paths_match_reference(cases, 31);
}

// The windows with SIMD kernels, 3x3 and 2x2 of stride 2, at every row width up to 40 and around
// their row buffer's end (rows wider than 4096 columns go to the portable kernel).
TEST(Q8MaxPoolKernels, MatchReferenceForStride2AtEveryRowWidth) {
  std::vector<int64_t> widths;
  for (int64_t w = 1; w <= 40; ++w) widths.push_back(w);
  for (int64_t w : {63, 64, 65, 112, 113, 4093, 4094, 4095, 4096, 4100}) widths.push_back(w);
  std::vector<MaxPoolCase> cases;
  for (int64_t width : widths)
    for (int64_t k : {2, 3})
      for (const auto& pads : kPoolPadSets)
        for (bool ceil_mode : {false, true}) {
          MaxPoolCase c = max_pool_case(2, 5, width, k, k, 2, 2, pads, ceil_mode);
          if (valid(c)) cases.push_back(c);
        }
  expect_max_pool_paths_match_reference(cases, 32);
}

// Stride 1 with rows as wide as the input's (the left and right paddings summing to the window
// less one) takes the flat kernel: every row width up to 40 and some wider, windows up to 13
// (YOLO's SPP), the padding centred or all on one side, heights from 1, and with the input and
// output ending at a page boundary or starting at one, so that a read or write past either end
// faults.
TEST(Q8MaxPoolKernels, MatchReferenceForStride1WithSameWidthRows) {
  std::mt19937 rng(35);
  std::vector<int64_t> widths;
  for (int64_t w = 1; w <= 40; ++w) widths.push_back(w);
  for (int64_t w : {63, 64, 65, 200}) widths.push_back(w);
  int checked = 0;
  // Windows (kernel_h, kernel_w): square, and 1x3, 3x1, 5x3 so that the two are not confused.
  const int64_t windows[][2] = {{2, 2}, {3, 3}, {5, 5}, {13, 13}, {1, 3}, {3, 1}, {5, 3}};
  for (int64_t width : widths)
    for (const auto& window : windows)
      for (int64_t left : {(window[1] - 1) / 2, int64_t{0}, window[1] - 1})
        for (int64_t height : {int64_t{1}, int64_t{4}, int64_t{9}}) {
          const int64_t kh = window[0], kw = window[1];
          const int64_t top = (left + 1) % kh;  // a different split of the rows' padding
          MaxPoolCase c = max_pool_case(2, height, width, kh, kw, 1, 1, {top, left, kh - 1 - top, kw - 1 - left}, false);
          ASSERT_EQ(c.params.out_w, width);
          ASSERT_TRUE(u8_maxpool_stride1_applies(c.params)) << describe(c);
          std::vector<uint8_t> x = random_bytes(static_cast<size_t>(2 * height * width), rng);
          std::vector<uint8_t> want = reference_max_pool(x, c.params), unset(want.size(), 0xcd);
          for (Path path : kernel_paths()) {
            UsePath use(path);
            for (bool guard_after : {false, true}) {
              GuardedBytes gx(x.data(), x.size(), guard_after), gy(unset.data(), unset.size(), guard_after);
              max_pool_u8(c.params, gx.data(), gy.data(), 0, 2);
              ASSERT_EQ(first_difference(gy.values(), want), -1) << max_pool_u8_kernel_name() << ", " << describe(c);
            }
          }
          ++checked;
        }
  EXPECT_GT(checked, 2500);
  // Rows of windows wholly in the padding (pad_top >= kernel_h): 0 there.
  MaxPoolCase c = max_pool_case(1, 3, 20, 2, 3, 1, 1, {3, 1, 0, 1}, false);
  ASSERT_TRUE(u8_maxpool_stride1_applies(c.params));
  std::vector<uint8_t> x(static_cast<size_t>(3 * 20), 200);
  std::vector<uint8_t> want = reference_max_pool(x, c.params);
  ASSERT_EQ(want.front(), 0);
  EXPECT_EQ(first_difference(run_max_pool(x, c.params, 0, 1), want), -1) << describe(c);
}

// The stride-1 kernel takes many small planes as one flat array (blocks of about 8 KiB): planes
// from 1x1 to 30x30, channel ranges that start and end inside a block, a window's rows partly
// or wholly past the plane's height, each against the reference on its channels only (the
// others keep their fill), with the input and output against inaccessible pages.
TEST(Q8MaxPoolKernels, Stride1BlocksOfPlanesMatchReference) {
  std::mt19937 rng(36);
  const int64_t sizes[][2] = {{1, 1}, {3, 5}, {7, 7}, {14, 14}, {30, 30}, {2, 91}};
  const int64_t windows[][2] = {{3, 3}, {5, 5}, {1, 3}, {3, 1}};
  const int64_t channels = 40;
  int checked = 0;
  for (const auto& size : sizes)
    for (const auto& window : windows)
      for (int64_t top : {int64_t{0}, (window[0] - 1) / 2, window[0] - 1}) {
        const int64_t kh = window[0], kw = window[1], left = (kw - 1) / 2;
        MaxPoolCase c = max_pool_case(channels, size[0], size[1], kh, kw, 1, 1, {top, left, kh - 1 - top, kw - 1 - left},
                                      false);
        ASSERT_TRUE(u8_maxpool_stride1_applies(c.params)) << describe(c);
        const int64_t plane = size[0] * size[1];
        std::vector<uint8_t> x = random_bytes(static_cast<size_t>(channels * plane), rng);
        const std::vector<uint8_t> want = reference_max_pool(x, c.params);
        for (auto [c0, c1] : {std::pair<int64_t, int64_t>{0, channels}, {3, 29}, {39, 40}, {0, 1}, {5, 5}})
          for (Path path : kernel_paths()) {
            UsePath use(path);
            const std::vector<uint8_t> unset(want.size(), 0xcd);
            for (bool guard_after : {false, true}) {
              GuardedBytes gx(x.data(), x.size(), guard_after), gy(unset.data(), unset.size(), guard_after);
              max_pool_u8(c.params, gx.data(), gy.data(), c0, c1);
              std::vector<uint8_t> expected = unset;
              std::copy(want.begin() + c0 * plane, want.begin() + c1 * plane, expected.begin() + c0 * plane);
              ASSERT_EQ(first_difference(gy.values(), expected), -1)
                  << max_pool_u8_kernel_name() << ", " << describe(c) << ", channels [" << c0 << ", " << c1 << ")";
            }
          }
        ++checked;
      }
  EXPECT_EQ(checked, 72);
  // A caller's out_h equal to in_h with the window's rows all above (pad_top past the kernel):
  // rows up to 70 above, farther than the rooms' clamp of 64.
  MaxPoolCase far = max_pool_case(3, 100, 5, 3, 3, 1, 1, {1, 1, 1, 1}, false);
  far.params.pad_top = 70;
  ASSERT_EQ(far.params.out_h, far.params.in_h);
  ASSERT_TRUE(u8_maxpool_stride1_applies(far.params));
  std::vector<uint8_t> x = random_bytes(static_cast<size_t>(3 * 100 * 5), rng);
  for (Path path : kernel_paths()) {
    UsePath use(path);
    EXPECT_EQ(first_difference(run_max_pool(x, far.params, 0, 3), reference_max_pool(x, far.params)), -1)
        << max_pool_u8_kernel_name() << ", pad_top 70";
  }
}

// Paddings as wide as the window or wider: whole rows and columns of windows see only padding.
TEST(Q8MaxPoolKernels, WindowsOfPaddingAloneGiveZero) {
  std::vector<MaxPoolCase> cases;
  for (int64_t k : {2, 3})
    for (int64_t stride : {1, 2}) cases.push_back(max_pool_case(1, 4, 20, k, k, stride, stride, {3, 4, 3, 5}, false));
  for (const MaxPoolCase& c : cases) {
    std::vector<uint8_t> x(static_cast<size_t>(c.params.in_h * c.params.in_w), 200);
    std::vector<uint8_t> want = reference_max_pool(x, c.params);
    ASSERT_EQ(want.front(), 0);
    for (Path path : kernel_paths()) {
      UsePath use(path);
      std::vector<uint8_t> got = run_max_pool(x, c.params, 0, 1);
      EXPECT_EQ(first_difference(got, want), -1) << max_pool_u8_kernel_name() << ", " << describe(c);
    }
  }
}

// Rows 37 wide, and 14 and 9 (outputs narrower than 16, which the AVX2 kernel writes in whole
// vectors where the range's outputs go on past them).
TEST(Q8MaxPoolKernels, ChannelSplitsAreBitwiseIdentical) {
  std::mt19937 rng(33);
  for (Path path : kernel_paths()) {
    UsePath use(path);
    for (int64_t width : {37, 14, 9})
    for (int64_t k : {2, 3}) {
      MaxPoolCase c = max_pool_case(7, 11, width, k, k, 2, 2, {1, 1, 1, 1}, true);
      std::vector<uint8_t> x = random_bytes(static_cast<size_t>(7 * 11 * width), rng);
      std::vector<uint8_t> whole = run_max_pool(x, c.params, 0, 7);
      std::vector<uint8_t> split(whole.size(), 0xab);
      for (auto [begin, end] : {std::pair<int64_t, int64_t>{0, 2}, {2, 3}, {3, 7}})
        max_pool_u8(c.params, x.data(), split.data(), begin, end);
      EXPECT_EQ(first_difference(split, whole), -1) << max_pool_u8_kernel_name() << ", " << describe(c);
      std::vector<uint8_t> part = run_max_pool(x, c.params, 2, 5, 0xcd);
      int64_t plane = c.params.out_h * c.params.out_w;
      for (int64_t i = 0; i < static_cast<int64_t>(part.size()); ++i) {
        bool inside = i >= 2 * plane && i < 5 * plane;
        ASSERT_EQ(part[i], inside ? whole[i] : 0xcd) << max_pool_u8_kernel_name() << ", element " << i;
      }
    }
  }
}

TEST(Q8MaxPoolKernels, TouchNothingOutsideTheirTensors) {
  std::mt19937 rng(34);
  for (Path path : kernel_paths()) {
    UsePath use(path);
    for (int64_t width : {1, 5, 16, 31, 32, 33, 34, 35, 65})
      for (int64_t k : {2, 3})
        for (const auto& pads : kPoolPadSets)
          for (bool ceil_mode : {false, true}) {
            MaxPoolCase c = max_pool_case(2, 5, width, k, k, 2, 2, pads, ceil_mode);
            if (!valid(c)) continue;
            std::vector<uint8_t> x = random_bytes(static_cast<size_t>(2 * 5 * width), rng);
            std::vector<uint8_t> want = reference_max_pool(x, c.params), unset(want.size(), 0);
            for (bool guard_after : {false, true}) {
              GuardedBytes gx(x.data(), x.size(), guard_after), gy(unset.data(), unset.size(), guard_after);
              max_pool_u8(c.params, gx.data(), gy.data(), 0, 2);
              ASSERT_EQ(first_difference(gy.values(), want), -1) << max_pool_u8_kernel_name() << ", " << describe(c);
            }
          }
  }
}

TEST(Q8MaxPoolKernels, RejectBadParameters) {
  MaxPoolCase c = max_pool_case(2, 6, 6, 3, 3, 2, 2, {1, 1, 1, 1}, false);
  std::vector<uint8_t> x(72), y(72);
  auto run = [&](const Q8PoolParams& q, int64_t begin, int64_t end) {
    return test::error_of([&] { max_pool_u8(q, x.data(), y.data(), begin, end); });
  };
  EXPECT_EQ(run(c.params, 0, 2), "");
  EXPECT_NE(run(c.params, 1, 3).find("channel range"), std::string::npos);
  Q8PoolParams bad = c.params;
  bad.stride_w = 0;
  EXPECT_NE(run(bad, 0, 2).find("stride"), std::string::npos);
  bad = c.params;
  bad.in_h = 0;
  EXPECT_NE(run(bad, 0, 2).find("bad sizes"), std::string::npos);
  bad = c.params;
  bad.pad_left = -1;
  EXPECT_NE(run(bad, 0, 2).find("padding"), std::string::npos);
}

// =============================== Dispatch ===============================

TEST(Q8KernelDispatch, NamesTheKernelThatRuns) {
  {
    UsePath use(Path::kGeneric);
    EXPECT_STREQ(depthwise_q8_kernel_name(), "q8_dwconv_generic");
    EXPECT_STREQ(add_q8_kernel_name(), "q8_add_generic");
    EXPECT_STREQ(global_average_pool_q8_kernel_name(), "q8_avgpool_generic");
    EXPECT_STREQ(max_pool_u8_kernel_name(), "u8_maxpool_generic");
  }
  if (cpu_has_avx512_vnni()) {
    EXPECT_STREQ(depthwise_q8_kernel_name(), "q8_dwconv_avx512_vnni");
  }
  if (cpu_has_avx512()) {
    EXPECT_STREQ(add_q8_kernel_name(), "q8_add_avx512");
  }
  if (cpu_has_avx2_fma()) {
    UsePath use(Path::kBaseline);
    EXPECT_STREQ(depthwise_q8_kernel_name(), "q8_dwconv_avx2");
    EXPECT_STREQ(add_q8_kernel_name(), "q8_add_avx2");
    EXPECT_STREQ(global_average_pool_q8_kernel_name(), "q8_avgpool_avx2");
    EXPECT_STREQ(max_pool_u8_kernel_name(), "u8_maxpool_avx2");
  }
  if (cpu_has_neon()) {
    EXPECT_STREQ(depthwise_q8_kernel_name(), "q8_dwconv_neon");
    EXPECT_STREQ(add_q8_kernel_name(), "q8_add_neon");
    EXPECT_STREQ(global_average_pool_q8_kernel_name(), "q8_avgpool_neon");
    EXPECT_STREQ(max_pool_u8_kernel_name(), "u8_maxpool_neon");
  }
}

}  // namespace
}  // namespace kite
