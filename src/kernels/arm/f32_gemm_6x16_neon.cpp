// The NEON microkernel: a 6 x 16 tile of C in 24 of the 32 q registers (6 rows x 4 vectors of 4
// columns). Per k it loads the four vectors of the packed B panel and the six values of the packed
// A panel (one q and one d register), and multiplies each B vector by each A value taken straight
// from its lane (FMLA by element), for 24 fused multiply-adds: enough independent chains to cover
// the FMA latency of in-order cores (Cortex-A53/A55) and out-of-order ones (A7x, X1) alike.
//
// Narrow tiles (the right edge of C, or a product with one column: a fully connected layer) run
// only the vectors they need. Each element goes through the same start value and the same chain
// of FMAs whatever the tile's width or the element's place in it, which keeps column splits
// bitwise identical.
//
// Plain ARMv8.0-A: Advanced SIMD is always there on AArch64, so this file needs no extra flags.
#include <arm_neon.h>

#include "kernels/gemm_microkernel.h"

#define KITE_UNROLL_TILE _Pragma("GCC unroll 8")

namespace kite {
namespace {

constexpr int kRows = kGemmTileRows;
constexpr int kLanes = 4;
constexpr int kMaxVectors = kGemmTileColumns / kLanes;
static_assert(kRows == 6, "accumulate() names the six rows' lanes one by one");

// Written as compare and select, like the portable kernel's clamp: a NaN fails both compares and
// passes through, and a -0 is kept (FMAX would turn max(-0, +0) into +0).
float32x4_t clamp(float32x4_t v, float32x4_t lo, float32x4_t hi) {
  v = vbslq_f32(vcltq_f32(v, lo), lo, v);
  return vbslq_f32(vcgtq_f32(v, hi), hi, v);
}

float clamp(float v, float lo, float hi) {
  v = v < lo ? lo : v;
  return v > hi ? hi : v;
}

// The tile's start values and results for tiles that do not fill their last vector: they go
// through this buffer element by element, so that nothing past C's row (or the residual's, or the
// column bias) is read or written. Whole tiles load and store C directly.
struct EdgeBuffer {
  float values[kRows][kGemmTileColumns];
};

// The epilogue's addends, in the order the contract fixes: row bias, column bias, residual. The
// vector and the scalar forms do the same additions in the same order, so an element starts from
// the same value whichever one its tile uses.
float32x4_t epilogue_start(const GemmTile& t, int r, int column) {
  float32x4_t v = vdupq_n_f32(0.0f);
  if (t.row_bias) v = vaddq_f32(v, vdupq_n_f32(t.row_bias[r]));
  if (t.column_bias) v = vaddq_f32(v, vld1q_f32(t.column_bias + column));
  if (t.residual) v = vaddq_f32(v, vld1q_f32(t.residual + r * t.ldr + column));
  return v;
}

float epilogue_start_scalar(const GemmTile& t, int r, int column) {
  float v = 0.0f;
  if (t.row_bias) v += t.row_bias[r];
  if (t.column_bias) v += t.column_bias[column];
  if (t.residual) v += t.residual[r * t.ldr + column];
  return v;
}

// Rows past the tile's end start at zero and are never stored.
template <int kVectors>
void start_whole(const GemmTile& t, float32x4_t (&acc)[kRows][kVectors]) {
  KITE_UNROLL_TILE for (int r = 0; r < kRows; ++r) {
    KITE_UNROLL_TILE for (int q = 0; q < kVectors; ++q) {
      if (r >= t.rows) acc[r][q] = vdupq_n_f32(0.0f);
      else if (t.first_block) acc[r][q] = epilogue_start(t, r, q * kLanes);
      else acc[r][q] = vld1q_f32(t.c + r * t.ldc + q * kLanes);
    }
  }
}

template <int kVectors>
void start_partial(const GemmTile& t, EdgeBuffer& edge, float32x4_t (&acc)[kRows][kVectors]) {
  for (int r = 0; r < kRows; ++r) {
    for (int j = 0; j < kVectors * kLanes; ++j) {
      float& v = edge.values[r][j];
      if (r >= t.rows || j >= t.columns) v = 0.0f;
      else if (t.first_block) v = epilogue_start_scalar(t, r, j);
      else v = t.c[r * t.ldc + j];
    }
  }
  KITE_UNROLL_TILE for (int r = 0; r < kRows; ++r)
    KITE_UNROLL_TILE for (int q = 0; q < kVectors; ++q) acc[r][q] = vld1q_f32(&edge.values[r][q * kLanes]);
}

// v = v + a[r] * b for every k in order, one rounding each. The sums live in a local array for
// the loop: GCC would otherwise store the caller's array back to memory after every k, since a
// store through a float pointer might change it as far as GCC can tell.
template <int kVectors>
void accumulate(const float* a, const float* b, int64_t depth, float32x4_t (&acc)[kRows][kVectors]) {
  float32x4_t sum[kRows][kVectors];
  KITE_UNROLL_TILE for (int r = 0; r < kRows; ++r)
    KITE_UNROLL_TILE for (int q = 0; q < kVectors; ++q) sum[r][q] = acc[r][q];
  for (int64_t k = 0; k < depth; ++k) {
    const float32x4_t a_0123 = vld1q_f32(a);
    const float32x2_t a_45 = vld1_f32(a + 4);
    KITE_UNROLL_TILE for (int q = 0; q < kVectors; ++q) {
      const float32x4_t b_q = vld1q_f32(b + q * kLanes);
      sum[0][q] = vfmaq_laneq_f32(sum[0][q], b_q, a_0123, 0);
      sum[1][q] = vfmaq_laneq_f32(sum[1][q], b_q, a_0123, 1);
      sum[2][q] = vfmaq_laneq_f32(sum[2][q], b_q, a_0123, 2);
      sum[3][q] = vfmaq_laneq_f32(sum[3][q], b_q, a_0123, 3);
      sum[4][q] = vfmaq_lane_f32(sum[4][q], b_q, a_45, 0);
      sum[5][q] = vfmaq_lane_f32(sum[5][q], b_q, a_45, 1);
    }
    a += kRows;
    b += kGemmTileColumns;
  }
  KITE_UNROLL_TILE for (int r = 0; r < kRows; ++r)
    KITE_UNROLL_TILE for (int q = 0; q < kVectors; ++q) acc[r][q] = sum[r][q];
}

// Only the last block of K clamps; earlier ones store partial sums for the next to continue.
// The tile's fields are read into locals first: a store to C could alias them as far as the
// compiler knows, and it would reload them after every store.
template <int kVectors>
void store_whole(const GemmTile& t, const float32x4_t (&acc)[kRows][kVectors]) {
  float* const c = t.c;
  const int64_t ldc = t.ldc;
  const int rows = t.rows;
  const bool clamp_it = t.last_block;
  const float32x4_t lo = vdupq_n_f32(t.min), hi = vdupq_n_f32(t.max);
  KITE_UNROLL_TILE for (int r = 0; r < kRows; ++r) {
    if (r >= rows) break;
    KITE_UNROLL_TILE for (int q = 0; q < kVectors; ++q)
      vst1q_f32(c + r * ldc + q * kLanes, clamp_it ? clamp(acc[r][q], lo, hi) : acc[r][q]);
  }
}

template <int kVectors>
void store_partial(const GemmTile& t, EdgeBuffer& edge, const float32x4_t (&acc)[kRows][kVectors]) {
  KITE_UNROLL_TILE for (int r = 0; r < kRows; ++r)
    KITE_UNROLL_TILE for (int q = 0; q < kVectors; ++q) vst1q_f32(&edge.values[r][q * kLanes], acc[r][q]);
  for (int r = 0; r < t.rows; ++r) {
    float* c_row = t.c + r * t.ldc;
    for (int j = 0; j < t.columns; ++j) {
      float v = edge.values[r][j];
      c_row[j] = t.last_block ? clamp(v, t.min, t.max) : v;
    }
  }
}

// kVectors = the columns rounded up to whole vectors.
template <int kVectors>
void tile_neon(const GemmTile& t) {
  float32x4_t acc[kRows][kVectors];
  if (t.columns == kVectors * kLanes) {
    start_whole(t, acc);
    accumulate(t.a, t.b, t.depth, acc);
    store_whole(t, acc);
  } else {
    EdgeBuffer edge;
    start_partial(t, edge, acc);
    accumulate(t.a, t.b, t.depth, acc);
    store_partial(t, edge, acc);
  }
}

}  // namespace

void f32_gemm_6x16_neon(const GemmTile& t) {
  static_assert(kMaxVectors == 4, "one case per vector count below");
  switch ((t.columns + kLanes - 1) / kLanes) {
    case 1: return tile_neon<1>(t);
    case 2: return tile_neon<2>(t);
    case 3: return tile_neon<3>(t);
    default: return tile_neon<4>(t);
  }
}

}  // namespace kite
