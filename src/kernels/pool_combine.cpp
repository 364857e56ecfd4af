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

namespace {

// Whether the AVX-512 loops run (x86-64 CPUs that have AVX-512, unless tests force the portable
// ones).
bool use_avx512() {
#if defined(KITE_KERNELS_X86)
  return !generic_kernels_forced() && cpu_has_avx512();
#else
  return false;
#endif
}

// The AVX-512 window lines take strides 1 and 2 (the latter along a row: tap_step 1).
bool avx512_window_line(int64_t stride, int64_t tap_step) {
  return use_avx512() && (stride == 1 || (stride == 2 && tap_step == 1));
}

}  // namespace

void pool_window_f32(PoolCombine op, float* dst, const float* src, int64_t stride, int64_t taps, int64_t tap_step,
                     int64_t n) {
  if (n <= 0 || taps <= 0) return;
#if defined(KITE_KERNELS_X86)
  if (avx512_window_line(stride, tap_step)) return f32_pool_window_avx512(op, dst, src, stride, taps, tap_step, n);
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

bool pool_window_max_checked_f32(float* dst, const float* src, int64_t stride, int64_t taps, int64_t tap_step,
                                 int64_t n) {
  if (n <= 0 || taps <= 0) return false;
#if defined(KITE_KERNELS_X86)
  if (avx512_window_line(stride, tap_step)) return f32_pool_window_max_checked_avx512(dst, src, stride, taps, tap_step, n);
#endif
  // Each tap's stretch of the line, from its first element read to its last (a tap_step of 1
  // makes them one stretch).
  bool nan = false;
  if (tap_step == 1) {
    nan = f32_has_nan(src, (n - 1) * stride + taps);
  } else {
    for (int64_t t = 0; t < taps && !nan; ++t) nan = f32_has_nan(src + t * tap_step, (n - 1) * stride + 1);
  }
  pool_window_f32(nan ? PoolCombine::kMax : PoolCombine::kMaxNoNan, dst, src, stride, taps, tap_step, n);
  return nan;
}

void pool_plane_f32(PoolCombine op, const PoolPlaneWindow& g, const float* x, float* y) {
  if (g.out_h <= 0 || g.out_w <= 0) return;
#if defined(KITE_KERNELS_X86)
  if (avx512_window_line(g.stride_w, 1)) return f32_pool_plane_avx512(op, g, x, y);
  if (!generic_kernels_forced() && cpu_has_avx2_fma() && (g.stride_w == 1 || g.stride_w == 2))
    return f32_pool_plane_avx2(op, g, x, y);
#endif
  // Elsewhere (NEON, the portable loops, strides of 3 and more) line by line: each output row's
  // first row of taps in one pool_window_f32 call, then one pool_combine_f32 pass per tap of the
  // other rows, in order.
  for (int64_t oh = 0; oh < g.out_h; ++oh) {
    const float* window = x + oh * g.stride_h * g.width;
    float* row = y + oh * g.out_w;
    pool_window_f32(op, row, window, g.stride_w, g.kernel_w, 1, g.out_w);
    for (int64_t ky = 1; ky < g.kernel_h; ++ky)
      for (int64_t kx = 0; kx < g.kernel_w; ++kx)
        pool_combine_f32(op, row, window + ky * g.width + kx, g.stride_w, g.out_w);
  }
}

void pool_taps_f32(PoolCombine op, float* h, const float* src, int64_t step, const uint8_t* room_before,
                   const uint8_t* room_after, int64_t before, int64_t after, int64_t n) {
#if defined(KITE_KERNELS_X86)
  if (use_avx512()) return f32_pool_taps_avx512(op, h, src, step, room_before, room_after, before, after, n);
  if (!generic_kernels_forced() && cpu_has_avx2_fma())
    return f32_pool_taps_avx2(op, h, src, step, room_before, room_after, before, after, n);
#endif
  // NEON: GCC vectorizes it (AArch64's baseline)
  f32_pool_taps_generic(op, h, src, step, room_before, room_after, before, after, n);
}

bool f32_has_nan(const float* x, int64_t n) {
#if defined(KITE_KERNELS_X86)
  if (!generic_kernels_forced() && cpu_has_avx2_fma()) return f32_has_nan_avx2(x, n);
#endif
  return f32_has_nan_generic(x, n);  // NEON: GCC vectorizes it (AArch64's baseline)
}

const char* pool_window_kernel_name() {
  if (use_avx512()) return "f32_pool_window_avx512";
  return pool_combine_kernel_name();
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
