// kernels/winograd.h's transforms: this CPU's (AVX-512: gathers in, transposed masked stores out;
// fma3; NEON) against the portable ones, bit for bit (every ISA computes the same expressions
// without fused multiply-adds), on maps whose blocks of 16 tiles end mid-row, cross rows of tiles,
// clip at the right and bottom edges (tiles 1 to 3 wide or high) and run past the last tile, with
// padding on either side, bias, residual and clamp, NaN and infinities in the input and the
// products. The inputs and outputs sit against inaccessible pages (the output's and residual's
// first and last planes among those written), and the whole output buffer is compared, so a value
// written outside the map, or read past a tensor, fails the test. Maps of fewer than 4 tiles across
// take the fma3 transforms inside the AVX-512 entry; on an AVX-512 CPU the fma3 transforms are
// also checked on every shape with AVX-512 hidden.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "guarded_buffer.h"
#include "kernels/cpu_features.h"
#include "kernels/winograd.h"

namespace kite {
namespace {

std::vector<float> normal_values(size_t n, unsigned seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> d(0.f, 1.f);
  std::vector<float> v(n);
  for (float& x : v) x = d(rng);
  return v;
}

struct Shape {
  int64_t in_h, in_w, pad_top, pad_left, out_h, out_w;
};

WinogradParams params(const Shape& s, int64_t channels) {
  Im2colParams q;
  q.channels = channels;
  q.in_h = s.in_h;
  q.in_w = s.in_w;
  q.out_h = s.out_h;
  q.out_w = s.out_w;
  q.kernel_h = q.kernel_w = 3;
  q.stride_h = q.stride_w = 1;
  q.dilation_h = q.dilation_w = 1;
  q.pad_top = s.pad_top;
  q.pad_left = s.pad_left;
  return WinogradParams(q);
}

// The same bits, except that any NaN matches any NaN: which NaN an addition of two returns is the
// order the compiler put the operands in.
bool same_values(const std::vector<float>& a, const std::vector<float>& b, std::string& first_difference) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (std::memcmp(&a[i], &b[i], sizeof(float)) != 0 && !(std::isnan(a[i]) && std::isnan(b[i]))) {
      first_difference = "at " + std::to_string(i) + ": " + std::to_string(a[i]) + " vs " + std::to_string(b[i]);
      return false;
    }
  return true;
}

// Runs f once as the CPU's transforms and once as the portable ones, and says whether they agree.
template <typename F>
void expect_same_as_portable(F f, const std::string& what) {
  std::vector<float> fast = f();
  force_generic_kernels(true);
  std::vector<float> portable = f();
  force_generic_kernels(false);
  std::string difference;
  EXPECT_TRUE(same_values(fast, portable, difference)) << what << " " << difference;
}

const Shape kShapes[] = {
    {15, 39, 1, 1, 15, 39},  // 10 across, 4 down: the last tiles 3 wide and 3 high
    {14, 14, 1, 1, 14, 14},  // 4 tiles across: one block of whole rows
    {13, 13, 1, 1, 13, 13},  // the last tile of each row 1 column wide, the bottom row 1 high
    {56, 56, 1, 1, 56, 56},  // 14 across: groups of 4 tiles that cross rows of tiles
    {28, 28, 1, 1, 28, 28},  // 7 across
    {35, 35, 0, 0, 33, 33},  // no padding, 9 across, edges clipped
    {9, 40, 2, 0, 9, 38},    // 3 rows of tiles, asymmetric padding (2 on top, 0 at the bottom)
    {20, 17, 0, 2, 18, 17},  // 5 across, padding on the left only
    {12, 10, 1, 1, 12, 10},  // 3 across: the fma3 transforms
};

TEST(KernelsWinograd, TransformsMatchThePortableOnesBitForBit) {
  if (std::strcmp(winograd_kernel_name(), "f32_winograd_generic") == 0)
    GTEST_SKIP() << "this CPU runs the portable transforms: nothing to compare them with";
  if (cpu_has_avx512()) {
    ASSERT_STREQ(winograd_kernel_name(), "f32_winograd_avx512");
  }
  constexpr float kInf = std::numeric_limits<float>::infinity(), kNaN = std::numeric_limits<float>::quiet_NaN();
  const int64_t channels = 3, oc = 7;
  // This CPU's transforms; where they are the AVX-512 ones, the fma3 ones too (AVX-512 hidden).
  auto check_every_shape = [&] {
    for (const Shape& s : kShapes) {
      const WinogradParams p = params(s, channels);
      const int64_t tiles = (p.out_h + 3) / 4 * ((p.out_w + 3) / 4), plane = p.out_h * p.out_w;
      std::vector<float> x = normal_values(static_cast<size_t>(channels * p.in_h * p.in_w), 1);
      x[static_cast<size_t>(p.in_w + 1)] = kNaN;  // in the first tiles' patches
      x[static_cast<size_t>(2 * p.in_w + 6)] = kInf;
      std::vector<float> m = normal_values(static_cast<size_t>(kWinogradPoints * oc * kWinogradLanes), 2);
      // Products read for every channel range below (m from channel 0 on): a NaN in lane 5 of
      // channel 2's point 0, and +inf and -inf in lane 9 of channel 3's points 1 and 2, which the
      // output transform adds (s12 = m1 + m2): another NaN.
      const size_t point = static_cast<size_t>(oc * kWinogradLanes), lanes = kWinogradLanes;
      m[2 * lanes + 5] = kNaN;
      m[point + 3 * lanes + 9] = kInf;
      m[2 * point + 3 * lanes + 9] = -kInf;
      const std::vector<float> residual = normal_values(static_cast<size_t>(oc * plane), 3);
      const std::vector<float> bias = normal_values(static_cast<size_t>(oc), 4);
      for (int64_t t0 = 0; t0 < tiles; t0 += kWinogradLanes)
        for (bool guard_after : {true, false}) {
          const std::string what = std::to_string(s.in_h) + "x" + std::to_string(s.in_w) + " -> " +
                                   std::to_string(s.out_h) + "x" + std::to_string(s.out_w) + " tiles from " +
                                   std::to_string(t0) + (guard_after ? " (guard after)" : " (guard before)");
          expect_same_as_portable([&] {
            test::Guarded<float> in(x.data(), x.size(), guard_after);
            std::vector<float> sentinel(static_cast<size_t>(kWinogradPoints * channels * kWinogradLanes), 7.f);
            test::Guarded<float> v(sentinel.data(), sentinel.size(), !guard_after);
            winograd_input_f32(p, in.data(), t0, v.data());
            return v.values();
          }, "input " + what);
          // Output channels [oc0, oc0 + rows): some in the middle, and all (the first and last planes
          // against the guard pages).
          for (auto [oc0, rows] : {std::pair<int64_t, int64_t>{2, 4}, {0, oc}})
            for (int epilogue = 0; epilogue < 2; ++epilogue)
              expect_same_as_portable([&, oc0 = oc0, rows = rows] {
                std::vector<float> sentinel(static_cast<size_t>(oc * plane), 9.f);
                test::Guarded<float> y(sentinel.data(), sentinel.size(), guard_after);
                test::Guarded<float> r(residual.data(), residual.size(), !guard_after);
                const float* m_rows = m.data() + oc0 * kWinogradLanes;
                if (epilogue == 0)
                  winograd_output_f32(p, m_rows, oc * kWinogradLanes, rows, oc0, t0, nullptr, nullptr, -kInf, kInf,
                                      y.data());
                else
                  winograd_output_f32(p, m_rows, oc * kWinogradLanes, rows, oc0, t0, bias.data(), r.data(), -0.5f, 2.f,
                                      y.data());
                return y.values();
              }, "output " + what + " channels " + std::to_string(oc0) + ".." + std::to_string(oc0 + rows) +
                     (epilogue ? " with bias, residual, clamp" : ""));
        }
    }
  };
  check_every_shape();
  if (cpu_has_avx512()) {
    hide_avx512(true);
    EXPECT_STREQ(winograd_kernel_name(), "f32_winograd_fma3");
    check_every_shape();
    hide_avx512(false);
  }
}

}  // namespace
}  // namespace kite
