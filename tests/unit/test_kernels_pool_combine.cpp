// The pooling combine loops (src/kernels/pool_combine.h), pool_combine_f32, pool_window_f32,
// pool_plane_f32 and pool_taps_f32:
// the SIMD implementation of this CPU (AVX2, NEON) and the portable one, each against the
// definition written here, bit for bit, over every length up to a few vectors, strides 1, 2 and
// 3, and NaN (but for kMaxNoNan), infinities and signed zeros in both operands. src holds exactly the elements the
// loop needs, so that a sanitizer build catches a read past them; dst has guards after its n
// elements.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "kernels/cpu_features.h"
#include "guarded_buffer.h"
#include "kernels/pool_combine.h"

namespace kite {
namespace {

float reference(PoolCombine op, float best, float v) {
  if (op == PoolCombine::kSum) return best + v;
  return v > best || std::isnan(best) ? v : best;
}

uint32_t bits(float f) {
  uint32_t u;
  std::memcpy(&u, &f, sizeof u);
  return u;
}

// The same result: the same bits, except that a sum that is NaN need only be a NaN. IEEE 754
// leaves the sign and payload of NaN + NaN open, and x86's ADDSS / ADDPS return the first
// operand's, which for a commutative `a + b` is the compiler's choice (a sum of inf and -inf, a
// negative default NaN, meeting a positive NaN gave either sign between GCC and clang builds).
// The maxima select, so their NaNs are compared bit for bit.
bool same(PoolCombine op, float got, float want) {
  if (op == PoolCombine::kSum && std::isnan(want)) return std::isnan(got);
  return bits(got) == bits(want);
}

// Random values and specials; NaNs among them unless the op is kMaxNoNan (whose inputs have none).
std::vector<float> values(size_t count, uint32_t seed, PoolCombine op) {
  const float specials[] = {std::numeric_limits<float>::infinity(), -std::numeric_limits<float>::infinity(), 0.0f,
                            -0.0f, 1.0f, -1.0f, std::numeric_limits<float>::quiet_NaN()};
  const uint32_t kinds = op == PoolCombine::kMaxNoNan ? 6 : 7;
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> u(-2.0f, 2.0f);
  std::vector<float> v(count);
  for (float& x : v) x = rng() % 4 == 0 ? specials[rng() % kinds] : u(rng);
  return v;
}

constexpr PoolCombine kEveryOp[] = {PoolCombine::kMax, PoolCombine::kSum, PoolCombine::kMaxNoNan};

void expect_definition(bool generic) {
  force_generic_kernels(generic);
  SCOPED_TRACE(pool_combine_kernel_name());
  constexpr float kGuard = 12345.0f;
  for (PoolCombine op : kEveryOp)
    for (int64_t stride : {1, 2, 3})
      for (int64_t n = 0; n <= 40; ++n) {
        const uint32_t seed = static_cast<uint32_t>(n * 10 + stride + static_cast<int>(op) * 1000);
        std::vector<float> src = values(n == 0 ? 0 : static_cast<size_t>((n - 1) * stride + 1), seed, op);
        std::vector<float> dst = values(static_cast<size_t>(n), seed + 1, op);
        std::vector<float> want = dst;
        for (int64_t i = 0; i < n; ++i) want[i] = reference(op, dst[i], src[i * stride]);
        dst.resize(static_cast<size_t>(n) + 8, kGuard);
        pool_combine_f32(op, dst.data(), src.data(), stride, n);
        for (int64_t i = 0; i < n; ++i)
          ASSERT_TRUE(same(op, dst[i], want[i])) << "n=" << n << " stride=" << stride << " i=" << i << ": " << dst[i]
                                                 << " vs " << want[i];
        for (int64_t i = n; i < n + 8; ++i) ASSERT_EQ(dst[i], kGuard) << "wrote past n=" << n;
      }
  force_generic_kernels(false);
}

// pool_window_max_checked_f32 on src: kMax's results, and a NaN reported where an element read
// is one; on a copy of src without NaNs, none reported.
void expect_checked_window(const std::vector<float>& src, const std::vector<float>& want, int64_t stride,
                           int64_t taps, int64_t tap_step, int64_t n, const std::string& where) {
  bool nan_read = false;
  for (int64_t i = 0; i < n; ++i)
    for (int64_t t = 0; t < taps; ++t) nan_read = nan_read || std::isnan(src[i * stride + t * tap_step]);
  std::vector<float> dst(static_cast<size_t>(n));
  test::Guarded<float> guarded_src(src.data(), src.size(), true);
  const bool reported = pool_window_max_checked_f32(dst.data(), guarded_src.data(), stride, taps, tap_step, n);
  if (nan_read) {
    ASSERT_TRUE(reported) << where << ": a NaN read went unreported";
  }
  for (int64_t i = 0; i < n; ++i)
    ASSERT_TRUE(same(PoolCombine::kMax, dst[i], want[i])) << where << " (checked) i=" << i << ": " << dst[i] << " vs " << want[i];
  std::vector<float> clean = src;
  for (float& v : clean) v = std::isnan(v) ? 0.5f : v;
  test::Guarded<float> guarded_clean(clean.data(), clean.size(), false);
  ASSERT_FALSE(pool_window_max_checked_f32(dst.data(), guarded_clean.data(), stride, taps, tap_step, n))
      << where << ": a NaN reported in a line without one";
}

// pool_window_f32: a whole window line per call, against the copy-then-combine definition tap by
// tap, over every length to 50 (the vector loops, their overlapping or masked last step, lines too
// short for either), 1 to 4 taps read along the line (tap_step 1) or down a column of rows
// (tap_step 43); and pool_window_max_checked_f32 with the maximum. src holds exactly the elements
// the windows reach, so a sanitizer build catches a read before or past them, and a copy placed
// against inaccessible pages crashes the test if one is read.
void expect_window_definition(bool generic) {
  force_generic_kernels(generic);
  SCOPED_TRACE(pool_window_kernel_name());
  constexpr float kGuard = 12345.0f;
  for (PoolCombine op : kEveryOp)
    for (int64_t stride : {1, 2, 3})
      for (int64_t taps : {1, 2, 3, 4})
        for (int64_t tap_step : {1, 43})
          for (int64_t n = 1; n <= 50; ++n) {
            const uint32_t seed = static_cast<uint32_t>(n * 1000 + stride * 100 + taps * 10 + tap_step);
            std::vector<float> src =
                values(static_cast<size_t>((n - 1) * stride + (taps - 1) * tap_step + 1), seed, op);
            std::vector<float> want(static_cast<size_t>(n));
            for (int64_t i = 0; i < n; ++i) {
              want[i] = src[i * stride];
              for (int64_t t = 1; t < taps; ++t) want[i] = reference(op, want[i], src[i * stride + t * tap_step]);
            }
            std::vector<float> dst(static_cast<size_t>(n) + 8, kGuard);
            pool_window_f32(op, dst.data(), src.data(), stride, taps, tap_step, n);
            const std::string where = "n=" + std::to_string(n) + " stride=" + std::to_string(stride) +
                                      " taps=" + std::to_string(taps) + " tap_step=" + std::to_string(tap_step);
            for (int64_t i = 0; i < n; ++i)
              ASSERT_TRUE(same(op, dst[i], want[i])) << where << " i=" << i << ": " << dst[i] << " vs " << want[i];
            for (int64_t i = n; i < n + 8; ++i) ASSERT_EQ(dst[i], kGuard) << "wrote past " << where;
            // Again with src and dst against inaccessible pages on either side: masked and
            // shifted loads that reached one float too far would crash here.
            for (bool guard_after : {false, true}) {
              test::Guarded<float> guarded_src(src.data(), src.size(), guard_after);
              test::Guarded<float> guarded_dst(dst.data(), static_cast<size_t>(n), guard_after);
              pool_window_f32(op, guarded_dst.data(), guarded_src.data(), stride, taps, tap_step, n);
              for (int64_t i = 0; i < n; ++i)
                ASSERT_TRUE(same(op, guarded_dst.data()[i], want[i])) << where << " (guarded) i=" << i;
            }
            if (op == PoolCombine::kMax) expect_checked_window(src, want, stride, taps, tap_step, n, where);
          }
  force_generic_kernels(false);
}

TEST(PoolCombine, SimdWindowLinesMatchTheDefinition) {
  const std::string name = pool_combine_kernel_name();
  if (name == "f32_pool_combine_generic") GTEST_SKIP() << "no SIMD pooling kernel for this CPU";
  expect_window_definition(false);
}

// The AVX2 lines where the CPU also has the AVX-512 ones.
TEST(PoolCombine, Avx2WindowLinesMatchTheDefinition) {
  if (!cpu_has_avx512() || !cpu_has_avx2_fma()) GTEST_SKIP() << "the AVX2 lines ran above, or there are none";
  hide_avx512(true);
  EXPECT_STREQ(pool_window_kernel_name(), "f32_pool_combine_avx2");
  expect_window_definition(false);
  hide_avx512(false);
}

TEST(PoolCombine, PortableWindowLinesMatchTheDefinition) { expect_window_definition(true); }

// pool_plane_f32: whole planes of windows, against the definition (the first tap, then the others
// row by row), bit for bit: strides 1 to 3, windows 1x1 to 3x3 and 2x3, output rows of 1 to 19
// (masked short lines, one vector and an overlapping last one, several) and 1 to 3 rows. x holds
// exactly the rows the windows reach and is placed against inaccessible pages on either side.
TEST(PoolCombine, PlaneMatchesTheDefinition) {
  // This CPU's kernel, the AVX2 one where that is AVX-512's, and the portable one.
  for (int kernel : {0, 1, 2}) {
    if (kernel == 1 && !(cpu_has_avx512() && cpu_has_avx2_fma())) continue;
    const bool generic = kernel == 2;
    hide_avx512(kernel == 1);
    force_generic_kernels(generic);
    for (PoolCombine op : kEveryOp)
      for (int64_t stride : {1, 2, 3})
        for (auto [kh, kw] : {std::pair<int64_t, int64_t>{1, 1}, {2, 2}, {3, 3}, {2, 3}, {3, 1}})
          for (int64_t out_w = 1; out_w <= 19; ++out_w)
            for (int64_t out_h = 1; out_h <= 3; ++out_h) {
              const int64_t width = (out_w - 1) * stride + kw + static_cast<int64_t>(out_w % 2);  // a spare column or none
              const int64_t rows = (out_h - 1) * stride + kh;
              const PoolPlaneWindow g{out_h, out_w, kh, kw, stride, stride, width};
              const uint32_t seed = static_cast<uint32_t>(out_w * 1000 + out_h * 100 + stride * 10 + kh * 3 + kw);
              std::vector<float> x = values(static_cast<size_t>(rows * width), seed, op);
              std::vector<float> want(static_cast<size_t>(out_h * out_w));
              for (int64_t oh = 0; oh < out_h; ++oh)
                for (int64_t ow = 0; ow < out_w; ++ow) {
                  const float* window = x.data() + oh * stride * width + ow * stride;
                  float v = window[0];
                  for (int64_t t = 1; t < kh * kw; ++t) v = reference(op, v, window[(t / kw) * width + t % kw]);
                  want[static_cast<size_t>(oh * out_w + ow)] = v;
                }
              for (bool guard_after : {false, true}) {
                test::Guarded<float> guarded_x(x.data(), x.size(), guard_after);
                std::vector<float> y0(want.size(), 12345.f);
                test::Guarded<float> y(y0.data(), y0.size(), guard_after);
                pool_plane_f32(op, g, guarded_x.data(), y.data());
                for (size_t i = 0; i < want.size(); ++i)
                  ASSERT_TRUE(same(op, y.data()[i], want[i]))
                      << pool_window_kernel_name() << (kernel == 1 ? " (AVX2)" : "") << " op " << static_cast<int>(op)
                      << " stride " << stride << " " << kh << "x" << kw << " out " << out_h << "x" << out_w << " i=" << i << ": " << y.data()[i]
                      << " vs " << want[i];
              }
            }
  }
  hide_avx512(false);
  force_generic_kernels(false);
}

// pool_taps_f32 (the flat stride-1 pool's passes), the SIMD and the portable loop, against its
// definition: taps before and after the position from 0 to 3 (the 3x3 and 5x5 loops fixed at
// compile time among them), steps of 1 and of a row, rooms below, at and above each tap's reach,
// signed zeros and infinities, and for the sum NaNs, which count only within reach. Bit for bit
// (a sum that is NaN need only be one, as above).
TEST(PoolCombine, PoolTapsMatchTheDefinition) {
  // This CPU's loop, the AVX2 one where that is AVX-512's, and the portable one.
  for (int kernel : {0, 1, 2}) {
    if (kernel == 1 && !(cpu_has_avx512() && cpu_has_avx2_fma())) continue;
    const bool generic = kernel == 2;
    hide_avx512(kernel == 1);
    force_generic_kernels(generic);
    for (PoolCombine op : {PoolCombine::kMaxNoNan, PoolCombine::kSum})
      for (int64_t step : {1, 7})
        for (int64_t before = 0; before <= 3; ++before)
          for (int64_t after = 0; after <= 3; ++after)
            for (int64_t n : {0, 1, 7, 8, 9, 15, 16, 17, 23, 40, 48}) {
              const uint32_t seed = static_cast<uint32_t>(n * 100 + before * 10 + after + step);
              // src holds the n positions and the taps' reach on each side, no more.
              const int64_t margin_before = before * step, size = margin_before + n + after * step;
              std::vector<float> src = values(static_cast<size_t>(size), seed, op);
              std::vector<uint8_t> room_before(static_cast<size_t>(n)), room_after(static_cast<size_t>(n));
              for (int64_t i = 0; i < n; ++i) {
                room_before[i] = static_cast<uint8_t>((i * 7 + before) % 5);
                room_after[i] = static_cast<uint8_t>((i * 3 + after) % 5);
              }
              const float* center = src.data() + margin_before;
              std::vector<float> want(static_cast<size_t>(n));
              for (int64_t i = 0; i < n; ++i) {
                float v = op == PoolCombine::kSum ? 0.f : -std::numeric_limits<float>::infinity();
                for (int64_t d = -before; d <= after; ++d) {
                  const bool inside = d < 0 ? room_before[i] >= -d : (d == 0 || room_after[i] >= d);
                  if (inside) v = reference(op, v, center[i + d * step]);
                }
                want[i] = v;
              }
              // Against inaccessible pages on either side: a load or store one float too far crashes.
              for (bool guard_after : {false, true}) {
                test::Guarded<float> guarded_src(src.data(), src.size(), guard_after);
                std::vector<float> h0(static_cast<size_t>(n), 12345.f);
                test::Guarded<float> h(h0.data(), h0.size(), guard_after);
                pool_taps_f32(op, h.data(), guarded_src.data() + margin_before, step, room_before.data(),
                              room_after.data(), before, after, n);
                for (int64_t i = 0; i < n; ++i)
                  ASSERT_TRUE(same(op, h.data()[i], want[i]))
                      << (generic ? "generic" : kernel == 1 ? "avx2" : "simd")
                      << (op == PoolCombine::kSum ? " sum" : " max") << " step "
                      << step << " taps " << before << "+" << after << " n=" << n << " i=" << i << ": "
                      << h.data()[i] << " vs " << want[i];
              }
            }
  }
  hide_avx512(false);
  force_generic_kernels(false);
}

// A NaN anywhere (each position of the vector loop, its unrolled steps and the tail), of either
// sign or payload, is found; infinities are not NaNs.
TEST(PoolCombine, HasNanFindsEveryNan) {
  for (bool generic : {false, true}) {
    force_generic_kernels(generic);
    for (int64_t n : {0, 1, 7, 8, 9, 31, 32, 33, 100}) {
      std::vector<float> x(static_cast<size_t>(n), 1.5f);
      if (n > 0) x[0] = std::numeric_limits<float>::infinity(), x[n - 1] = -std::numeric_limits<float>::infinity();
      EXPECT_FALSE(f32_has_nan(x.data(), n)) << "n=" << n;
      for (int64_t i = 0; i < n; ++i) {
        std::vector<float> y = x;
        uint32_t nan_bits = i % 2 ? 0xffc00001u : 0x7f800001u;  // negative quiet, positive signalling
        std::memcpy(&y[i], &nan_bits, sizeof nan_bits);
        ASSERT_TRUE(f32_has_nan(y.data(), n)) << "n=" << n << " i=" << i << (generic ? " generic" : "");
      }
    }
  }
  force_generic_kernels(false);
}

TEST(PoolCombine, SimdMatchesTheDefinition) {
  const std::string name = pool_combine_kernel_name();
  if (name == "f32_pool_combine_generic") GTEST_SKIP() << "no SIMD pooling kernel for this CPU";
  expect_definition(false);
}

TEST(PoolCombine, PortableMatchesTheDefinition) {
  expect_definition(true);
  force_generic_kernels(true);
  EXPECT_STREQ(pool_combine_kernel_name(), "f32_pool_combine_generic");
  force_generic_kernels(false);
}

}  // namespace
}  // namespace kite
