// AVX-512 quantized Add: 64 elements per step, as four registers of sixteen int32 lanes; the AVX2
// kernel's arithmetic (q8_add_avx2.cpp) lane for lane, so the same bytes.
//
// Per lane, exactly requantize_add: (a - za) * a_multiplier + (b - zb) * b_multiplier with
// vpmulld (the product fits an int32, see kernels/q8_elementwise.h), then kernels/requantize.h's
// requantize: vcvtdq2ps, vmulps, vmaxps / vminps against float(qmin - zy) and float(qmax - zy),
// vcvtps2dq (round to nearest even) and zy added; vpmovdb narrows the values, already in
// [qmin, qmax], to bytes. The last count % 64 elements go through masked loads and stores, which
// touch nothing past the tensors; y may be a or b (each step reads its elements before it writes
// them).
//
// This file alone is compiled with -mavx512f -mavx512bw (and only called when cpu_has_avx512()),
// so it instantiates nothing shared with other files.
#include <immintrin.h>

#include <cstdint>

#include "kernels/q8_elementwise_kernels.h"

// GCC 12's avx512fintrin.h starts some intrinsics from a self-initialized _mm512_undefined_*(),
// which -Wmaybe-uninitialized reports once the function is inlined: a false positive.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif

namespace kite {
namespace {

constexpr int64_t kStep = 64;

struct AddConstants {
  __m512i a_zero_point, b_zero_point, a_multiplier, b_multiplier, y_zero_point;
  __m512 scale, lo, hi;

  explicit AddConstants(const Q8AddParams& p)
      : a_zero_point(_mm512_set1_epi32(p.a_zero_point)),
        b_zero_point(_mm512_set1_epi32(p.b_zero_point)),
        a_multiplier(_mm512_set1_epi32(p.requant.a_multiplier)),
        b_multiplier(_mm512_set1_epi32(p.requant.b_multiplier)),
        y_zero_point(_mm512_set1_epi32(p.y_zero_point)),
        scale(_mm512_set1_ps(p.requant.scale)),
        lo(_mm512_set1_ps(static_cast<float>(p.qmin - p.y_zero_point))),
        hi(_mm512_set1_ps(static_cast<float>(p.qmax - p.y_zero_point))) {}
};

// Sixteen outputs, as bytes, from sixteen bytes of a and of b.
__m128i add_sixteen(__m128i a, __m128i b, const AddConstants& k) {
  const __m512i qa = _mm512_sub_epi32(_mm512_cvtepu8_epi32(a), k.a_zero_point);
  const __m512i qb = _mm512_sub_epi32(_mm512_cvtepu8_epi32(b), k.b_zero_point);
  const __m512i acc = _mm512_add_epi32(_mm512_mullo_epi32(qa, k.a_multiplier), _mm512_mullo_epi32(qb, k.b_multiplier));
  __m512 v = _mm512_mul_ps(_mm512_cvtepi32_ps(acc), k.scale);
  v = _mm512_min_ps(_mm512_max_ps(v, k.lo), k.hi);
  return _mm512_cvtepi32_epi8(_mm512_add_epi32(_mm512_cvtps_epi32(v), k.y_zero_point));
}

// Elements [0, 64) of a, b and y, those of `mask` only.
void add_step(const uint8_t* a, const uint8_t* b, uint8_t* y, __mmask64 mask, const AddConstants& k) {
  const __m512i va = _mm512_maskz_loadu_epi8(mask, a), vb = _mm512_maskz_loadu_epi8(mask, b);
  __m512i out = _mm512_castsi128_si512(add_sixteen(_mm512_castsi512_si128(va), _mm512_castsi512_si128(vb), k));
  out = _mm512_inserti32x4(out, add_sixteen(_mm512_extracti32x4_epi32(va, 1), _mm512_extracti32x4_epi32(vb, 1), k), 1);
  out = _mm512_inserti32x4(out, add_sixteen(_mm512_extracti32x4_epi32(va, 2), _mm512_extracti32x4_epi32(vb, 2), k), 2);
  out = _mm512_inserti32x4(out, add_sixteen(_mm512_extracti32x4_epi32(va, 3), _mm512_extracti32x4_epi32(vb, 3), k), 3);
  _mm512_mask_storeu_epi8(y, mask, out);
}

}  // namespace

void q8_add_avx512(const uint8_t* a, const uint8_t* b, uint8_t* y, int64_t count, const Q8AddParams& p) {
  const AddConstants k(p);
  int64_t i = 0;
  for (; i + kStep <= count; i += kStep) add_step(a + i, b + i, y + i, ~__mmask64{0}, k);
  if (i < count) add_step(a + i, b + i, y + i, (__mmask64{1} << (count - i)) - 1, k);
}

}  // namespace kite
