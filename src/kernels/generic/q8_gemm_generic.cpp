// The portable int8 microkernel: a 6 x 16 tile of int32 sums in a local array, in fixed-size
// loops the compiler can vectorize for the baseline ISA (SSE2's pmaddwd has exactly this shape:
// pairs of int16 multiplied and added into int32). The sums are taken in uint32, where
// wrapping is defined, so that a partial sum may leave the int32 range as long as the final one
// is back inside it (see kernels/q8_gemm.h).
#include "kernels/q8_gemm_microkernel.h"
#include "kernels/requantize.h"

#define KITE_UNROLL_TILE _Pragma("GCC unroll 16")

namespace kite {
namespace {

constexpr int kRows = kQ8TileRows;
constexpr int kColumns = kQ8TileColumns;

constexpr int kHalf = kColumns / 2;

using TileSums = uint32_t[kRows][kColumns];

// One half of the tile (8 columns), fully unrolled over a local array, so that its 48 sums fit
// the 16 SSE / 32 NEON registers as 12 vectors (the whole tile's 96 would spill every step).
void accumulate_half(const int16_t* a, const int16_t* b, int64_t pairs, TileSums sum, int j0) {
  uint32_t half[kRows][kHalf];
  KITE_UNROLL_TILE for (int r = 0; r < kRows; ++r)
    KITE_UNROLL_TILE for (int j = 0; j < kHalf; ++j) half[r][j] = sum[r][j0 + j];
  for (int64_t p = 0; p < pairs; ++p) {
    const int16_t* a_p = a + p * kRows * 2;
    const int16_t* b_p = b + p * kQ8PanelPairStride + 2 * j0;
    KITE_UNROLL_TILE for (int r = 0; r < kRows; ++r) {
      const int32_t a0 = a_p[2 * r], a1 = a_p[2 * r + 1];
      KITE_UNROLL_TILE for (int j = 0; j < kHalf; ++j) {
        // Each product is at most 128 * 255 in magnitude (2^13 * 2^13 for gemm_s16_panel), the
        // pair's sum below 2^27: exact in an int32.
        int32_t pair = a0 * b_p[2 * j] + a1 * b_p[2 * j + 1];
        half[r][j] += static_cast<uint32_t>(pair);
      }
    }
  }
  KITE_UNROLL_TILE for (int r = 0; r < kRows; ++r)
    KITE_UNROLL_TILE for (int j = 0; j < kHalf; ++j) sum[r][j0 + j] = half[r][j];
}

void start_sums(const Q8Tile& t, TileSums sum) {
  for (int r = 0; r < kRows; ++r) {
    uint32_t start = r < t.rows && t.row_bias ? static_cast<uint32_t>(t.row_bias[r]) : 0u;
    for (int j = 0; j < kColumns; ++j) sum[r][j] = start;
  }
}

// The tile's rows and columns of C from its sums, as its `output` says.
void store_sums(const Q8Tile& t, const TileSums sum) {
  for (int r = 0; r < t.rows; ++r) {
    if (t.output == Q8TileOutput::kI32) {
      int32_t* c_row = static_cast<int32_t*>(t.c) + r * t.ldc;
      for (int j = 0; j < t.columns; ++j) c_row[j] = static_cast<int32_t>(sum[r][j]);
      continue;
    }
    const float scale = t.row_scale[r];
    if (t.output == Q8TileOutput::kF32) {
      float* c_row = static_cast<float*>(t.c) + r * t.ldc;
      for (int j = 0; j < t.columns; ++j) c_row[j] = static_cast<float>(static_cast<int32_t>(sum[r][j])) * scale;
    } else {
      uint8_t* c_row = static_cast<uint8_t*>(t.c) + r * t.ldc;
      for (int j = 0; j < t.columns; ++j)
        c_row[j] = static_cast<uint8_t>(
            requantize(static_cast<int32_t>(sum[r][j]), scale, t.c_zero_point, t.qmin, t.qmax));
    }
  }
}

}  // namespace

void q8_gemm_6x16_generic(const Q8Tile& t) {
  TileSums sum;
  start_sums(t, sum);
  accumulate_half(t.a, t.b, t.pairs, sum, 0);
  if (t.columns > kHalf) accumulate_half(t.a, t.b, t.pairs, sum, kHalf);
  store_sums(t, sum);
}

void q8_gemm_6x16_quad_generic(const Q8QuadTile& t) {
  TileSums sum;
  start_sums(t.out, sum);
  for (int64_t q = 0; q < t.quads; ++q) {
    const int8_t* a_q = t.a + q * kRows * 4;
    const uint8_t* b_q = t.b + q * kQ8QuadPanelBytes;
    for (int r = 0; r < kRows; ++r)
      for (int j = 0; j < kColumns; ++j) {
        // Four products of at most 128 * 255: exact in an int32.
        int32_t quad = 0;
        for (int h = 0; h < 4; ++h) quad += a_q[4 * r + h] * b_q[4 * j + h];
        sum[r][j] += static_cast<uint32_t>(quad);
      }
  }
  store_sums(t.out, sum);
}

void q8_pack_b_quad_generic(const uint8_t* const rows[4], int64_t panels, int64_t panel_stride, uint8_t* dst) {
  for (int64_t p = 0; p < panels; ++p, dst += panel_stride)
    for (int j = 0; j < kColumns; ++j)
      for (int h = 0; h < 4; ++h) dst[4 * j + h] = rows[h][p * kColumns + j];
}

void q8_pack_b_pair_generic(const uint8_t* row0, const uint8_t* row1, int64_t panels, int64_t panel_stride,
                            int32_t zero_point, int16_t* dst) {
  for (int64_t q = 0; q < panels; ++q, row0 += kColumns, row1 += kColumns, dst += panel_stride)
    for (int j = 0; j < kColumns; ++j) {
      dst[2 * j] = static_cast<int16_t>(row0[j] - zero_point);
      dst[2 * j + 1] = static_cast<int16_t>(row1[j] - zero_point);
    }
}

void q8_gemm_column_generic(const int16_t* a, const int16_t* x, int64_t pairs, int32_t* sums) {
  uint32_t sum[kRows] = {};
  for (int64_t p = 0; p < pairs; ++p, a += 2 * kRows, x += 2 * kRows)
    for (int r = 0; r < kRows; ++r) sum[r] += static_cast<uint32_t>(a[2 * r] * x[2 * r] + a[2 * r + 1] * x[2 * r + 1]);
  for (int r = 0; r < kRows; ++r) sums[r] = static_cast<int32_t>(sum[r]);
}

}  // namespace kite
