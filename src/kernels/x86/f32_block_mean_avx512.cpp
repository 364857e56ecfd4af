// block_mean_f32's lane loop on AVX-512 (kernels/block_mean.h): 4 zmm accumulators of 8 doubles,
// 32 values (4 conversions of 8 floats) a step; lanes in the portable loop's order.
#include <immintrin.h>

#include "kernels/block_mean.h"
#include "kernels/x86/avx512_lanes.h"

namespace kite {

int64_t f32_block_mean_lanes_avx512(const float* x, int64_t n, double* lanes) {
  constexpr __mmask8 kAll = 0xff;
  __m512d acc[4];
  for (__m512d& a : acc) a = _mm512_setzero_pd();
  auto load = [](const float* p) { return _mm512_maskz_cvtps_pd(kAll, _mm256_loadu_ps(p)); };
  int64_t i = 0;
  for (; i + 32 <= n; i += 32)
    for (int q = 0; q < 4; ++q) acc[q] = _mm512_maskz_add_pd(kAll, acc[q], load(x + i + 8 * q));
  for (; i + 8 <= n; i += 8) acc[0] = _mm512_maskz_add_pd(kAll, acc[0], load(x + i));
  for (int q = 0; q < 4; ++q) _mm512_storeu_pd(lanes + 8 * q, acc[q]);
  return i;
}

}  // namespace kite
