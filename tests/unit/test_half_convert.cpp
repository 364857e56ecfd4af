// The fp16 <-> f32 array conversions (kernels/half_convert.h) against the portable scalar ones
// (core/half.h), on the SIMD path this CPU runs and on the forced portable path: every half, and
// floats chosen where rounding is hard (ties, the subnormal and overflow edges, NaN, infinity).
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <vector>

#include "core/half.h"
#include "kernels/cpu_features.h"
#include "kernels/half_convert.h"

namespace kite {
namespace {

uint32_t bits_of(float f) {
  uint32_t b;
  std::memcpy(&b, &f, 4);
  return b;
}

float float_of(uint32_t b) {
  float f;
  std::memcpy(&f, &b, 4);
  return f;
}

bool half_is_nan(uint16_t h) { return (h & 0x7c00) == 0x7c00 && (h & 0x3ff) != 0; }

struct KernelPath {
  const char* kernel;  // what half_convert_kernel_name() must say while the path is in use
  bool generic;        // forced with force_generic_kernels
  bool (*cpu_has)();
};

bool always() { return true; }
bool has_f16c_and_avx2() { return cpu_has_f16c() && cpu_has_avx2_fma(); }

void PrintTo(const KernelPath& path, std::ostream* os) { *os << path.kernel; }

// The SIMD path compiled for this CPU family, then the portable one.
std::vector<KernelPath> kernel_paths() {
  std::vector<KernelPath> paths;
#if defined(__x86_64__)
  paths.push_back({"half_convert_f16c", false, has_f16c_and_avx2});
#elif defined(__aarch64__)
  paths.push_back({"half_convert_neon", false, cpu_has_neon});
#endif
  paths.push_back({"half_convert_generic", true, always});
  return paths;
}

class HalfConvert : public ::testing::TestWithParam<KernelPath> {
 protected:
  void SetUp() override {
    const KernelPath& path = GetParam();
    if (!path.cpu_has()) GTEST_SKIP() << "this CPU cannot run " << path.kernel;
    force_generic_kernels(path.generic);
    ASSERT_STREQ(half_convert_kernel_name(), path.kernel);
  }
  void TearDown() override { force_generic_kernels(false); }
};

// Bitwise equal, except that a NaN need only be a NaN of the same sign (payloads may differ).
void expect_same_float(float got, float want, uint16_t from) {
  if (std::isnan(want)) {
    EXPECT_TRUE(std::isnan(got)) << "half 0x" << std::hex << from;
    EXPECT_EQ(std::signbit(got), std::signbit(want)) << "half 0x" << std::hex << from;
  } else {
    EXPECT_EQ(bits_of(got), bits_of(want)) << "half 0x" << std::hex << from;
  }
}

void expect_same_half(uint16_t got, uint16_t want, float from) {
  if (half_is_nan(want)) {
    EXPECT_TRUE(half_is_nan(got)) << "float bits 0x" << std::hex << bits_of(from);
    EXPECT_EQ(got & 0x8000, want & 0x8000) << "float bits 0x" << std::hex << bits_of(from);
  } else {
    EXPECT_EQ(got, want) << "float bits 0x" << std::hex << bits_of(from) << " (" << from << ")";
  }
}

TEST_P(HalfConvert, WidensEveryHalfLikeHalfToFloat) {
  std::vector<uint16_t> halves(65536);
  for (size_t i = 0; i < halves.size(); ++i) halves[i] = static_cast<uint16_t>(i);
  std::vector<float> floats(halves.size());
  f16_to_f32(halves.data(), floats.data(), static_cast<int64_t>(halves.size()));
  for (size_t i = 0; i < halves.size(); ++i) expect_same_float(floats[i], half_to_float(halves[i]), halves[i]);
}

// Floats where narrowing can go wrong: every half exactly, the midpoints between neighbouring
// halves (ties, rounded to the even one) and a float ulp either side of them, the edges of the
// subnormal and overflow ranges, float subnormals, infinities, NaNs with and without payloads,
// and a spread of arbitrary bit patterns.
std::vector<float> hard_floats() {
  std::vector<float> out;
  for (uint32_t h = 0; h < 0x7c00; ++h) {
    for (uint32_t sign : {0u, 0x8000u}) {
      float lo = half_to_float(static_cast<uint16_t>(h | sign));
      float hi = half_to_float(static_cast<uint16_t>((h + 1) | sign));  // 0x7c00: infinity
      out.push_back(lo);
      if (h + 1 == 0x7c00) hi = std::copysign(65536.f, lo);  // the tie at the overflow edge: 65520
      float mid = (lo + hi) / 2;                              // exact: halves have 11 significant bits
      out.push_back(mid);
      out.push_back(float_of(bits_of(mid) + 1));
      if (bits_of(mid) & 0x7fffffff) out.push_back(float_of(bits_of(mid) - 1));
    }
  }
  for (float f : {65504.f, 65519.996f, 65520.f, 65536.f, 1e10f, 3.4028235e38f, 6.1035156e-05f, 6.0975552e-05f,
                  5.9604645e-08f, 2.9802322e-08f, 2.9802326e-08f, 4.4703484e-08f, 1e-30f, 1.4e-45f, 1.1754942e-38f,
                  0.f, INFINITY})
    for (float s : {1.f, -1.f}) out.push_back(s * f);
  for (uint32_t nan : {0x7fc00000u, 0x7f800001u, 0x7fbfffffu, 0x7fffe000u, 0x7f802000u, 0xffc00000u, 0xff800001u})
    out.push_back(float_of(nan));
  uint32_t state = 2463534242u;
  for (int i = 0; i < 200000; ++i) {
    state ^= state << 13;
    state ^= state >> 17;
    state ^= state << 5;
    out.push_back(float_of(state));
  }
  return out;
}

TEST_P(HalfConvert, NarrowsLikeFloatToHalf) {
  std::vector<float> floats = hard_floats();
  std::vector<uint16_t> halves(floats.size());
  f32_to_f16(floats.data(), halves.data(), static_cast<int64_t>(floats.size()));
  for (size_t i = 0; i < floats.size(); ++i) expect_same_half(halves[i], float_to_half(floats[i]), floats[i]);
}

TEST_P(HalfConvert, EveryHalfSurvivesTheRoundTrip) {
  std::vector<uint16_t> halves(65536), back(65536);
  for (size_t i = 0; i < halves.size(); ++i) halves[i] = static_cast<uint16_t>(i);
  std::vector<float> floats(halves.size());
  f16_to_f32(halves.data(), floats.data(), 65536);
  f32_to_f16(floats.data(), back.data(), 65536);
  for (size_t i = 0; i < halves.size(); ++i) {
    if (!half_is_nan(halves[i])) {
      EXPECT_EQ(back[i], halves[i]) << "half 0x" << std::hex << halves[i];
    }
  }
}

// Every length (the vector body and each tail), from unaligned pointers, writing nothing past n.
TEST_P(HalfConvert, AnyLengthAndAlignmentWritesExactlyN) {
  const uint16_t kGuardHalf = 0xabcd;
  const float kGuardFloat = -12345.f;
  for (int64_t offset = 0; offset < 3; ++offset)
    for (int64_t n = 0; n <= 37; ++n) {
      std::vector<uint16_t> halves(static_cast<size_t>(offset + n + 8), kGuardHalf);
      std::vector<float> floats(static_cast<size_t>(offset + n + 8), kGuardFloat);
      std::vector<float> source(static_cast<size_t>(offset + n));
      for (int64_t i = 0; i < offset + n; ++i) source[static_cast<size_t>(i)] = 0.37f * static_cast<float>(i) - 3.1f;
      f32_to_f16(source.data() + offset, halves.data() + offset, n);
      f16_to_f32(halves.data() + offset, floats.data() + offset, n);
      for (int64_t i = 0; i < static_cast<int64_t>(halves.size()); ++i) {
        const size_t k = static_cast<size_t>(i);
        if (i < offset || i >= offset + n) {
          EXPECT_EQ(halves[k], kGuardHalf) << "n " << n << ", index " << i;
          EXPECT_EQ(floats[k], kGuardFloat) << "n " << n << ", index " << i;
        } else {
          EXPECT_EQ(halves[k], float_to_half(source[k])) << "n " << n << ", index " << i;
          EXPECT_EQ(bits_of(floats[k]), bits_of(half_to_float(halves[k]))) << "n " << n << ", index " << i;
        }
      }
    }
}

INSTANTIATE_TEST_SUITE_P(Paths, HalfConvert, ::testing::ValuesIn(kernel_paths()),
                         [](const ::testing::TestParamInfo<KernelPath>& info) { return std::string(info.param.kernel); });

// The SIMD path is the one in use wherever the CPU has it: a build that never picks it would pass
// the tests above on the portable path alone.
TEST(HalfConvertDispatch, PicksTheSimdPathWhereTheCpuHasIt) {
#if defined(__x86_64__)
  EXPECT_STREQ(half_convert_kernel_name(), has_f16c_and_avx2() ? "half_convert_f16c" : "half_convert_generic");
#elif defined(__aarch64__)
  EXPECT_STREQ(half_convert_kernel_name(), "half_convert_neon");
#else
  EXPECT_STREQ(half_convert_kernel_name(), "half_convert_generic");
#endif
}

}  // namespace
}  // namespace kite
