// The AVX2 + FMA3 microkernel: a 6 x 16 tile of C in 12 ymm accumulators. Per k it loads two
// vectors of the packed B panel and broadcasts six values of the packed A panel, for 12 FMAs:
// Zen3's two FMA pipes with 4-cycle latency need 8 independent chains, and 12 leave headroom.
// Tiles of up to 8 columns (the right edge of C) use a 6 x 8 variant: half the work, but its 6
// chains are latency-bound, so it takes about 2/3 of the time. Each element goes through the same
// chain of FMAs in either variant, which keeps column splits bitwise identical.
//
// Where the CPU has AVX-512, f32_gemm_6x16_avx512 runs the same tile on zmm registers, one per row
// of 16 columns (kernels/x86/avx512_tile_loop.h): twice the multiply-adds per instruction, in six
// chains that the FMA's latency bounds at about 1.5 times this kernel's rate.
//
// Compiled with -mavx2 -mfma, like every file in src/kernels/x86. It includes no standard header
// and calls no inline function defined elsewhere: an inline function instantiated here would be
// compiled with AVX2, and the linker could keep that copy for callers on CPUs without it.
#include <immintrin.h>

#include "kernels/gemm_microkernel.h"
#include "kernels/x86/avx512_tile_loop.h"

// Every loop over the tile's rows and vectors is unrolled before GCC decides where the
// accumulators live: left to its heuristics (GCC 12), it keeps them in a stack array and moves
// all 12 through memory before and after the loop over k.
#define KITE_UNROLL_TILE _Pragma("GCC unroll 8")

namespace kite {
namespace {

constexpr int kRows = kGemmTileRows;
constexpr int kLanes = 8;

// The right edge of C: lanes [0, count) of p, count < 8. Loads are masked; stores are split into
// 4-, 2- and 1-float pieces, because Zen3 executes vmaskmovps stores slowly (with every store
// masked, a 15-column tile with K = 256 took a quarter longer than a 16-column one).
__m256 load_lanes(const float* p, int count) {
  const __m256i lane = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
  return _mm256_maskload_ps(p, _mm256_cmpgt_epi32(_mm256_set1_epi32(count), lane));
}

void store_lanes(float* p, int count, __m256 v) {
  __m128 part = _mm256_castps256_ps128(v);
  if (count & 4) {
    _mm_storeu_ps(p, part);
    part = _mm256_extractf128_ps(v, 1);
    p += 4;
  }
  if (count & 2) {
    _mm_storel_pi(reinterpret_cast<__m64*>(p), part);
    part = _mm_movehl_ps(part, part);
    p += 2;
  }
  if (count & 1) _mm_store_ss(p, part);
}

// How vector q of a tile row is read and written. A tile kWhole columns wide reads and writes
// whole vectors; otherwise the last vector has only `last_lanes` columns, so that nothing past
// C's row (or the residual's, or the column bias) is touched.
template <int kVectors, bool kWhole>
struct TileRow {
  int last_lanes;

