// Chooses block_mean_f32's lane loop for this CPU and finishes the sum (kernels/block_mean.h).
#include "kernels/block_mean.h"

#include "kernels/cpu_features.h"

namespace kite {
namespace {

using LanesFn = int64_t (*)(const float*, int64_t, double*);

LanesFn lanes_kernel() {
#if defined(KITE_KERNELS_X86)
  if (!generic_kernels_forced() && cpu_has_avx512()) return f32_block_mean_lanes_avx512;
  if (!generic_kernels_forced() && cpu_has_avx2_fma()) return f32_block_mean_lanes_fma3;
#endif
  return f32_block_mean_lanes_generic;  // NEON: GCC vectorizes it (AArch64's baseline)
}

}  // namespace

float block_mean_f32(const float* x, int64_t n) {
  double lanes[32];
  int64_t i = lanes_kernel()(x, n, lanes);
  double sum = 0;
  for (double lane : lanes) sum += lane;
  for (; i < n; ++i) sum += x[i];
  return static_cast<float>(sum / static_cast<double>(n));
}

const char* block_mean_kernel_name() {
#if defined(KITE_KERNELS_X86)
  const LanesFn k = lanes_kernel();
  if (k == f32_block_mean_lanes_avx512) return "f32_block_mean_avx512";
  if (k == f32_block_mean_lanes_fma3) return "f32_block_mean_fma3";
  return "f32_block_mean_generic";
#else
  return "";
#endif
}

}  // namespace kite
