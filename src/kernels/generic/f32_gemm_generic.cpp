// The portable microkernel: fixed-size loops over local arrays, which GCC and Clang vectorize for
// the baseline ISA (SSE2 on x86-64, NEON on AArch64) without intrinsics. The 6 x 16 tile is done
// as two 6 x 8 halves so that a half's accumulators (12 SSE/NEON vectors) stay in registers.
#include "kernels/gemm_microkernel.h"

#define KITE_UNROLL_TILE _Pragma("GCC unroll 8")

namespace kite {
namespace {

constexpr int kRows = kGemmTileRows;
constexpr int kHalf = kGemmTileColumns / 2;

using HalfTile = float[kRows][kHalf];

// The epilogue's addends, in the order the contract fixes: row bias, column bias, residual.
float epilogue_start(const GemmTile& t, int r, int j) {
  float v = 0.0f;
  if (t.row_bias) v += t.row_bias[r];
  if (t.column_bias) v += t.column_bias[j];
  if (t.residual) v += t.residual[r * t.ldr + j];
  return v;
}

// Elements outside the tile's rows and columns start at 0: they are computed but never stored,
// and C, the biases and the residual may end right at the tile's edge.
void load_half(const GemmTile& t, int j0, HalfTile acc) {
  for (int r = 0; r < kRows; ++r) {
    for (int j = 0; j < kHalf; ++j) {
      bool exists = r < t.rows && j0 + j < t.columns;
      if (!exists) acc[r][j] = 0.0f;
      else if (t.first_block) acc[r][j] = epilogue_start(t, r, j0 + j);
      else acc[r][j] = t.c[r * t.ldc + j0 + j];
    }
  }
}

// Fully unrolled, so that the sums are 48 scalars the SLP vectorizer packs into 12 vectors held in
// registers (the loop vectorizer, left to itself, vectorizes across k and shuffles every step).
void accumulate_half(const float* a, const float* b, int64_t depth, HalfTile acc) {
  float sum[kRows][kHalf];
  KITE_UNROLL_TILE for (int r = 0; r < kRows; ++r)
    KITE_UNROLL_TILE for (int j = 0; j < kHalf; ++j) sum[r][j] = acc[r][j];
  for (int64_t k = 0; k < depth; ++k) {
    const float* a_k = a + k * kRows;
    const float* b_k = b + k * kGemmTileColumns;
    KITE_UNROLL_TILE for (int r = 0; r < kRows; ++r)
      KITE_UNROLL_TILE for (int j = 0; j < kHalf; ++j) sum[r][j] += a_k[r] * b_k[j];
  }
  KITE_UNROLL_TILE for (int r = 0; r < kRows; ++r)
    KITE_UNROLL_TILE for (int j = 0; j < kHalf; ++j) acc[r][j] = sum[r][j];
}

// Written as compares rather than std::min/max so that a NaN passes through, as on AVX2.
float clamp(float v, float lo, float hi) {
  v = v < lo ? lo : v;
  return v > hi ? hi : v;
}

void store_half(const GemmTile& t, int j0, const HalfTile acc) {
  int columns = t.columns - j0 < kHalf ? t.columns - j0 : kHalf;
  for (int r = 0; r < t.rows; ++r) {
    float* c_row = t.c + r * t.ldc + j0;
    for (int j = 0; j < columns; ++j) c_row[j] = t.last_block ? clamp(acc[r][j], t.min, t.max) : acc[r][j];
  }
}

}  // namespace

void f32_gemm_6x16_generic(const GemmTile& t) {
  for (int j0 = 0; j0 < t.columns; j0 += kHalf) {
    HalfTile acc;
    load_half(t, j0, acc);
    accumulate_half(t.a, t.b + j0, t.depth, acc);
    store_half(t, j0, acc);
  }
}

}  // namespace kite
