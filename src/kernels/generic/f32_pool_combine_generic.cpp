// Portable pooling combine loops (kernels/pool_combine.h), for any CPU and for the SIMD kernels'
// leftovers.
#include "kernels/pool_combine.h"

#include <cstring>
#include <limits>

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

// One pass per tap over the positions, loads unconditional (src[i + d * step] is inside the
// plane) and the compare-and-select x86's maxps (the first of equals kept), so the loops vectorize.
void f32_pool_taps_generic(PoolCombine op, float* __restrict h, const float* __restrict src, int64_t step,
                           const uint8_t* __restrict room_before, const uint8_t* __restrict room_after, int64_t before,
                           int64_t after, int64_t n) {
  const bool sum = op == PoolCombine::kSum;
  const float nothing = sum ? 0.f : -std::numeric_limits<float>::infinity();
  for (int64_t i = 0; i < n; ++i) h[i] = nothing;
  for (int64_t d = -before; d <= after; ++d) {
    const uint8_t* room = d < 0 ? room_before : room_after;
    const uint8_t reach = static_cast<uint8_t>(d < 0 ? -d : d);
    const float* tap = src + d * step;
    if (sum) {
      for (int64_t i = 0; i < n; ++i) {
        const float s = tap[i];
        h[i] = h[i] + (room[i] >= reach ? s : 0.f);
      }
    } else {
      for (int64_t i = 0; i < n; ++i) {
        const float s = room[i] >= reach ? tap[i] : nothing;
        h[i] = s > h[i] ? s : h[i];
      }
    }
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
