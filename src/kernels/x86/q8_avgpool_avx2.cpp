// AVX2 quantized global average pooling. vpsadbw against zero sums each group of eight bytes
// into a 64-bit lane, exactly; 32 bytes per step, then 8, then single bytes. The zero point comes
// out once per plane, and the sum is requantized as kernels/requantize.h does it, with scalar SSE
// (cvtsi2ss, mulss, maxss / minss, cvtss2si: round to nearest even).
//
// This file alone is compiled with -mavx2 -mfma, so it instantiates nothing shared with other
// files (no standard library templates, no inline functions with external linkage, requantize()
// included).
#include <immintrin.h>

#include <cstdint>

#include "kernels/q8_pool_kernels.h"

namespace kite {
namespace {

int64_t plane_sum(const uint8_t* x, int64_t n) {
  const __m256i zero = _mm256_setzero_si256();
  __m256i sums = zero;  // four 64-bit lanes
  int64_t i = 0;
  for (; i + 32 <= n; i += 32)
    sums = _mm256_add_epi64(sums, _mm256_sad_epu8(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(x + i)), zero));
  __m128i sum = _mm_add_epi64(_mm256_castsi256_si128(sums), _mm256_extracti128_si256(sums, 1));
  for (; i + 8 <= n; i += 8)
    sum =
        _mm_add_epi64(sum, _mm_sad_epu8(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(x + i)), _mm_setzero_si128()));
  int64_t total = _mm_cvtsi128_si64(sum) + _mm_extract_epi64(sum, 1);
  for (; i < n; ++i) total += x[i];
  return total;
}

int32_t requantize_one(int32_t acc, const Q8GlobalAveragePoolParams& p) {
  __m128 v = _mm_mul_ss(_mm_cvtsi32_ss(_mm_setzero_ps(), acc), _mm_set_ss(p.scale));
  v = _mm_min_ss(_mm_max_ss(v, _mm_set_ss(static_cast<float>(p.qmin - p.y_zero_point))),
                 _mm_set_ss(static_cast<float>(p.qmax - p.y_zero_point)));
  return _mm_cvtss_si32(v) + p.y_zero_point;
}

}  // namespace

void q8_avgpool_avx2(const uint8_t* x, uint8_t* y, int64_t channels, int64_t plane,
                     const Q8GlobalAveragePoolParams& p) {
  for (int64_t c = 0; c < channels; ++c) {
    // Both terms are at most 255 * 2^23, so the difference fits an int32.
    const int64_t acc = plane_sum(x + c * plane, plane) - int64_t{p.x_zero_point} * plane;
    y[c] = static_cast<uint8_t>(requantize_one(static_cast<int32_t>(acc), p));
  }
}

}  // namespace kite
