// AVX2 pooling combine loops (kernels/pool_combine.h): 8 outputs per step. Stride 2 loads 16
// consecutive floats and keeps the even ones (SHUFPS, then VPERMPD to put the halves in order).
// The maximum is a compare and a blend (VCMPPS greater / unordered, VBLENDVPS), the sum VADDPS:
// the same bits as the portable loop.
#include <immintrin.h>

#include "kernels/pool_combine.h"

namespace kite {
namespace {

inline __m256 combine_max(__m256 best, __m256 v) {
  const __m256 take = _mm256_or_ps(_mm256_cmp_ps(v, best, _CMP_GT_OQ), _mm256_cmp_ps(best, best, _CMP_UNORD_Q));
  return _mm256_blendv_ps(best, v, take);
}

template <PoolCombine kOp>
inline __m256 combine(__m256 a, __m256 b) {
  if constexpr (kOp == PoolCombine::kMax) return combine_max(a, b);
  else return _mm256_add_ps(a, b);
}

// src[0], src[2], .., src[14].
inline __m256 load_even(const float* src) {
  const __m256 evens = _mm256_shuffle_ps(_mm256_loadu_ps(src), _mm256_loadu_ps(src + 8), _MM_SHUFFLE(2, 0, 2, 0));
  return _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(evens), _MM_SHUFFLE(3, 1, 2, 0)));
}

template <PoolCombine kOp, int kStride>
void combine_row(float* dst, const float* src, int64_t n) {
  int64_t i = 0;
  // A stride-2 step reads 16 floats for 8 outputs, the last one past the element the window
  // needs: it stops before reading past src[2 (n - 1)].
  const int64_t vector_end = kStride == 1 ? n : n - 1;
  for (; i + 8 <= vector_end; i += 8) {
    const __m256 v = kStride == 1 ? _mm256_loadu_ps(src + i) : load_even(src + 2 * i);
    _mm256_storeu_ps(dst + i, combine<kOp>(_mm256_loadu_ps(dst + i), v));
  }
  if (i < n) f32_pool_combine_generic(kOp, dst + i, src + i * kStride, kStride, n - i);
}

}  // namespace

void f32_pool_combine_avx2(PoolCombine op, float* dst, const float* src, int64_t stride, int64_t n) {
  if (stride == 1) {
    if (op == PoolCombine::kMax) combine_row<PoolCombine::kMax, 1>(dst, src, n);
    else combine_row<PoolCombine::kSum, 1>(dst, src, n);
  } else if (stride == 2) {
    if (op == PoolCombine::kMax) combine_row<PoolCombine::kMax, 2>(dst, src, n);
    else combine_row<PoolCombine::kSum, 2>(dst, src, n);
  } else {
    f32_pool_combine_generic(op, dst, src, stride, n);
  }
}

}  // namespace kite