  __m256 load(const float* row, int q) const {
    if (kWhole || q < kVectors - 1) return _mm256_loadu_ps(row + q * kLanes);
    return load_lanes(row + q * kLanes, last_lanes);
  }
  void store(float* row, int q, __m256 v) const {
    if (kWhole || q < kVectors - 1) _mm256_storeu_ps(row + q * kLanes, v);
    else store_lanes(row + q * kLanes, last_lanes, v);
  }
};

// The first block of K starts from the epilogue's addends, in the order the contract fixes (row
// bias, column bias, residual); later blocks from the partial sums in C. Rows past the tile's
// end start at zero and are never stored.
template <int kVectors, bool kWhole>
__m256 start_value(const GemmTile& t, const TileRow<kVectors, kWhole>& edge, int r, int q) {
  if (r >= t.rows) return _mm256_setzero_ps();
  if (!t.first_block) return edge.load(t.c + r * t.ldc, q);
  __m256 v = _mm256_setzero_ps();
  if (t.row_bias) v = _mm256_add_ps(v, _mm256_set1_ps(t.row_bias[r]));
  if (t.column_bias) v = _mm256_add_ps(v, edge.load(t.column_bias, q));
  if (t.residual) v = _mm256_add_ps(v, edge.load(t.residual + r * t.ldr, q));
  return v;
}

// A is broadcast with set1_ps(a[r]), which is still one vbroadcastss from memory: GCC 12 treats
// the pointer given to _mm256_broadcast_ss as escaping and then keeps the accumulators in memory.
template <int kVectors>
void accumulate(const float* a, const float* b, int64_t depth, __m256 (&acc)[kRows][kVectors]) {
  for (int64_t k = 0; k < depth; ++k) {
    __m256 b_k[kVectors];
    KITE_UNROLL_TILE for (int q = 0; q < kVectors; ++q) b_k[q] = _mm256_load_ps(b + q * kLanes);
    KITE_UNROLL_TILE for (int r = 0; r < kRows; ++r) {
      __m256 a_rk = _mm256_set1_ps(a[r]);
      KITE_UNROLL_TILE for (int q = 0; q < kVectors; ++q) acc[r][q] = _mm256_fmadd_ps(a_rk, b_k[q], acc[r][q]);
    }
    a += kRows;
    b += kGemmTileColumns;
  }
}

// max(lo, v) and min(hi, v) return v when v is NaN (the second operand wins on unordered), so a
// NaN is not clamped away. The tile's fields are read into locals first: a store to C could
// alias them as far as the compiler knows, and it would reload them after every store.
template <int kVectors, bool kWhole>
void store(const GemmTile& t, const TileRow<kVectors, kWhole>& edge, const __m256 (&acc)[kRows][kVectors]) {
  float* const c = t.c;
  const int64_t ldc = t.ldc;
  const int rows = t.rows;
  const bool clamp = t.last_block;
  const __m256 lo = _mm256_set1_ps(t.min), hi = _mm256_set1_ps(t.max);
  KITE_UNROLL_TILE for (int r = 0; r < kRows; ++r) {
    if (r >= rows) break;
    KITE_UNROLL_TILE for (int q = 0; q < kVectors; ++q) {
      __m256 v = acc[r][q];
      if (clamp) v = _mm256_min_ps(hi, _mm256_max_ps(lo, v));
      edge.store(c + r * ldc, q, v);
    }
  }
}

template <int kVectors, bool kWhole>
void tile_fma3(const GemmTile& t) {
  const TileRow<kVectors, kWhole> edge{t.columns - (kVectors - 1) * kLanes};
  __m256 acc[kRows][kVectors];
  KITE_UNROLL_TILE for (int r = 0; r < kRows; ++r)
    KITE_UNROLL_TILE for (int q = 0; q < kVectors; ++q) acc[r][q] = start_value(t, edge, r, q);
  accumulate(t.a, t.b, t.depth, acc);
  store(t, edge, acc);
}

// AVX-512: the whole 16-column tile in one zmm per row (avx512_tile_loop.h), started and stored as
// the AVX2 tile is. Tiles of 8 columns or fewer run it too, on B's zero padding, so that every
// element of C goes through the same chain of operations whatever the tile's width.
template <int kVectors, bool kWhole>
void tile_avx512(const GemmTile& t) {
  const TileRow<kVectors, kWhole> edge{t.columns - (kVectors - 1) * kLanes};
  __m256 acc[kRows][2];
  KITE_UNROLL_TILE for (int r = 0; r < kRows; ++r) {
    acc[r][0] = start_value(t, edge, r, 0);
    acc[r][1] = kVectors == 2 ? start_value(t, edge, r, kVectors - 1) : _mm256_setzero_ps();
  }
  const float* a = t.a;
  const float* b = t.b;
  const int64_t steps = t.depth;
  __m256* const tile = &acc[0][0];
  if (steps > 0) __asm__ volatile(KITE_AVX512_TILE_ASM("vfmadd231ps", KITE_AVX512_ODD_INTO_FIRST_SET, KITE_AVX512_NO_SECOND_SET, ""));
  __m256 out[kRows][kVectors];
  KITE_UNROLL_TILE for (int r = 0; r < kRows; ++r)
    KITE_UNROLL_TILE for (int q = 0; q < kVectors; ++q) out[r][q] = acc[r][q];
  store(t, edge, out);
}

}  // namespace

void f32_gemm_6x16_avx512(const GemmTile& t) {
  if (t.columns == 2 * kLanes) tile_avx512<2, true>(t);
  else if (t.columns > kLanes) tile_avx512<2, false>(t);
  else if (t.columns == kLanes) tile_avx512<1, true>(t);
  else tile_avx512<1, false>(t);
}

void f32_gemm_6x16_fma3(const GemmTile& t) {
  if (t.columns == 2 * kLanes) tile_fma3<2, true>(t);
  else if (t.columns > kLanes) tile_fma3<2, false>(t);
  else if (t.columns == kLanes) tile_fma3<1, true>(t);
  else tile_fma3<1, false>(t);
}

}  // namespace kite
