// Element-wise addition of two quantized uint8 tensors of the same shape (no broadcasting), the
// residual Add of quantized networks, into a third quantization:
//     y[i] = requantize_add(a[i], a_zero_point, b[i], b_zero_point, requant, y_zero_point, qmin, qmax)
// with requantize_add and make_add_requant as kernels/requantize.h defines them: the two terms
// are scaled by integer multipliers and summed exactly in int32, then requantized once, so that
// the portable, AVX2, AVX-512 and NEON kernels give the same bytes (no float a * x + b * y that one
// compiler would fuse and another not).
//
// Recipe, Add(Dequantize(A), Dequantize(B)) quantized to Y: Q8AddParams{za, zb, zy,
// make_add_requant(a_scale, b_scale, y_scale), qmin, qmax}, qmin = zy for a fused ReLU.
#pragma once
#include <cstdint>

#include "kernels/requantize.h"

namespace kite {

struct Q8AddParams {
  int32_t a_zero_point = 0, b_zero_point = 0, y_zero_point = 0;  // each in [0, 255]
  // make_add_requant(a_scale, b_scale, y_scale). Its multipliers must lie in [-2^22, 2^22], which
  // keeps (a - za) * a_multiplier + (b - zb) * b_multiplier inside an int32 (2 * 255 * 2^22 < 2^31);
  // make_add_requant gives at most 2^20 whenever both ratios to y_scale are below 2^50.
  AddRequant requant;
  int32_t qmin = 0, qmax = 255;  // output range, 0 <= qmin <= qmax <= 255
};

// y[i] for i in [0, count). y may be a or b (in place) but must not overlap them otherwise.
// Threads split the elements into ranges and call it on each. Throws kite::Error when count is
// negative, a zero point or the range is outside [0, 255] (or qmin > qmax), a multiplier is
// outside [-2^22, 2^22], or requant.scale is not positive and finite.
void add_q8(const uint8_t* a, const uint8_t* b, uint8_t* y, int64_t count, const Q8AddParams& p);

// The kernel add_q8 runs now ("q8_add_avx512", "q8_add_avx2", "q8_add_neon" or "q8_add_generic").
const char* add_q8_kernel_name();

}  // namespace kite
