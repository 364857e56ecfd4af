// AVX2 quantized Add: 32 elements per step, as four registers of eight int32 lanes.
//
// Per lane, exactly requantize_add: (a - za) * a_multiplier + (b - zb) * b_multiplier with
// vpmulld (the product fits an int32, see kernels/q8_elementwise.h), then kernels/requantize.h's
// requantize: cvtdq2ps, mulps, maxps / minps against float(qmin - zy) and float(qmax - zy),
// cvtps2dq (round to nearest even) and zy added. The packs to bytes never saturate, as the values
// are already in [qmin, qmax]. The last count % 32 elements go through the same code on a copy,
// so that nothing past the tensors is read or written, and y may be a or b.
//
// This file alone is compiled with -mavx2 -mfma, so it instantiates nothing shared with other
// files (no standard library templates, no inline functions with external linkage, requantize()
// included).
#include <immintrin.h>

#include <cstdint>

#include "kernels/q8_elementwise_kernels.h"

namespace kite {
namespace {

constexpr int kStep = 32;

struct AddConstants {
  __m256i a_zero_point, b_zero_point, a_multiplier, b_multiplier, y_zero_point;
  __m256 scale, lo, hi;
  __m256i order;  // undoes the interleaving of the packs

  explicit AddConstants(const Q8AddParams& p)
      : a_zero_point(_mm256_set1_epi32(p.a_zero_point)),
        b_zero_point(_mm256_set1_epi32(p.b_zero_point)),
        a_multiplier(_mm256_set1_epi32(p.requant.a_multiplier)),
        b_multiplier(_mm256_set1_epi32(p.requant.b_multiplier)),
        y_zero_point(_mm256_set1_epi32(p.y_zero_point)),
        scale(_mm256_set1_ps(p.requant.scale)),
        lo(_mm256_set1_ps(static_cast<float>(p.qmin - p.y_zero_point))),
        hi(_mm256_set1_ps(static_cast<float>(p.qmax - p.y_zero_point))),
        order(_mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7)) {}
};

// Eight outputs from eight bytes of a and of b.
__m256i add_eight(const uint8_t* a, const uint8_t* b, const AddConstants& k) {
  __m256i qa = _mm256_cvtepu8_epi32(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(a)));
  __m256i qb = _mm256_cvtepu8_epi32(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(b)));
  __m256i acc = _mm256_add_epi32(_mm256_mullo_epi32(_mm256_sub_epi32(qa, k.a_zero_point), k.a_multiplier),
                                 _mm256_mullo_epi32(_mm256_sub_epi32(qb, k.b_zero_point), k.b_multiplier));
  __m256 v = _mm256_mul_ps(_mm256_cvtepi32_ps(acc), k.scale);
  v = _mm256_min_ps(_mm256_max_ps(v, k.lo), k.hi);
  return _mm256_add_epi32(_mm256_cvtps_epi32(v), k.y_zero_point);
}

void add_step(const uint8_t* a, const uint8_t* b, uint8_t* y, const AddConstants& k) {
  __m256i r0 = add_eight(a, b, k), r1 = add_eight(a + 8, b + 8, k);
  __m256i r2 = add_eight(a + 16, b + 16, k), r3 = add_eight(a + 24, b + 24, k);
  // Per 128-bit half, the packs leave four-element groups in the order r0 r1 r2 r3 of the low
  // halves, then of the high halves; the permutation puts each register's halves back together.
  __m256i bytes = _mm256_packus_epi16(_mm256_packus_epi32(r0, r1), _mm256_packus_epi32(r2, r3));
  _mm256_storeu_si256(reinterpret_cast<__m256i*>(y), _mm256_permutevar8x32_epi32(bytes, k.order));
}

}  // namespace

void q8_add_avx2(const uint8_t* a, const uint8_t* b, uint8_t* y, int64_t count, const Q8AddParams& p) {
  const AddConstants k(p);
  int64_t i = 0;
  for (; i + kStep <= count; i += kStep) add_step(a + i, b + i, y + i, k);
  const int64_t rest = count - i;
  if (rest == 0) return;
  alignas(32) uint8_t ta[kStep] = {}, tb[kStep] = {}, ty[kStep];
  for (int64_t j = 0; j < rest; ++j) {
    ta[j] = a[i + j];
    tb[j] = b[i + j];
  }
  add_step(ta, tb, ty, k);
  for (int64_t j = 0; j < rest; ++j) y[i + j] = ty[j];
}

}  // namespace kite
