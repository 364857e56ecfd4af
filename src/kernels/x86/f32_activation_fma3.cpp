// AVX2 + FMA3 activations: 8 floats per step (the loops: kernels/x86/activation_simd.h).
#include <immintrin.h>

#include "kernels/activation_kernels.h"
#include "kernels/x86/activation_simd.h"

namespace kite {
namespace {

struct Avx2Ops {
  using V = __m256;
  static constexpr int64_t kLanes = 8;
  static V set1(float v) { return _mm256_set1_ps(v); }
  static V load(const float* p) { return _mm256_loadu_ps(p); }
  static void store(float* p, V v) { _mm256_storeu_ps(p, v); }
  // Lanes [0, count) for count < 8.
  static __m256i first(int64_t count) {
    return _mm256_cmpgt_epi32(_mm256_set1_epi32(static_cast<int>(count)), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
  }
  static V load_first(const float* p, int64_t count) { return _mm256_maskload_ps(p, first(count)); }
  static void store_first(float* p, V v, int64_t count) { _mm256_maskstore_ps(p, first(count), v); }
  static V add(V a, V b) { return _mm256_add_ps(a, b); }
  static V sub(V a, V b) { return _mm256_sub_ps(a, b); }
  static V mul(V a, V b) { return _mm256_mul_ps(a, b); }
  static V div(V a, V b) { return _mm256_div_ps(a, b); }
  static V fmadd(V a, V b, V c) { return _mm256_fmadd_ps(a, b, c); }
  static V fnmadd(V a, V b, V c) { return _mm256_fnmadd_ps(a, b, c); }
  static V min(V a, V b) { return _mm256_min_ps(a, b); }
  static V max(V a, V b) { return _mm256_max_ps(a, b); }
  static V floor(V a) { return _mm256_floor_ps(a); }
  // 2^n for integral n in [-127, 128] (128: infinity's bits), built in the exponent field.
  static V exp2_integer(V n) {
    return _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_add_epi32(_mm256_cvtps_epi32(n), _mm256_set1_epi32(127)), 23));
  }
  // v < 0 ? below : other, lane by lane (NaN: other).
  static V select_below_zero(V v, V below, V other) {
    return _mm256_blendv_ps(other, below, _mm256_cmp_ps(v, _mm256_setzero_ps(), _CMP_LT_OQ));
  }
};

}  // namespace

void f32_activation_fma3(const ActivationParams& p, const float* x, float* y, int64_t n) {
  activation<Avx2Ops>(p, x, y, n);
}

}  // namespace kite
