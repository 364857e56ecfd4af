// NEON pooling combine loops (kernels/pool_combine.h): 8 outputs per step, stride 1 with plain
// loads, stride 2 (3x3 / 2 windows, the common pooling layer) with LD2, which de-interleaves the
// even elements into one register. The maximum is a compare and a select (FCMGT, FCMEQ for the
// NaN test, BSL), the sum FADD: the same bits as the portable loop.
#include <arm_neon.h>

#include "kernels/pool_combine.h"

namespace kite {
namespace {

inline float32x4_t combine_max(float32x4_t best, float32x4_t v) {
  const uint32x4_t take = vorrq_u32(vcgtq_f32(v, best), vmvnq_u32(vceqq_f32(best, best)));
  return vbslq_f32(take, v, best);
}

template <PoolCombine kOp>
inline float32x4_t combine(float32x4_t a, float32x4_t b) {
  if constexpr (kOp == PoolCombine::kMax) return combine_max(a, b);
  else return vaddq_f32(a, b);
}

template <PoolCombine kOp, int kStride>
inline float32x4_t load(const float* src) {
  if constexpr (kStride == 1) return vld1q_f32(src);
  else return vld2q_f32(src).val[0];
}

template <PoolCombine kOp, int kStride>
void combine_row(float* dst, const float* src, int64_t n) {
  int64_t i = 0;
  // LD2 reads 8 consecutive floats for 4 outputs: the last of them, src[2 (i + 3) + 1], one past
  // the element the window needs; the loop stops before a step would read past src[2 (n - 1)].
  const int64_t vector_end = kStride == 1 ? n : n - 1;
  for (; i + 8 <= vector_end; i += 8) {
    const float32x4_t a = combine<kOp>(vld1q_f32(dst + i), load<kOp, kStride>(src + i * kStride));
    const float32x4_t b = combine<kOp>(vld1q_f32(dst + i + 4), load<kOp, kStride>(src + (i + 4) * kStride));
    vst1q_f32(dst + i, a);
    vst1q_f32(dst + i + 4, b);
  }
  for (; i + 4 <= vector_end; i += 4)
    vst1q_f32(dst + i, combine<kOp>(vld1q_f32(dst + i), load<kOp, kStride>(src + i * kStride)));
  if (i < n) f32_pool_combine_generic(kOp, dst + i, src + i * kStride, kStride, n - i);
}

}  // namespace

void f32_pool_combine_neon(PoolCombine op, float* dst, const float* src, int64_t stride, int64_t n) {
  // Any op but kSum is a maximum (kMaxNoNan too: the compare-and-select gives its results).
  if (stride == 1) {
    if (op == PoolCombine::kSum) combine_row<PoolCombine::kSum, 1>(dst, src, n);
    else combine_row<PoolCombine::kMax, 1>(dst, src, n);
  } else if (stride == 2) {
    if (op == PoolCombine::kSum) combine_row<PoolCombine::kSum, 2>(dst, src, n);
    else combine_row<PoolCombine::kMax, 2>(dst, src, n);
  } else {
    f32_pool_combine_generic(op, dst, src, stride, n);
  }
}

}  // namespace kite
