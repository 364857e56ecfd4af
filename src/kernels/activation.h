// Element-wise activations over f32 arrays, for the runtime's unary kernels: the ones whose
// reference calls libm (Sigmoid, SiLU) get a vectorized exp; the piecewise-linear ones are
// plain loops the compiler vectorizes. The implementation (AVX-512, or AVX2+FMA, where the CPU
// has it, portable C++ otherwise) is chosen at run time; see kernels/cpu_features.h.
//
// Accuracy: exp is evaluated as 2^n * p(r), r = x - n ln2 in [-ln2/2, ln2/2], p a degree-7
// polynomial (kernels/exp_polynomial.h), and Sigmoid(x) = 1 / (1 + exp(-x)) with an exact
// division: Sigmoid and SiLU within 2e-6 relative of the exact value (tested over [-100, 100]).
// Results do not depend on n or on the position of an element in the array, so splitting an
// array across threads changes nothing.
#pragma once
#include <cstdint>

namespace kite {

enum class Activation {
  kRelu,         // max(x, 0), NaN passes through
  kClip,         // min(max(x, a), b)
  kLeakyRelu,    // x < 0 ? a * x : x
  kHardSigmoid,  // max(0, min(1, a * x + b))
  kHardSwish,    // x * max(0, min(1, x / 6 + 1 / 2))
  kSigmoid,      // 1 / (1 + exp(-x))
  kSiLU,         // x * sigmoid(x), also called swish
};

struct ActivationParams {
  Activation kind = Activation::kRelu;
  float a = 0, b = 0;
};

// y[i] = f(x[i]) for i in [0, n). x and y may be the same array.
void activation_f32(const ActivationParams& p, const float* x, float* y, int64_t n);

// "f32_activation_avx512", "f32_activation_fma3", "f32_activation_neon" or "f32_activation_generic".
const char* activation_kernel_name();

}  // namespace kite
