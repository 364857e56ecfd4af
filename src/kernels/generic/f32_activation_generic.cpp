// Portable activations: the same formulas as the SIMD versions, one element at a time.
#include <algorithm>
#include <cmath>
#include <cstring>

#include "kernels/activation_kernels.h"
#include "kernels/exp_polynomial.h"

namespace kite {
namespace {

float exp_approx(float x) {
  using namespace exp_poly;
  if (std::isnan(x)) return x;
  // Past these bounds the result overflows to infinity or is (nearly) zero: say so, so that
  // 1 / (1 + exp(-x)) becomes exactly 0 or 1 there.
  if (x > kMaxInput) return INFINITY;
  if (x < kMinInput) return 0.f;
  float n = std::floor(x * kLog2e + 0.5f);
  float r = x - n * kLn2Hi;
  r = r - n * kLn2Lo;
  float p = kC7;
  for (float c : {kC6, kC5, kC4, kC3, kC2}) p = p * r + c;
  p = p * r * r + r + 1.f;
  // 2^n as a float's exponent field; n is in [-126, 127] after the clamp.
  int32_t bits = (static_cast<int32_t>(n) + 127) << 23;
  float scale;
  std::memcpy(&scale, &bits, sizeof scale);
  return p * scale;
}

float sigmoid(float x) { return 1.f / (1.f + exp_approx(-x)); }

template <typename F>
void apply(const float* x, float* y, int64_t n, F f) {
  for (int64_t i = 0; i < n; ++i) y[i] = f(x[i]);
}

}  // namespace

void f32_activation_generic(const ActivationParams& p, const float* x, float* y, int64_t n) {
  float a = p.a, b = p.b;
  switch (p.kind) {
    case Activation::kRelu: return apply(x, y, n, [](float v) { return v < 0.f ? 0.f : v; });
    case Activation::kClip:  // as std::min(std::max(v, a), b): NaN passes, a > b gives b
      return apply(x, y, n, [=](float v) {
        float t = v < a ? a : v;
        return b < t ? b : t;
      });
    case Activation::kLeakyRelu: return apply(x, y, n, [=](float v) { return v < 0.f ? a * v : v; });
    case Activation::kHardSigmoid:
      return apply(x, y, n, [=](float v) { return std::max(0.f, std::min(1.f, a * v + b)); });
    case Activation::kHardSwish:
      return apply(x, y, n, [](float v) { return v * std::max(0.f, std::min(1.f, v * (1.f / 6.f) + 0.5f)); });
    case Activation::kSigmoid: return apply(x, y, n, sigmoid);
    case Activation::kSiLU: return apply(x, y, n, [](float v) { return v * sigmoid(v); });
  }
}

}  // namespace kite
