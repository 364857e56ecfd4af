// AVX2 + FMA3 activations: 8 floats per step, the tail through a masked load and store so that
// every element takes the same instructions (no scalar remainder that could round differently).
// The min/max operand orders reproduce the reference's NaN and -0 behaviour (see activation.h).
#include <immintrin.h>

#include <cmath>

#include "kernels/activation_kernels.h"
#include "kernels/exp_polynomial.h"

namespace kite {
namespace {

// e^x as 1 / (1 + e^x) needs it, with no selects: the argument is clamped to [kMinInput,
// kSigmoidTop] with NaN passed through (max and min take the value as second operand). Below the
// bottom the result is 2^-126 or so instead of the true tiny value, and 1 + it rounds to 1 either
// way; from kMaxInput to the top, n = 128 and 2^n is infinity's bit pattern, so the result is
// infinity as it should be (1 / (1 + inf) = 0). Checked against the version with explicit
// selects over all 2^32 floats: the same sigmoid and SiLU bits, NaN where it gave NaN; the selects
// (five more instructions) took a fifth of SiLU's time.
constexpr float kSigmoidTop = 89.0f;  // n = floor(89 log2(e) + 0.5) = 128: infinity
inline __m256 exp_for_sigmoid(__m256 x) {
  using namespace exp_poly;
  __m256 v = _mm256_min_ps(_mm256_set1_ps(kSigmoidTop), _mm256_max_ps(_mm256_set1_ps(kMinInput), x));
  __m256 n = _mm256_floor_ps(_mm256_add_ps(_mm256_mul_ps(v, _mm256_set1_ps(kLog2e)), _mm256_set1_ps(0.5f)));
  // Written unfused; the compiler may contract these into FMAs (GCC does for C++), which only
  // makes r more accurate. SIMD and portable results may differ in the last bits either way.
  __m256 r = _mm256_sub_ps(v, _mm256_mul_ps(n, _mm256_set1_ps(kLn2Hi)));
  r = _mm256_sub_ps(r, _mm256_mul_ps(n, _mm256_set1_ps(kLn2Lo)));
  __m256 p = _mm256_set1_ps(kC7);
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(kC6));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(kC5));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(kC4));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(kC3));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(kC2));
  p = _mm256_fmadd_ps(_mm256_mul_ps(p, r), r, _mm256_add_ps(r, _mm256_set1_ps(1.f)));
  __m256i bits = _mm256_slli_epi32(_mm256_add_epi32(_mm256_cvtps_epi32(n), _mm256_set1_epi32(127)), 23);
  return _mm256_mul_ps(p, _mm256_castsi256_ps(bits));
}

inline __m256 sigmoid(__m256 x) {
  __m256 one = _mm256_set1_ps(1.f);
  return _mm256_div_ps(one, _mm256_add_ps(one, exp_for_sigmoid(_mm256_sub_ps(_mm256_setzero_ps(), x))));
}

// min(1, max(0, t)) in the reference's operand order: NaN becomes 1, as std::min(1.f, NaN) does.
inline __m256 unit_clamp(__m256 t) { return _mm256_max_ps(_mm256_min_ps(t, _mm256_set1_ps(1.f)), _mm256_setzero_ps()); }

template <typename F>
void apply(const float* x, float* y, int64_t n, F f) {
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) _mm256_storeu_ps(y + i, f(_mm256_loadu_ps(x + i)));
  if (i < n) {
    __m256i lane = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
    __m256i mask = _mm256_cmpgt_epi32(_mm256_set1_epi32(static_cast<int>(n - i)), lane);
    _mm256_maskstore_ps(y + i, mask, f(_mm256_maskload_ps(x + i, mask)));
  }
}

}  // namespace

void f32_activation_fma3(const ActivationParams& p, const float* x, float* y, int64_t n) {
  __m256 a = _mm256_set1_ps(p.a), b = _mm256_set1_ps(p.b), zero = _mm256_setzero_ps();
  switch (p.kind) {
    case Activation::kRelu:  // 0 > x ? 0 : x keeps NaN and -0
      return apply(x, y, n, [=](__m256 v) { return _mm256_max_ps(zero, v); });
    case Activation::kClip:  // b < max(v, a) ? b : that, as std::min(std::max(v, a), b)
      return apply(x, y, n, [=](__m256 v) { return _mm256_min_ps(b, _mm256_max_ps(a, v)); });
    case Activation::kLeakyRelu:
      return apply(x, y, n, [=](__m256 v) {
        return _mm256_blendv_ps(v, _mm256_mul_ps(a, v), _mm256_cmp_ps(v, zero, _CMP_LT_OQ));
      });
    case Activation::kHardSigmoid:
      return apply(x, y, n, [=](__m256 v) { return unit_clamp(_mm256_add_ps(_mm256_mul_ps(a, v), b)); });
    case Activation::kHardSwish:
      return apply(x, y, n, [=](__m256 v) {
        __m256 t = _mm256_add_ps(_mm256_mul_ps(_mm256_set1_ps(1.f / 6.f), v), _mm256_set1_ps(0.5f));
        return _mm256_mul_ps(v, unit_clamp(t));
      });
    case Activation::kSigmoid: return apply(x, y, n, [](__m256 v) { return sigmoid(v); });
    case Activation::kSiLU: return apply(x, y, n, [](__m256 v) { return _mm256_mul_ps(v, sigmoid(v)); });
  }
}

}  // namespace kite
