// NEON activations: 4 floats per step; the tail goes through a 4-float buffer so that every
// element takes the same instructions. Selections are written as compare-and-select, not
// vmaxq/vminq: those return NaN for a NaN operand and order -0 below +0, unlike the reference's
// comparisons (see kernels/activation.h).
#include <arm_neon.h>

#include <cmath>
#include <cstring>

#include "kernels/activation_kernels.h"
#include "kernels/exp_polynomial.h"

namespace kite {
namespace {

// (c ? a : b) per lane.
inline float32x4_t select(uint32x4_t c, float32x4_t a, float32x4_t b) { return vbslq_f32(c, a, b); }

inline float32x4_t exp_approx(float32x4_t x) {
  using namespace exp_poly;
  float32x4_t v = select(vcltq_f32(x, vdupq_n_f32(kMinInput)), vdupq_n_f32(kMinInput), x);
  v = select(vcgtq_f32(v, vdupq_n_f32(kMaxInput)), vdupq_n_f32(kMaxInput), v);
  float32x4_t n = vrndmq_f32(vaddq_f32(vmulq_f32(v, vdupq_n_f32(kLog2e)), vdupq_n_f32(0.5f)));
  float32x4_t r = vsubq_f32(v, vmulq_f32(n, vdupq_n_f32(kLn2Hi)));
  r = vsubq_f32(r, vmulq_f32(n, vdupq_n_f32(kLn2Lo)));
  float32x4_t p = vdupq_n_f32(kC7);
  p = vfmaq_f32(vdupq_n_f32(kC6), p, r);
  p = vfmaq_f32(vdupq_n_f32(kC5), p, r);
  p = vfmaq_f32(vdupq_n_f32(kC4), p, r);
  p = vfmaq_f32(vdupq_n_f32(kC3), p, r);
  p = vfmaq_f32(vdupq_n_f32(kC2), p, r);
  p = vfmaq_f32(vaddq_f32(r, vdupq_n_f32(1.f)), vmulq_f32(p, r), r);
  int32x4_t bits = vshlq_n_s32(vaddq_s32(vcvtq_s32_f32(n), vdupq_n_s32(127)), 23);
  float32x4_t y = vmulq_f32(p, vreinterpretq_f32_s32(bits));
  y = select(vcgtq_f32(x, vdupq_n_f32(kMaxInput)), vdupq_n_f32(INFINITY), y);
  y = select(vcltq_f32(x, vdupq_n_f32(kMinInput)), vdupq_n_f32(0.f), y);
  return select(vceqq_f32(x, x), y, x);  // NaN stays NaN
}

inline float32x4_t sigmoid(float32x4_t x) {
  float32x4_t one = vdupq_n_f32(1.f);
  return vdivq_f32(one, vaddq_f32(one, exp_approx(vnegq_f32(x))));
}

// (t < 1 ? t : 1), then (0 < u ? u : 0): std::max(0.f, std::min(1.f, t)), NaN becoming 1.
inline float32x4_t unit_clamp(float32x4_t t) {
  float32x4_t one = vdupq_n_f32(1.f), zero = vdupq_n_f32(0.f);
  float32x4_t u = select(vcltq_f32(t, one), t, one);
  return select(vcltq_f32(zero, u), u, zero);
}

template <typename F>
void apply(const float* x, float* y, int64_t n, F f) {
  int64_t i = 0;
  for (; i + 4 <= n; i += 4) vst1q_f32(y + i, f(vld1q_f32(x + i)));
  if (i < n) {
    float buffer[4] = {0, 0, 0, 0};
    std::memcpy(buffer, x + i, static_cast<size_t>(n - i) * sizeof(float));
    vst1q_f32(buffer, f(vld1q_f32(buffer)));
    std::memcpy(y + i, buffer, static_cast<size_t>(n - i) * sizeof(float));
  }
}

}  // namespace

void f32_activation_neon(const ActivationParams& p, const float* x, float* y, int64_t n) {
  float32x4_t a = vdupq_n_f32(p.a), b = vdupq_n_f32(p.b), zero = vdupq_n_f32(0.f);
  switch (p.kind) {
    case Activation::kRelu: return apply(x, y, n, [=](float32x4_t v) { return select(vcltq_f32(v, zero), zero, v); });
    case Activation::kClip:
      return apply(x, y, n, [=](float32x4_t v) {
        float32x4_t t = select(vcltq_f32(v, a), a, v);
        return select(vcltq_f32(b, t), b, t);
      });
    case Activation::kLeakyRelu:
      return apply(x, y, n, [=](float32x4_t v) { return select(vcltq_f32(v, zero), vmulq_f32(a, v), v); });
    case Activation::kHardSigmoid:
      return apply(x, y, n, [=](float32x4_t v) { return unit_clamp(vaddq_f32(vmulq_f32(a, v), b)); });
    case Activation::kHardSwish:
      return apply(x, y, n, [=](float32x4_t v) {
        float32x4_t t = vaddq_f32(vmulq_f32(vdupq_n_f32(1.f / 6.f), v), vdupq_n_f32(0.5f));
        return vmulq_f32(v, unit_clamp(t));
      });
    case Activation::kSigmoid: return apply(x, y, n, [](float32x4_t v) { return sigmoid(v); });
    case Activation::kSiLU: return apply(x, y, n, [](float32x4_t v) { return vmulq_f32(v, sigmoid(v)); });
  }
}

}  // namespace kite
