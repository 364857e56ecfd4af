// block_mean_f32 (kernels/block_mean.h), GlobalAveragePool's and ReduceMean's kernel: this CPU's
// loop (AVX-512 or AVX2 on x86-64), the AVX2 one where that is AVX-512's, and the portable one
// give the same bits for every length (whole 32-value steps, 8-value steps, single values after
// them), each within float rounding of a sequential double sum; infinities and NaNs carry
// through.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "kernels/block_mean.h"
#include "kernels/cpu_features.h"

namespace kite {
namespace {

uint32_t bits(float f) {
  uint32_t u;
  std::memcpy(&u, &f, sizeof u);
  return u;
}

// The mean under each loop this CPU can run: this CPU's, AVX2 (AVX-512 hidden), portable.
std::vector<std::pair<std::string, float>> means(const std::vector<float>& x) {
  std::vector<std::pair<std::string, float>> out;
  for (int kernel : {0, 1, 2}) {
    if (kernel == 1 && !(cpu_has_avx512() && cpu_has_avx2_fma())) continue;
    hide_avx512(kernel == 1);
    force_generic_kernels(kernel == 2);
    out.push_back({block_mean_kernel_name(), block_mean_f32(x.data(), static_cast<int64_t>(x.size()))});
  }
  hide_avx512(false);
  force_generic_kernels(false);
  return out;
}

TEST(BlockMean, EveryLoopGivesTheSameBitsAndTheMean) {
  std::mt19937 rng(5);
  std::uniform_real_distribution<float> u(-3.f, 5.f);
  std::vector<int64_t> lengths;
  for (int64_t n = 1; n <= 100; ++n) lengths.push_back(n);
  for (int64_t n : {1023, 3136, 12544}) lengths.push_back(n);
  for (int64_t n : lengths) {
    std::vector<float> x(static_cast<size_t>(n));
    for (float& v : x) v = u(rng);
    double sum = 0;
    for (float v : x) sum += v;
    const float want = static_cast<float>(sum / static_cast<double>(n));
    for (const auto& [name, mean] : means(x)) ASSERT_NEAR(mean, want, 2e-7f * (1.f + std::fabs(want))) << name << ", n = " << n;
    // Magnitudes from 1e-20 to 1e20: double sums of such values round, so a value added in another
    // lane or order than the portable loop's shows in the lanes' bits (the float mean, rounded
    // from double, rarely shows it: the lanes themselves are compared).
    for (float& v : x) v = u(rng) * std::pow(10.f, static_cast<float>(static_cast<int>(rng() % 41) - 20));
    const auto got = means(x);
    for (const auto& [name, mean] : got)
      ASSERT_EQ(bits(mean), bits(got.back().second)) << name << " vs " << got.back().first << ", n = " << n;
    double want_lanes[32], lanes[32];
    const int64_t want_taken = f32_block_mean_lanes_generic(x.data(), n, want_lanes);
    ASSERT_EQ(want_taken, n / 8 * 8);
    std::vector<std::pair<const char*, int64_t (*)(const float*, int64_t, double*)>> simd;
#if defined(__x86_64__)
    if (cpu_has_avx2_fma()) simd.push_back({"fma3", f32_block_mean_lanes_fma3});
    if (cpu_has_avx512()) simd.push_back({"avx512", f32_block_mean_lanes_avx512});
#endif
    for (const auto& [name, lanes_of] : simd) {
      ASSERT_EQ(lanes_of(x.data(), n, lanes), want_taken) << name << ", n = " << n;
      ASSERT_EQ(std::memcmp(lanes, want_lanes, sizeof lanes), 0) << name << "'s lanes, n = " << n;
    }
  }
}

TEST(BlockMean, InfinitiesAndNaNsCarryThrough) {
  for (int64_t n : {5, 40, 77}) {
    std::vector<float> x(static_cast<size_t>(n), 1.f);
    x[static_cast<size_t>(n / 2)] = std::numeric_limits<float>::infinity();
    for (const auto& [name, mean] : means(x)) EXPECT_EQ(mean, std::numeric_limits<float>::infinity()) << name << " " << n;
    x[static_cast<size_t>(n - 1)] = std::numeric_limits<float>::quiet_NaN();
    for (const auto& [name, mean] : means(x)) EXPECT_TRUE(std::isnan(mean)) << name << " " << n;
  }
}

}  // namespace
}  // namespace kite
