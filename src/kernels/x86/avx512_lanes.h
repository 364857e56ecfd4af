// Lane masks of the AVX-512 kernel files (x86/*_avx512.cpp and *_amx.cpp, which alone include
// this): every lane, and the first `count` of a zmm register's 16 float lanes, for the tails that
// masked loads and stores take; and the clamp that keeps NaNs.
// Internal linkage (static), as each of those files is compiled for AVX-512 on its own.
#pragma once
#include <immintrin.h>

#include <cstdint>

namespace kite {

// Every lane: GCC 12 warns that the unmasked forms of some AVX-512 intrinsics (min, max, shuffles,
// conversions) read an uninitialized value (their undefined pass-through); their zero-masking
// forms with every lane set are the same instructions.
constexpr __mmask16 kAllLanes = 0xffff;

// min(hi, max(lo, v)), v second in both: a NaN fails both compares and stays NaN, as it would
// without a clamp.
static inline __m512 clamp_keep_nan(__m512 v, __m512 lo, __m512 hi) {
  return _mm512_maskz_min_ps(kAllLanes, hi, _mm512_maskz_max_ps(kAllLanes, lo, v));
}

// Lanes [0, count): none for count <= 0, all 16 for count >= 16.
static inline __mmask16 first_lanes(int64_t count) {
  if (count <= 0) return 0;
  if (count >= 16) return static_cast<__mmask16>(0xffff);
  return static_cast<__mmask16>((1u << count) - 1u);
}

}  // namespace kite
