// The NEON int8 microkernel: a 6 x 16 tile of int32 sums in 24 of the 32 q registers (6 rows x 4
// vectors of 4 columns). Per pair of k it loads the A panel's 12 int16 (each row's pair; rows 0-3
// in a q register, rows 4-5 in a d register) and the B panel's 16 columns x 2 int16 with two
// de-interleaving loads (LD2: the even k of 8 columns in one register, the odd k in another), then
// multiplies each B half-vector by an A value taken from its lane and adds the widened products
// into int32 (SMLAL / SMLAL2 by element): exact, whatever the values (|a| <= 128,
// |b - zb| <= 255; both up to 2^13 for gemm_s16_panel).
//
// The requantization is requantize() (kernels/requantize.h) lane by lane: SCVTF, FMUL, FMAX /
// FMIN against (qmin - zp, qmax - zp) (no NaN can reach them), FCVTNS (round to nearest even),
// + zp; the values are then in [0, 255], so narrowing with saturation changes nothing.
//
// Plain ARMv8.0-A: Advanced SIMD is always there on AArch64, so this file needs no extra flags.
#include <arm_neon.h>

#include "kernels/arm/q8_gemm_store_neon.h"
#include "kernels/q8_gemm_microkernel.h"

namespace kite {
namespace {

using q8_neon::kLanes;
using q8_neon::kRows;
using q8_neon::store_q8_tile;
static_assert(kRows == 6, "accumulate() names the six rows' lanes one by one");

// The pair of k of one row of A, as the register and lanes SMLAL by element reads it from (the
// lane must be a constant, hence the row as a template argument).
template <int kRow>
int32x4_t multiply_add_low(int32x4_t acc, int16x4_t b0, int16x4_t b1, int16x8_t a_low, int16x4_t a_high) {
  if constexpr (kRow < 4) {
    acc = vmlal_laneq_s16(acc, b0, a_low, 2 * kRow);
    return vmlal_laneq_s16(acc, b1, a_low, 2 * kRow + 1);
  } else {
    acc = vmlal_lane_s16(acc, b0, a_high, 2 * (kRow - 4));
    return vmlal_lane_s16(acc, b1, a_high, 2 * (kRow - 4) + 1);
  }
}

template <int kRow>
int32x4_t multiply_add_high(int32x4_t acc, int16x8_t b0, int16x8_t b1, int16x8_t a_low, int16x4_t a_high) {
  if constexpr (kRow < 4) {
    acc = vmlal_high_laneq_s16(acc, b0, a_low, 2 * kRow);
    return vmlal_high_laneq_s16(acc, b1, a_low, 2 * kRow + 1);
  } else {
    acc = vmlal_high_lane_s16(acc, b0, a_high, 2 * (kRow - 4));
    return vmlal_high_lane_s16(acc, b1, a_high, 2 * (kRow - 4) + 1);
  }
}

// Columns [8 kHalf, 8 kHalf + 8) of one row (or only the first 4 where the tile has one vector).
// b.val[0] holds those columns' even k, b.val[1] their odd k.
template <int kRow, int kHalf, int kVectors>
void accumulate_row(int32x4_t (&sum)[kRows][kVectors], int16x8_t a_low, int16x4_t a_high, const int16x8x2_t& b) {
  constexpr int q = 2 * kHalf;
  sum[kRow][q] = multiply_add_low<kRow>(sum[kRow][q], vget_low_s16(b.val[0]), vget_low_s16(b.val[1]), a_low, a_high);
  if constexpr (kVectors > q + 1)
    sum[kRow][q + 1] = multiply_add_high<kRow>(sum[kRow][q + 1], b.val[0], b.val[1], a_low, a_high);
}

template <int kHalf, int kVectors>
void accumulate_half(int32x4_t (&sum)[kRows][kVectors], int16x8_t a_low, int16x4_t a_high, const int16_t* b) {
  const int16x8x2_t b_half = vld2q_s16(b + 16 * kHalf);
  accumulate_row<0, kHalf>(sum, a_low, a_high, b_half);
  accumulate_row<1, kHalf>(sum, a_low, a_high, b_half);
  accumulate_row<2, kHalf>(sum, a_low, a_high, b_half);
  accumulate_row<3, kHalf>(sum, a_low, a_high, b_half);
  accumulate_row<4, kHalf>(sum, a_low, a_high, b_half);
  accumulate_row<5, kHalf>(sum, a_low, a_high, b_half);
}

// The sums are copied into a local array for the loop: accumulating into the caller's array, GCC
// stores all 24 registers back to it on every pair of k. The two halves of the B panel's pair
// are loaded one after the other, so that 24 sums, 2 registers of A and 2 of B fit the 32.
template <int kVectors>
void accumulate(const int16_t* a, const int16_t* b, int64_t pairs, int32x4_t (&acc)[kRows][kVectors]) {
  int32x4_t sum[kRows][kVectors];
  KITE_UNROLL_TILE for (int r = 0; r < kRows; ++r)
    KITE_UNROLL_TILE for (int q = 0; q < kVectors; ++q) sum[r][q] = acc[r][q];
  for (int64_t p = 0; p < pairs; ++p) {
    const int16x8_t a_low = vld1q_s16(a);
    const int16x4_t a_high = vld1_s16(a + 8);
    accumulate_half<0>(sum, a_low, a_high, b);
    if constexpr (kVectors == 4) accumulate_half<1>(sum, a_low, a_high, b);
    a += kRows * 2;
    b += kQ8PanelPairStride;
  }
  KITE_UNROLL_TILE for (int r = 0; r < kRows; ++r)
    KITE_UNROLL_TILE for (int q = 0; q < kVectors; ++q) acc[r][q] = sum[r][q];
}

// Rows past the tile's end start at zero and are never stored.
template <int kVectors>
void tile_neon(const Q8Tile& t) {
  int32x4_t acc[kRows][kVectors];
  KITE_UNROLL_TILE for (int r = 0; r < kRows; ++r) {
    const int32x4_t start = vdupq_n_s32(r < t.rows && t.row_bias ? t.row_bias[r] : 0);
    KITE_UNROLL_TILE for (int q = 0; q < kVectors; ++q) acc[r][q] = start;
  }
  accumulate(t.a, t.b, t.pairs, acc);
  store_q8_tile(t, acc);
}

}  // namespace

// Narrow tiles (the right edge of C, or a product that narrow) run only the
// vectors they need.
void q8_gemm_6x16_neon(const Q8Tile& t) {
  if (t.columns > 2 * kLanes) tile_neon<4>(t);
  else if (t.columns > kLanes) tile_neon<2>(t);
  else tile_neon<1>(t);
}

// Interleaves the two rows byte by byte (16 columns at a time, ZIP1 / ZIP2), then widens each
// byte to 16 bits while subtracting the zero point (USUBL: the difference modulo 2^16, which read
// as int16 is the exact difference, within +-255).
void q8_pack_b_pair_neon(const uint8_t* row0, const uint8_t* row1, int64_t panels, int64_t panel_stride,
                         int32_t zero_point, int16_t* dst) {
  const uint8x8_t zp = vdup_n_u8(static_cast<uint8_t>(zero_point));
  for (int64_t q = 0; q < panels; ++q, dst += panel_stride) {
    const uint8x16_t x0 = vld1q_u8(row0 + q * kQ8TileColumns);
    const uint8x16_t x1 = vld1q_u8(row1 + q * kQ8TileColumns);
    const uint8x16_t low = vzip1q_u8(x0, x1), high = vzip2q_u8(x0, x1);
    vst1q_s16(dst, vreinterpretq_s16_u16(vsubl_u8(vget_low_u8(low), zp)));
    vst1q_s16(dst + 8, vreinterpretq_s16_u16(vsubl_high_u8(low, vcombine_u8(zp, zp))));
    vst1q_s16(dst + 16, vreinterpretq_s16_u16(vsubl_u8(vget_low_u8(high), zp)));
    vst1q_s16(dst + 24, vreinterpretq_s16_u16(vsubl_high_u8(high, vcombine_u8(zp, zp))));
  }
}

// A group of 4 pairs is 48 int16 products, six vectors of 8; SMLAL / SMLAL2 widen them into 12
// accumulators of 4 int32 lanes, where element e of the group (lane e % 4 of accumulator e / 4)
// belongs to row (e / 2) % 6. The six sums are folded out of them once, at the end.
void q8_gemm_column_neon(const int16_t* a, const int16_t* x, int64_t pairs, int32_t* sums) {
  constexpr int kGroupVectors = 6;
  int32x4_t acc[2 * kGroupVectors];
  KITE_UNROLL_TILE for (int v = 0; v < 2 * kGroupVectors; ++v) acc[v] = vdupq_n_s32(0);
  const int64_t groups = (pairs + kQ8ColumnGroupPairs - 1) / kQ8ColumnGroupPairs;
  for (int64_t g = 0; g < groups; ++g, a += kGroupVectors * 8, x += kGroupVectors * 8) {
    KITE_UNROLL_TILE for (int v = 0; v < kGroupVectors; ++v) {
      const int16x8_t a_v = vld1q_s16(a + v * 8), x_v = vld1q_s16(x + v * 8);
      acc[2 * v] = vmlal_s16(acc[2 * v], vget_low_s16(a_v), vget_low_s16(x_v));
      acc[2 * v + 1] = vmlal_high_s16(acc[2 * v + 1], a_v, x_v);
    }
  }
  int32_t lanes[2 * kGroupVectors * kLanes];
  KITE_UNROLL_TILE for (int v = 0; v < 2 * kGroupVectors; ++v) vst1q_s32(lanes + v * kLanes, acc[v]);
  uint32_t sum[kRows] = {};
  for (int e = 0; e < 2 * kGroupVectors * kLanes; ++e) sum[(e / 2) % kRows] += static_cast<uint32_t>(lanes[e]);
  for (int r = 0; r < kRows; ++r) sums[r] = static_cast<int32_t>(sum[r]);
}

}  // namespace kite
