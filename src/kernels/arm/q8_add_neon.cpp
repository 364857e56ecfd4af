// NEON quantized Add: 16 elements per step, as four registers of four int32 lanes.
//
// Per lane, exactly requantize_add: (a - za) * a_multiplier + (b - zb) * b_multiplier in int32
// (MUL, MLA: integer, exact), then kernels/requantize.h's requantize: SCVTF, FMUL, FMAX / FMIN
// against float(qmin - zy) and float(qmax - zy), FCVTNS (round to nearest, ties to even) and zy
// added. The narrowing to bytes never saturates, as the values are already in [qmin, qmax]. The
// last count % 16 elements go through the same code on a copy, so that nothing past the tensors
// is read or written, and y may be a or b.
#include <arm_neon.h>

#include <cstdint>

#include "kernels/q8_elementwise_kernels.h"

namespace kite {
namespace {

constexpr int kStep = 16;

struct AddConstants {
  uint8x8_t a_zero_point, b_zero_point;
  int32x4_t y_zero_point;
  int32_t a_multiplier, b_multiplier;
  float32x4_t scale, lo, hi;

  explicit AddConstants(const Q8AddParams& p)
      : a_zero_point(vdup_n_u8(static_cast<uint8_t>(p.a_zero_point))),
        b_zero_point(vdup_n_u8(static_cast<uint8_t>(p.b_zero_point))),
        y_zero_point(vdupq_n_s32(p.y_zero_point)),
        a_multiplier(p.requant.a_multiplier),
        b_multiplier(p.requant.b_multiplier),
        scale(vdupq_n_f32(p.requant.scale)),
        lo(vdupq_n_f32(static_cast<float>(p.qmin - p.y_zero_point))),
        hi(vdupq_n_f32(static_cast<float>(p.qmax - p.y_zero_point))) {}
};

int32x4_t requantize4(int32x4_t acc, const AddConstants& k) {
  float32x4_t v = vmulq_f32(vcvtq_f32_s32(acc), k.scale);
  v = vminq_f32(vmaxq_f32(v, k.lo), k.hi);
  return vaddq_s32(vcvtnq_s32_f32(v), k.y_zero_point);
}

// Eight outputs as int16 from eight bytes of a and of b. x - zero_point of two bytes, taken
// modulo 2^16, is the signed difference, in [-255, 255].
int16x8_t add_eight(uint8x8_t a, uint8x8_t b, const AddConstants& k) {
  int16x8_t da = vreinterpretq_s16_u16(vsubl_u8(a, k.a_zero_point));
  int16x8_t db = vreinterpretq_s16_u16(vsubl_u8(b, k.b_zero_point));
  int32x4_t low = vmulq_n_s32(vmovl_s16(vget_low_s16(da)), k.a_multiplier);
  int32x4_t high = vmulq_n_s32(vmovl_s16(vget_high_s16(da)), k.a_multiplier);
  low = vmlaq_n_s32(low, vmovl_s16(vget_low_s16(db)), k.b_multiplier);
  high = vmlaq_n_s32(high, vmovl_s16(vget_high_s16(db)), k.b_multiplier);
  return vcombine_s16(vmovn_s32(requantize4(low, k)), vmovn_s32(requantize4(high, k)));
}

void add_step(const uint8_t* a, const uint8_t* b, uint8_t* y, const AddConstants& k) {
  uint8x16_t va = vld1q_u8(a), vb = vld1q_u8(b);
  int16x8_t low = add_eight(vget_low_u8(va), vget_low_u8(vb), k);
  int16x8_t high = add_eight(vget_high_u8(va), vget_high_u8(vb), k);
  vst1q_u8(y, vcombine_u8(vqmovun_s16(low), vqmovun_s16(high)));
}

}  // namespace

void q8_add_neon(const uint8_t* a, const uint8_t* b, uint8_t* y, int64_t count, const Q8AddParams& p) {
  const AddConstants k(p);
  int64_t i = 0;
  for (; i + kStep <= count; i += kStep) add_step(a + i, b + i, y + i, k);
  const int64_t rest = count - i;
  if (rest == 0) return;
  uint8_t ta[kStep] = {}, tb[kStep] = {}, ty[kStep];
  for (int64_t j = 0; j < rest; ++j) {
    ta[j] = a[i + j];
    tb[j] = b[i + j];
  }
  add_step(ta, tb, ty, k);
  for (int64_t j = 0; j < rest; ++j) y[i + j] = ty[j];
}

}  // namespace kite
