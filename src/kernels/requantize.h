// The one definition of kite's int8 arithmetic at the float boundary: quantizing a float,
// dequantizing a quantized value, and requantizing an exact int32 sum into the next layer's
// quantized domain. Every int8 kernel (the reference, the portable, AVX2 and NEON ones) computes
// exactly these functions, so an int8 model gives the same bytes on every CPU kite runs on.
//
// Why float and not the fixed-point multiplier of gemmlowp: one IEEE multiply, a clamp and a
// round to nearest even are the same on x86 (cvtdq2ps, mulps, cvtps2dq) and ARM (scvtf, fmul,
// fcvtns), and the scale needs no shift decomposition. The expressions hold no a * b + c a
// compiler could contract into a fused multiply-add (which would round once instead of twice).
//
// Integer sums are exact: int8 weights times uint8 activations summed over K < 2^16 terms fit an
// int32. Converting a sum above 2^24 to float rounds it, the same way everywhere (to nearest
// even). Rounding to an integer assumes the default rounding mode (to nearest, ties to even).
#pragma once
#include <algorithm>
#include <cmath>
#include <cstdint>

namespace kite {

// Rounds to the nearest integer, ties to even, for |y| <= 2^22: adding 1.5 * 2^23 leaves no
// fraction bits, so the float addition itself rounds (in the default rounding mode), and
// subtracting it back is exact. The same value as std::nearbyint, but plain arithmetic a compiler
// vectorizes, where nearbyint is a library call on baseline x86-64.
inline float round_half_even(float y) {
  constexpr float kShift = 12582912.f;  // 1.5 * 2^23
  return (y + kShift) - kShift;
}

// Whether [lo, hi] (an integer range around 0) lies where round_half_even is exact.
inline bool rounds_exactly(int64_t lo, int64_t hi) { return lo >= -(int64_t{1} << 22) && hi <= (int64_t{1} << 22); }

// y = clamp(round(acc * scale) + zero_point, qmin, qmax), the clamp done before the rounding
// (in float, where it cannot overflow an int). scale = input_scale * weight_scale / output_scale,
// positive and finite; [qmin, qmax] is the output type's range ([0, 255] for uint8, [-128, 127]
// for int8), narrowed by a fused ReLU ([zero_point, 255]) or ReLU6.
inline int32_t requantize(int32_t acc, float scale, int32_t zero_point, int32_t qmin, int32_t qmax) {
  float y = static_cast<float>(acc) * scale;
  int64_t lo = int64_t{qmin} - zero_point, hi = int64_t{qmax} - zero_point;
  y = std::min(std::max(y, static_cast<float>(lo)), static_cast<float>(hi));
  float r = rounds_exactly(lo, hi) ? round_half_even(y) : std::nearbyint(y);
  return static_cast<int32_t>(r) + zero_point;
}

// ONNX QuantizeLinear: clamp(round(x / scale) + zero_point, qmin, qmax), round half to even.
// The division is a division (not a multiply by 1/scale) so that it matches ONNX to the bit.
// NaN quantizes to zero_point; infinities saturate.
inline int32_t quantize_value(float x, float scale, int32_t zero_point, int32_t qmin, int32_t qmax) {
  float y = x / scale;
  if (y != y) y = 0.f;
  int64_t lo = int64_t{qmin} - zero_point, hi = int64_t{qmax} - zero_point;
  y = std::min(std::max(y, static_cast<float>(lo)), static_cast<float>(hi));
  float r = rounds_exactly(lo, hi) ? round_half_even(y) : std::nearbyint(y);
  return static_cast<int32_t>(r) + zero_point;
}

// quantize_value(x[i], scale, zero_point, 0, 255) for a block: a uint8 range always lies where
// round_half_even is exact, so the loop has no branch and vectorizes (the network's input is
// quantized this way: 150k values for a 224x224 image). Compiled once, in requantize.cpp, so that
// every caller runs the vectorized loop.
void quantize_u8_block(const float* x, uint8_t* y, int64_t count, float scale, int32_t zero_point);

// y[i] = requantize(acc[i], scale, zero_point, qmin, qmax) for a block of uint8 outputs
// (0 <= qmin <= qmax <= 255): the same values, in a loop that vectorizes (the int8 Winograd output
// transform's). Compiled once, in requantize.cpp.
void requantize_u8_block(const int32_t* acc, uint8_t* y, int64_t count, float scale, int32_t zero_point, int32_t qmin,
                         int32_t qmax);

// ONNX DequantizeLinear: (q - zero_point) * scale; the subtraction is exact in int32.
inline float dequantize_value(int32_t q, float scale, int32_t zero_point) {
  return static_cast<float>(q - zero_point) * scale;
}

// The scale a convolution or matrix product requantizes its int32 sums with (per output channel
// for per-channel weights): computed once, at load, the same way on every CPU.
inline float product_requant_scale(float input_scale, float weight_scale, float output_scale) {
  return input_scale * weight_scale / output_scale;
}

// The scale an average over `count` quantized values requantizes its int32 sum with.
inline float average_requant_scale(float input_scale, float output_scale, int64_t count) {
  return input_scale / (output_scale * static_cast<float>(count));
}

// Adding two quantized tensors: y = (a - za) * sa / sy + (b - zb) * sb / sy, rounded. A float
// a * x + b * y could be fused into a multiply-add by one compiler and not by another, so the
// sum is taken in integers instead: both ratios become int32 multipliers over a common power of
// two (about 20 significant bits for the larger one, far below half a step of error), the
// products are summed exactly, and requantize() applies the power of two.
struct AddRequant {
  int32_t a_multiplier = 0;
  int32_t b_multiplier = 0;
  float scale = 1.f;  // 2^-shift, exact
};

inline AddRequant make_add_requant(float a_scale, float b_scale, float output_scale) {
  double ra = static_cast<double>(a_scale) / static_cast<double>(output_scale);
  double rb = static_cast<double>(b_scale) / static_cast<double>(output_scale);
  int exponent = 0;
  std::frexp(std::max(ra, rb), &exponent);  // max(ra, rb) < 2^exponent
  // (a - za) spans 9 bits, so two products of 9 + 21 bits stay inside an int32.
  int shift = std::min(std::max(20 - exponent, -30), 60);
  AddRequant r;
  // Clamped before the conversion: a ratio beyond 2^50 (which the callers refuse) stays defined.
  auto multiplier = [shift](double ratio) {
    return static_cast<int32_t>(std::lround(std::min(std::ldexp(ratio, shift), 2147483647.0)));
  };
  r.a_multiplier = multiplier(ra);
  r.b_multiplier = multiplier(rb);
  r.scale = static_cast<float>(std::ldexp(1.0, -shift));
  return r;
}

// qa, qb: the two inputs' quantized values (uint8 or int8, widened).
inline int32_t requantize_add(int32_t qa, int32_t za, int32_t qb, int32_t zb, const AddRequant& r, int32_t zero_point,
                              int32_t qmin, int32_t qmax) {
  int32_t acc = (qa - za) * r.a_multiplier + (qb - zb) * r.b_multiplier;
  return requantize(acc, r.scale, zero_point, qmin, qmax);
}

}  // namespace kite
