// Picks the fp16 <-> f32 conversion for this CPU.
#include "kernels/half_convert.h"

#include "kernels/cpu_features.h"
#include "kernels/half_convert_kernels.h"

namespace kite {
namespace {

struct HalfConvertKernel {
  void (*to_f32)(const uint16_t*, float*, int64_t);
  void (*to_f16)(const float*, uint16_t*, int64_t);
  const char* name;
};

HalfConvertKernel select_kernel() {
#if defined(KITE_KERNELS_X86)
  // The F16C file is compiled with AVX2 too (as all of kernels/x86), so it needs both.
  if (!generic_kernels_forced() && cpu_has_f16c() && cpu_has_avx2_fma())
    return {f16_to_f32_f16c, f32_to_f16_f16c, "half_convert_f16c"};
#endif
#if defined(KITE_KERNELS_ARM)
  if (!generic_kernels_forced() && cpu_has_neon()) return {f16_to_f32_neon, f32_to_f16_neon, "half_convert_neon"};
#endif
  return {f16_to_f32_generic, f32_to_f16_generic, "half_convert_generic"};
}

}  // namespace

void f16_to_f32(const uint16_t* src, float* dst, int64_t n) { select_kernel().to_f32(src, dst, n); }

void f32_to_f16(const float* src, uint16_t* dst, int64_t n) { select_kernel().to_f16(src, dst, n); }

const char* half_convert_kernel_name() { return select_kernel().name; }

}  // namespace kite
