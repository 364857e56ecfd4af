// fp16 <-> f32 with NEON, 4 elements per instruction. The conversions (FCVTL, FCVTN) are part of
// baseline AArch64, unlike fp16 arithmetic; FCVTN rounds as FPCR says, which is nearest even
// unless a caller changed it.
#include <arm_neon.h>

#include <cstring>

#include "kernels/half_convert_kernels.h"

namespace kite {

void f16_to_f32_neon(const uint16_t* src, float* dst, int64_t n) {
  int64_t i = 0;
  for (; i + 4 <= n; i += 4) vst1q_f32(dst + i, vcvt_f32_f16(vreinterpret_f16_u16(vld1_u16(src + i))));
  if (i < n) {
    // The tail through a full vector, so that it is converted by the same instruction.
    const size_t rest = static_cast<size_t>(n - i);
    uint16_t in[4] = {};
    float out[4];
    std::memcpy(in, src + i, rest * sizeof(uint16_t));
    vst1q_f32(out, vcvt_f32_f16(vreinterpret_f16_u16(vld1_u16(in))));
    std::memcpy(dst + i, out, rest * sizeof(float));
  }
}

void f32_to_f16_neon(const float* src, uint16_t* dst, int64_t n) {
  int64_t i = 0;
  for (; i + 4 <= n; i += 4) vst1_u16(dst + i, vreinterpret_u16_f16(vcvt_f16_f32(vld1q_f32(src + i))));
  if (i < n) {
    const size_t rest = static_cast<size_t>(n - i);
    float in[4] = {};
    uint16_t out[4];
    std::memcpy(in, src + i, rest * sizeof(float));
    vst1_u16(out, vreinterpret_u16_f16(vcvt_f16_f32(vld1q_f32(in))));
    std::memcpy(dst + i, out, rest * sizeof(uint16_t));
  }
}

}  // namespace kite
