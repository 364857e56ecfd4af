// AVX-512 activations: 16 floats per step, the AVX2 file's loops (kernels/x86/activation_simd.h)
// on zmm registers, the tail through a lane mask. Half the instructions per element: SiLU, which
// EfficientNet applies after almost every convolution, spent a fifth of that network's time in
// the AVX2 loop.
#include <immintrin.h>

#include "kernels/activation_kernels.h"
#include "kernels/x86/activation_simd.h"
#include "kernels/x86/avx512_lanes.h"

namespace kite {
namespace {

struct Avx512Ops {
  using V = __m512;
  static constexpr int64_t kLanes = 16;
  static V set1(float v) { return _mm512_set1_ps(v); }
  static V load(const float* p) { return _mm512_loadu_ps(p); }
  static void store(float* p, V v) { _mm512_storeu_ps(p, v); }
  static V load_first(const float* p, int64_t count) { return _mm512_maskz_loadu_ps(first_lanes(count), p); }
  static void store_first(float* p, V v, int64_t count) { _mm512_mask_storeu_ps(p, first_lanes(count), v); }
  static V add(V a, V b) { return _mm512_add_ps(a, b); }
  static V sub(V a, V b) { return _mm512_sub_ps(a, b); }
  static V mul(V a, V b) { return _mm512_mul_ps(a, b); }
  static V div(V a, V b) { return _mm512_div_ps(a, b); }
  static V fmadd(V a, V b, V c) { return _mm512_fmadd_ps(a, b, c); }
  static V fnmadd(V a, V b, V c) { return _mm512_fnmadd_ps(a, b, c); }
  // VMINPS / VMAXPS: a NaN or -0 resolved by operand order, as in the AVX2 file.
  static V min(V a, V b) { return _mm512_maskz_min_ps(kAllLanes, a, b); }
  static V max(V a, V b) { return _mm512_maskz_max_ps(kAllLanes, a, b); }
  static V floor(V a) { return _mm512_maskz_roundscale_ps(kAllLanes, a, _MM_FROUND_TO_NEG_INF | _MM_FROUND_NO_EXC); }
  // 2^n for integral n in [-127, 128] (128: infinity's bits), built in the exponent field.
  static V exp2_integer(V n) {
    const __m512i biased = _mm512_add_epi32(_mm512_maskz_cvtps_epi32(kAllLanes, n), _mm512_set1_epi32(127));
    return _mm512_castsi512_ps(_mm512_maskz_slli_epi32(kAllLanes, biased, 23));
  }
  // v < 0 ? below : other, lane by lane (NaN: other).
  static V select_below_zero(V v, V below, V other) {
    return _mm512_mask_blend_ps(_mm512_cmp_ps_mask(v, _mm512_setzero_ps(), _CMP_LT_OQ), other, below);
  }
};

}  // namespace

void f32_activation_avx512(const ActivationParams& p, const float* x, float* y, int64_t n) {
  activation<Avx512Ops>(p, x, y, n);
}

}  // namespace kite
