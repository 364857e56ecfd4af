// Lane masks of the AVX-512 kernel files (x86/*_avx512.cpp, which alone include this): the first
// `count` of a zmm register's 16 float lanes, for the tails that masked loads and stores take.
// Internal linkage (static), as each of those files is compiled for AVX-512 on its own.
#pragma once
#include <immintrin.h>

#include <cstdint>

namespace kite {

// Lanes [0, count): none for count <= 0, all 16 for count >= 16.
static inline __mmask16 first_lanes(int64_t count) {
  if (count <= 0) return 0;
  if (count >= 16) return static_cast<__mmask16>(0xffff);
  return static_cast<__mmask16>((1u << count) - 1u);
}

}  // namespace kite
