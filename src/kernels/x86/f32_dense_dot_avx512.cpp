// AVX-512 dense dot products (kernels/dense_dot.h): four rows at a time, each with two zmm of
// partial sums (16 FMA chains in flight for four streams of w), the last k % 32 through lane
// masks (zeros beyond k), then each row's 32 partial sums added in a fixed order. A row's value
// does not depend on which rows share its pass. The baseline build's loop, one row at a time on
// 16-byte registers without FMA, read the classifiers' weights at about 14 GB/s.
#include <immintrin.h>

#include "kernels/dense_dot.h"
#include "kernels/x86/avx512_lanes.h"

namespace kite {
namespace {

// The 16 lanes of v summed pairwise in a fixed order: lane i + lane i + 8, then i + 4, i + 2,
// i + 1. Through memory, a few scalar adds per row of weights: the register forms (extracts,
// casts) take an undefined operand that GCC 12 reports as an uninitialized value.
float sum_lanes(__m512 v) {
  alignas(64) float lanes[16];
  _mm512_store_ps(lanes, v);
  for (int width = 8; width >= 1; width /= 2)
    for (int i = 0; i < width; ++i) lanes[i] += lanes[i + width];
  return lanes[0];
}

template <int R>
void dot_rows(const float* x, const float* w, int64_t k, float* y) {
  __m512 acc[R][2];
  for (int r = 0; r < R; ++r) acc[r][0] = acc[r][1] = _mm512_setzero_ps();
  int64_t i = 0;
  for (; i + 32 <= k; i += 32) {
    const __m512 x0 = _mm512_loadu_ps(x + i), x1 = _mm512_loadu_ps(x + i + 16);
    for (int r = 0; r < R; ++r) {
      acc[r][0] = _mm512_fmadd_ps(_mm512_loadu_ps(w + r * k + i), x0, acc[r][0]);
      acc[r][1] = _mm512_fmadd_ps(_mm512_loadu_ps(w + r * k + i + 16), x1, acc[r][1]);
    }
  }
  for (int half = 0; half < 2 && i < k; ++half, i += 16) {  // the last k % 32, 16 at a time
    const __mmask16 m = first_lanes(k - i);
    const __m512 xm = _mm512_maskz_loadu_ps(m, x + i);
    for (int r = 0; r < R; ++r) acc[r][half] = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(m, w + r * k + i), xm, acc[r][half]);
  }
  for (int r = 0; r < R; ++r) y[r] = sum_lanes(_mm512_add_ps(acc[r][0], acc[r][1]));
}

}  // namespace

void f32_dense_dot_avx512(const float* x, const float* w, int64_t k, int64_t rows, float* y) {
  int64_t f = 0;
  for (; f + 4 <= rows; f += 4) dot_rows<4>(x, w + f * k, k, y + f);
  for (; f < rows; ++f) dot_rows<1>(x, w + f * k, k, y + f);
}

}  // namespace kite
