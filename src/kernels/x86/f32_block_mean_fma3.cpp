// block_mean_f32's lane loop on AVX2 (kernels/block_mean.h): 8 ymm accumulators of 4 doubles,
// 32 values (8 conversions of 4 floats) a step; lanes in the portable loop's order.
#include <immintrin.h>

#include "kernels/block_mean.h"

namespace kite {

int64_t f32_block_mean_lanes_fma3(const float* x, int64_t n, double* lanes) {
  __m256d acc[8];
  for (__m256d& a : acc) a = _mm256_setzero_pd();
  int64_t i = 0;
  for (; i + 32 <= n; i += 32)
    for (int q = 0; q < 8; ++q) acc[q] = _mm256_add_pd(acc[q], _mm256_cvtps_pd(_mm_loadu_ps(x + i + 4 * q)));
  for (; i + 8 <= n; i += 8) {
    acc[0] = _mm256_add_pd(acc[0], _mm256_cvtps_pd(_mm_loadu_ps(x + i)));
    acc[1] = _mm256_add_pd(acc[1], _mm256_cvtps_pd(_mm_loadu_ps(x + i + 4)));
  }
  for (int q = 0; q < 8; ++q) _mm256_storeu_pd(lanes + 4 * q, acc[q]);
  return i;
}

}  // namespace kite
