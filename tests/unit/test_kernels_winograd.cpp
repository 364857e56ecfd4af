// kernels/winograd.h's transforms: the AVX-512 ones (gathers in, transposed masked stores out)
// against the portable ones, bit for bit (they compute the same expressions without fused
// multiply-adds), on maps whose blocks of 16 tiles end mid-row, cross rows of tiles, clip at the
// right and bottom edges and run past the last tile, with padding on either side, bias, residual
// and clamp (NaN and infinities among the products). The inputs and outputs sit against
// inaccessible pages, and the whole output buffer is compared, so a value written outside the
// map, or read past a tensor, fails the test. Maps of fewer than 4 tiles across take the fma3
// transforms inside the AVX-512 entry: those are checked against the fma3 transforms themselves.
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

bool same_bits(const std::vector<float>& a, const std::vector<float>& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0;
}

// Runs f once as the CPU's transforms and once as the reference ones (portable, or fma3 where
// the AVX-512 entry hands the map to them), and says whether the results' bits agree.
template <typename F>
void expect_same_as_reference(const WinogradParams& p, F f, const std::string& what) {
  const bool fallback = (p.out_w + 3) / 4 < 4;
  std::vector<float> fast = f();
  if (fallback) hide_avx512(true);
  else force_generic_kernels(true);
  std::vector<float> reference = f();
  hide_avx512(false);
  force_generic_kernels(false);
  EXPECT_TRUE(same_bits(fast, reference)) << what << (fallback ? " (fma3 inside)" : "");
}

const Shape kShapes[] = {
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
  if (!cpu_has_avx512()) GTEST_SKIP() << "no AVX-512 on this CPU: its transforms are the only SIMD ones checked here";
  ASSERT_STREQ(winograd_kernel_name(), "f32_winograd_avx512");
  const int64_t channels = 3, oc = 7, oc0 = 2, rows = 4;
  for (const Shape& s : kShapes) {
    const WinogradParams p = params(s, channels);
    const int64_t tiles = (p.out_h + 3) / 4 * ((p.out_w + 3) / 4), plane = p.out_h * p.out_w;
    const std::vector<float> x = normal_values(static_cast<size_t>(channels * p.in_h * p.in_w), 1);
    std::vector<float> m = normal_values(static_cast<size_t>(kWinogradPoints * oc * kWinogradLanes), 2);
    m[5] = std::numeric_limits<float>::quiet_NaN();
    m[static_cast<size_t>(oc * kWinogradLanes) + 40] = std::numeric_limits<float>::infinity();
    m[static_cast<size_t>(7 * oc * kWinogradLanes) + 41] = -std::numeric_limits<float>::infinity();
    const std::vector<float> residual = normal_values(static_cast<size_t>(oc * plane), 3);
    std::vector<float> bias = normal_values(static_cast<size_t>(oc), 4);
    bias[static_cast<size_t>(oc0)] = -0.f;
    for (int64_t t0 = 0; t0 < tiles; t0 += kWinogradLanes)
      for (bool guard_after : {true, false}) {
        const std::string what = std::to_string(s.in_h) + "x" + std::to_string(s.in_w) + " -> " +
                                 std::to_string(s.out_h) + "x" + std::to_string(s.out_w) + " tiles from " +
                                 std::to_string(t0) + (guard_after ? " (guard after)" : " (guard before)");
        expect_same_as_reference(p, [&] {
          test::Guarded<float> in(x.data(), x.size(), guard_after);
          std::vector<float> sentinel(static_cast<size_t>(kWinogradPoints * channels * kWinogradLanes), 7.f);
          test::Guarded<float> v(sentinel.data(), sentinel.size(), !guard_after);
          winograd_input_f32(p, in.data(), t0, v.data());
          return v.values();
        }, "input " + what);
        for (int epilogue = 0; epilogue < 2; ++epilogue)
          expect_same_as_reference(p, [&] {
            std::vector<float> sentinel(static_cast<size_t>(oc * plane), 9.f);
            test::Guarded<float> y(sentinel.data(), sentinel.size(), guard_after);
            test::Guarded<float> r(residual.data(), residual.size(), !guard_after);
            const float* m_rows = m.data() + oc0 * kWinogradLanes;
            if (epilogue == 0)
              winograd_output_f32(p, m_rows, oc * kWinogradLanes, rows, oc0, t0, nullptr, nullptr,
                                  -std::numeric_limits<float>::infinity(), std::numeric_limits<float>::infinity(),
                                  y.data());
            else
              winograd_output_f32(p, m_rows, oc * kWinogradLanes, rows, oc0, t0, bias.data(), r.data(), -0.5f, 2.f,
                                  y.data());
            return y.values();
          }, "output " + what + (epilogue ? " with bias, residual, clamp" : ""));
      }
  }
}

}  // namespace
}  // namespace kite
