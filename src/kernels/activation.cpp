// Picks the activation implementation for this CPU.
#include "kernels/activation.h"

#include "kernels/activation_kernels.h"
#include "kernels/cpu_features.h"

namespace kite {
namespace {

struct ActivationKernel {
  void (*run)(const ActivationParams&, const float*, float*, int64_t);
  const char* name;
};

ActivationKernel select_kernel() {
#if defined(KITE_KERNELS_X86)
  if (!generic_kernels_forced() && cpu_has_avx512()) return {f32_activation_avx512, "f32_activation_avx512"};
  if (!generic_kernels_forced() && cpu_has_avx2_fma()) return {f32_activation_fma3, "f32_activation_fma3"};
#endif
#if defined(KITE_KERNELS_ARM)
  if (!generic_kernels_forced() && cpu_has_neon()) return {f32_activation_neon, "f32_activation_neon"};
#endif
  return {f32_activation_generic, "f32_activation_generic"};
}

}  // namespace

void activation_f32(const ActivationParams& p, const float* x, float* y, int64_t n) { select_kernel().run(p, x, y, n); }

const char* activation_kernel_name() { return select_kernel().name; }

}  // namespace kite
