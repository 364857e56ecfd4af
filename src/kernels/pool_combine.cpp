// Chooses the pooling combine loop for this CPU (kernels/pool_combine.h).
#include "kernels/pool_combine.h"

#include "kernels/cpu_features.h"

namespace kite {

void pool_combine_f32(PoolCombine op, float* dst, const float* src, int64_t stride, int64_t n) {
#if defined(KITE_KERNELS_X86)
  if (!generic_kernels_forced() && cpu_has_avx2_fma()) return f32_pool_combine_avx2(op, dst, src, stride, n);
#endif
#if defined(KITE_KERNELS_ARM)
  if (!generic_kernels_forced() && cpu_has_neon()) return f32_pool_combine_neon(op, dst, src, stride, n);
#endif
  f32_pool_combine_generic(op, dst, src, stride, n);
}

void pool_window_f32(PoolCombine op, float* dst, const float* src, int64_t stride, int64_t taps, int64_t tap_step,
                     int64_t n) {
  if (n <= 0 || taps <= 0) return;
#if defined(KITE_KERNELS_X86)
  if (!generic_kernels_forced() && cpu_has_avx2_fma()) return f32_pool_window_avx2(op, dst, src, stride, taps, tap_step, n);
#endif
#if defined(KITE_KERNELS_ARM)
  // NEON: the first tap copied, then one combine pass per tap (the NEON loops of pool_combine_f32).
  if (!generic_kernels_forced() && cpu_has_neon()) {
    for (int64_t i = 0; i < n; ++i) dst[i] = src[i * stride];
    for (int64_t t = 1; t < taps; ++t) f32_pool_combine_neon(op, dst, src + t * tap_step, stride, n);
    return;
  }
#endif
  f32_pool_window_generic(op, dst, src, stride, taps, tap_step, n);
}

void max_tap_f32(float* h, const float* src, const uint8_t* room, uint8_t reach, int64_t n) {
#if defined(KITE_KERNELS_X86)
  if (!generic_kernels_forced() && cpu_has_avx2_fma()) return f32_max_tap_avx2(h, src, room, reach, n);
#endif
  f32_max_tap_generic(h, src, room, reach, n);  // NEON: GCC vectorizes it (AArch64's baseline)
}

bool f32_has_nan(const float* x, int64_t n) {
#if defined(KITE_KERNELS_X86)
  if (!generic_kernels_forced() && cpu_has_avx2_fma()) return f32_has_nan_avx2(x, n);
#endif
  return f32_has_nan_generic(x, n);  // NEON: GCC vectorizes it (AArch64's baseline)
}

const char* pool_combine_kernel_name() {
#if defined(KITE_KERNELS_X86)
  if (!generic_kernels_forced() && cpu_has_avx2_fma()) return "f32_pool_combine_avx2";
#endif
#if defined(KITE_KERNELS_ARM)
  if (!generic_kernels_forced() && cpu_has_neon()) return "f32_pool_combine_neon";
#endif
  return "f32_pool_combine_generic";
}

}  // namespace kite
