// Portable pooling combine loops (kernels/pool_combine.h), for any CPU and for the SIMD kernels'
// leftovers.
#include "kernels/pool_combine.h"

#include <cstring>

namespace kite {

void f32_pool_combine_generic(PoolCombine op, float* dst, const float* src, int64_t stride, int64_t n) {
  if (op == PoolCombine::kSum) {
    for (int64_t i = 0; i < n; ++i) dst[i] += src[i * stride];
    return;
  }
  for (int64_t i = 0; i < n; ++i) {
    const float best = dst[i], v = src[i * stride];
    dst[i] = v > best || best != best ? v : best;
  }
}

// On the bits (exponent all ones, mantissa not zero), OR-ed into an int: GCC vectorizes that
// integer loop, and not the float compare `x != x`.
bool f32_has_nan_generic(const float* x, int64_t n) {
  int32_t nans = 0;
  for (int64_t i = 0; i < n; ++i) {
    uint32_t bits;
    std::memcpy(&bits, x + i, sizeof bits);
    nans |= (bits & 0x7fffffffu) > 0x7f800000u;
  }
  return nans != 0;
}

void f32_pool_window_generic(PoolCombine op, float* dst, const float* src, int64_t stride, int64_t taps,
                             int64_t tap_step, int64_t n) {
  for (int64_t i = 0; i < n; ++i) {
    const float* window = src + i * stride;
    float v = window[0];
    if (op == PoolCombine::kSum) {
      for (int64_t t = 1; t < taps; ++t) v += window[t * tap_step];
    } else {
      for (int64_t t = 1; t < taps; ++t) {
        const float next = window[t * tap_step];
        v = next > v || v != v ? next : v;
      }
    }
    dst[i] = v;
  }
}

}  // namespace kite
