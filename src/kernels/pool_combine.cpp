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
