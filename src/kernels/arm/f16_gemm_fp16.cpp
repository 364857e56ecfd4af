// The fp16-arithmetic GEMM microkernel for ARMv8.2 FP16 (FMLA on 8 half-precision lanes): a 6 x 16
// tile in 12 accumulators (6 rows x 2 vectors of 8 columns). Per k it loads the panel's 6 weights
// as one vector (2 lanes spill into the next k, unused), the B panel's 16 values as two, and
// multiplies each B vector by a weight taken from its lane (FMLA by element): one rounding to
// fp16 per multiply-add, k in order, as kernels/f16_gemm.h defines the sum.
//
// The epilogue widens the sums to f32 (FCVTL), adds the bias and the residual and clamps in f32.
// An element whose fp16 sum is not finite is not stored but marked, and the driver computes it
// again in f32.
//
// Only this file is compiled with +fp16 (CMakeLists.txt); it is called only where the CPU has it.
#include <arm_neon.h>

#include <algorithm>

#include "kernels/f16_gemm_microkernel.h"

#define KITE_UNROLL_TILE _Pragma("GCC unroll 8")

namespace kite {
namespace {

constexpr int kRows = kF16TileRows;
constexpr int kLanes = 8;
static_assert(kF16TileColumns == 2 * kLanes, "a tile row is two vectors");

template <int kRow, int kVectors>
void multiply_add_row(float16x8_t (&sum)[kRows][kVectors], float16x8_t a, const float16x8_t (&b)[kVectors]) {
  sum[kRow][0] = vfmaq_laneq_f16(sum[kRow][0], b[0], a, kRow);
  if constexpr (kVectors == 2) sum[kRow][1] = vfmaq_laneq_f16(sum[kRow][1], b[1], a, kRow);
}

// Sums in a local array for the loop, so that GCC keeps them in registers.
template <int kVectors>
void accumulate(const float16_t* a, const float16_t* b, int64_t depth, float16x8_t (&acc)[kRows][kVectors]) {
  float16x8_t sum[kRows][kVectors];
  KITE_UNROLL_TILE for (int r = 0; r < kRows; ++r)
    KITE_UNROLL_TILE for (int v = 0; v < kVectors; ++v) sum[r][v] = vdupq_n_f16(0);
  for (int64_t k = 0; k < depth; ++k) {
    const float16x8_t a_k = vld1q_f16(a);
    float16x8_t b_k[kVectors];
    KITE_UNROLL_TILE for (int v = 0; v < kVectors; ++v) b_k[v] = vld1q_f16(b + v * kLanes);
    multiply_add_row<0>(sum, a_k, b_k);
    multiply_add_row<1>(sum, a_k, b_k);
    multiply_add_row<2>(sum, a_k, b_k);
    multiply_add_row<3>(sum, a_k, b_k);
    multiply_add_row<4>(sum, a_k, b_k);
    multiply_add_row<5>(sum, a_k, b_k);
    a += kRows;
    b += kF16TileColumns;
  }
  KITE_UNROLL_TILE for (int r = 0; r < kRows; ++r)
    KITE_UNROLL_TILE for (int v = 0; v < kVectors; ++v) acc[r][v] = sum[r][v];
}

// Lanes whose sum is finite: an infinity or a NaN has every exponent bit set.
inline uint16x8_t finite_lanes(float16x8_t sum) {
  const uint16x8_t exponent = vdupq_n_u16(0x7C00);
  return vmvnq_u16(vceqq_u16(vandq_u16(vreinterpretq_u16_f16(sum), exponent), exponent));
}

// One row's 8 columns from column `j0`: f32 epilogue, then stored (through a buffer where fewer
// than 8 columns exist or a lane is not finite, so that nothing past C's row, and no element
// left to the driver, is written). Returns the mask of the row's unfinished columns.
uint16_t store_row_vector(const F16Tile& t, int r, int j0, float16x8_t sum, float bias) {
  const int count = static_cast<int>(std::min<int64_t>(t.columns - j0, kLanes));  // this vector's columns that exist
  if (count <= 0) return 0;
  const uint16x8_t finite = finite_lanes(sum);
  uint16_t lanes_finite[kLanes];
  vst1q_u16(lanes_finite, finite);
  uint16_t unfinished = 0;
  for (int j = 0; j < count; ++j)
    if (!lanes_finite[j]) unfinished = static_cast<uint16_t>(unfinished | (1u << (j0 + j)));
  float32x4_t y[2] = {vcvt_f32_f16(vget_low_f16(sum)), vcvt_high_f32_f16(sum)};
  const float* residual = t.residual ? t.residual + r * t.ldr + j0 : nullptr;
  float* c = t.c + r * t.ldc + j0;
  float buffer[kLanes] = {};
  if (residual && count < kLanes) {
    for (int j = 0; j < count; ++j) buffer[j] = residual[j];
    residual = buffer;
  }
  const float32x4_t lo = vdupq_n_f32(t.min), hi = vdupq_n_f32(t.max), b = vdupq_n_f32(bias);
  for (int h = 0; h < 2; ++h) {
    if (t.row_bias) y[h] = vaddq_f32(y[h], b);
    if (residual && 4 * h < count) y[h] = vaddq_f32(y[h], vld1q_f32(residual + 4 * h));
    y[h] = vminq_f32(vmaxq_f32(y[h], lo), hi);
  }
  if (count == kLanes && unfinished == 0) {
    vst1q_f32(c, y[0]);
    vst1q_f32(c + 4, y[1]);
    return 0;
  }
  vst1q_f32(buffer, y[0]);
  vst1q_f32(buffer + 4, y[1]);
  for (int j = 0; j < count; ++j)
    if (lanes_finite[j]) c[j] = buffer[j];
  return unfinished;
}

template <int kVectors>
bool tile_fp16(const F16Tile& t) {
  float16x8_t acc[kRows][kVectors];
  accumulate(reinterpret_cast<const float16_t*>(t.a), reinterpret_cast<const float16_t*>(t.b), t.depth, acc);
  bool any = false;
  for (int r = 0; r < t.rows; ++r) {
    const float bias = t.row_bias ? t.row_bias[r] : 0.0f;
    uint16_t unfinished = 0;
    KITE_UNROLL_TILE for (int v = 0; v < kVectors; ++v)
      unfinished = static_cast<uint16_t>(unfinished | store_row_vector(t, r, v * kLanes, acc[r][v], bias));
    t.unfinished[r] = unfinished;
    any = any || unfinished != 0;
  }
  return any;
}

}  // namespace

bool f16_gemm_6x16_neonfp16(const F16Tile& t) {
  // Returns whether any element was left unfinished.
  if (t.columns > kLanes) return tile_fp16<2>(t);
  return tile_fp16<1>(t);
}

void f16_pack_b_row_neonfp16(const float* row, int64_t panels, int64_t panel_stride, uint16_t* dst) {
  for (int64_t p = 0; p < panels; ++p, row += kF16TileColumns, dst += panel_stride) {
    float16_t* out = reinterpret_cast<float16_t*>(dst);
    vst1q_f16(out, vcombine_f16(vcvt_f16_f32(vld1q_f32(row)), vcvt_f16_f32(vld1q_f32(row + 4))));
    vst1q_f16(out + 8, vcombine_f16(vcvt_f16_f32(vld1q_f32(row + 8)), vcvt_f16_f32(vld1q_f32(row + 12))));
  }
}

}  // namespace kite
