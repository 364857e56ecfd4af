// Chooses the dense dot product loop for this CPU (kernels/dense_dot.h).
#include "kernels/dense_dot.h"

#include "kernels/cpu_features.h"

namespace kite {

void dense_dot_f32(const float* x, const float* w, int64_t k, int64_t rows, float* y) {
#if defined(KITE_KERNELS_X86)
  if (!generic_kernels_forced() && cpu_has_avx512()) return f32_dense_dot_avx512(x, w, k, rows, y);
#endif
  f32_dense_dot_generic(x, w, k, rows, y);
}

const char* dense_dot_kernel_name() {
#if defined(KITE_KERNELS_X86)
  if (!generic_kernels_forced() && cpu_has_avx512()) return "f32_dense_dot_avx512";
#endif
  return "f32_dense_dot_generic";
}

}  // namespace kite
