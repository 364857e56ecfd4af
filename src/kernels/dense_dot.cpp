// Chooses the dense dot product loop for this CPU (kernels/dense_dot.h).
#include "kernels/dense_dot.h"

#include "kernels/cpu_features.h"

namespace kite {
namespace {

struct DenseDotKernel {
  void (*run)(const float* x, const float* w, int64_t k, int64_t rows, float* y);
  const char* name;
};

DenseDotKernel select_kernel() {
#if defined(KITE_KERNELS_X86)
  if (!generic_kernels_forced() && cpu_has_avx512()) return {f32_dense_dot_avx512, "f32_dense_dot_avx512"};
#endif
  return {f32_dense_dot_generic, "f32_dense_dot_generic"};
}

}  // namespace

void dense_dot_f32(const float* x, const float* w, int64_t k, int64_t rows, float* y) {
  select_kernel().run(x, w, k, rows, y);
}

const char* dense_dot_kernel_name() { return select_kernel().name; }

}  // namespace kite
