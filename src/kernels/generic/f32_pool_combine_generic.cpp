// Portable pooling combine loops (kernels/pool_combine.h), for any CPU and for the SIMD kernels'
// leftovers.
#include "kernels/pool_combine.h"

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

}  // namespace kite
