// fp16 <-> f32 in portable C++: core/half.h one element at a time, the definition the SIMD
// versions are tested against.
#include "core/half.h"
#include "kernels/half_convert_kernels.h"

namespace kite {

void f16_to_f32_generic(const uint16_t* src, float* dst, int64_t n) {
  for (int64_t i = 0; i < n; ++i) dst[i] = half_to_float(src[i]);
}

void f32_to_f16_generic(const float* src, uint16_t* dst, int64_t n) {
  for (int64_t i = 0; i < n; ++i) dst[i] = float_to_half(src[i]);
}

}  // namespace kite
