// The AVX2 + FMA3 microkernel: a 6 x 16 tile of C in 12 ymm accumulators. Per k it loads two
// vectors of the packed B panel and broadcasts six values of the packed A panel, for 12 FMAs:
// Zen3's two FMA pipes with 4-cycle latency need 8 independent chains, and 12 leave headroom.
// Tiles of up to 8 columns (the right edge of C) use a 6 x 8 variant: half the work, but its 6
// chains are latency-bound, so it takes about 2/3 of the time. Each element goes through the same
// chain of FMAs in either variant, which keeps column splits bitwise identical.
//
// Where the CPU has AVX-512, f32_gemm_12x32_avx512 runs two panels of A (12 rows) against two B
// panels (32 columns; one at the right edge) on zmm registers, and f32_gemm_6x32_avx512 a last odd
// panel of A (below): twice the multiply-adds per instruction. Measured (kite_bench_gemm,
// MobileNet v1's and ResNet-50's layers): 12 x 16 is 1.07-1.13x the 6 x 32 tile's FLOP/s, which
// is 1.06-1.14x a 16-column zmm tile's.
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
  const TileRow<kVectors, kWhole> edge{static_cast<int>(t.columns) - (kVectors - 1) * kLanes};
  __m256 acc[kRows][kVectors];
  KITE_UNROLL_TILE for (int r = 0; r < kRows; ++r)
    KITE_UNROLL_TILE for (int q = 0; q < kVectors; ++q) acc[r][q] = start_value(t, edge, r, q);
  accumulate(t.a, t.b, t.depth, acc);
  store(t, edge, acc);
}

// AVX-512, tiles of up to two B panels (the driver uses them for a last odd panel of A; the 12 x 16
// tile below does the rest): a row of 32 columns is two zmm, 12 accumulators in all,
// enough independent chains for two FMA units of 4 cycles' latency (a 16-column tile of 6 would
// run latency-bound at 3/4 of the rate). Per k: one zmm of each panel, then per row its value of
// A broadcast inside two FMAs ({1to16}). The tile starts and stores as the AVX2 tile does,
// through 6 x 4 ymm in memory, read in halves of 32 bytes as the C++ code around it writes them
// (a 64-byte load from two 32-byte stores cannot be forwarded from them). A tile of 16 columns or
// fewer runs a loop of its own below; each element of C goes through the same chain of FMAs, from
// the block's first k up, whatever the tile's width, so column splits and cuts of K stay bitwise
// identical (and the same bits as the AVX2 tile's, lane for lane). Inline asm, as the file is
// compiled for AVX2 only; it runs only where cpu_has_avx512(). Measured against 16-column zmm
// tiles alone (kite_bench_gemm, MobileNet v1's and ResNet-50's layers): 1.06x to 1.14x the FLOP/s.
static_assert(kRows == 6 && kGemmTileColumns == 16, "the AVX-512 asm is written for 6 rows x 16-column panels");

// Panel a's six rows times B's vector in zmm12, into zmm0 .. zmm5.
#define KITE_FMA_A_INTO_ZMM0_5                         \
  "vfmadd231ps 0(%[a])%{1to16%}, %%zmm12, %%zmm0\n\t"  \
  "vfmadd231ps 4(%[a])%{1to16%}, %%zmm12, %%zmm1\n\t"  \
  "vfmadd231ps 8(%[a])%{1to16%}, %%zmm12, %%zmm2\n\t"  \
  "vfmadd231ps 12(%[a])%{1to16%}, %%zmm12, %%zmm3\n\t" \
  "vfmadd231ps 16(%[a])%{1to16%}, %%zmm12, %%zmm4\n\t" \
  "vfmadd231ps 20(%[a])%{1to16%}, %%zmm12, %%zmm5\n\t"


// The pair loops prefetch each of A's two panels this many bytes ahead of where they read (a
// line every 2.7 k: 24 bytes a k), so that weights read cold from memory arrive before the loop
// needs them: Winograd's products on small maps and deep layers' 1x1 and im2col products use each
// panel pair for one or two tiles only. Past a panel's end the prefetches run into the next
// panel, which the next pair of tiles reads.
#define KITE_A_AHEAD "2048"
#define KITE_PREFETCH_A_PAIR                    \
  "prefetcht0 " KITE_A_AHEAD "(%[a])\n\t"  \
  "prefetcht0 " KITE_A_AHEAD "(%[a2])\n\t"

// Twelve zmm accumulators from and to 12 rows of 64 bytes at %[acc] (avx512_tile_loop.h).
#define KITE_LOAD_12_ZMM KITE_ZMM_ROWS_IN_0_5("vmovups", "vinsertf64x4") KITE_ZMM_ROWS_IN_6_11("vmovups", "vinsertf64x4")
#define KITE_STORE_12_ZMM KITE_ZMM_ROWS_OUT_0_5("vmovups") KITE_ZMM_ROWS_OUT_6_11("vmovups")

void accumulate_avx512(const float* a, const float* b, const float* b2, int64_t depth, __m256 (&acc)[kRows][4]) {
  if (depth <= 0) return;
  __m256* const tile = &acc[0][0];
  __asm__ volatile(
      KITE_LOAD_12_ZMM
      "1:\n\t"
      "vmovups (%[b]), %%zmm12\n\t"
      "vmovups (%[b2]), %%zmm13\n\t"
      "vfmadd231ps 0(%[a])%{1to16%}, %%zmm12, %%zmm0\n\t"
      "vfmadd231ps 0(%[a])%{1to16%}, %%zmm13, %%zmm1\n\t"
      "vfmadd231ps 4(%[a])%{1to16%}, %%zmm12, %%zmm2\n\t"
      "vfmadd231ps 4(%[a])%{1to16%}, %%zmm13, %%zmm3\n\t"
      "vfmadd231ps 8(%[a])%{1to16%}, %%zmm12, %%zmm4\n\t"
      "vfmadd231ps 8(%[a])%{1to16%}, %%zmm13, %%zmm5\n\t"
      "vfmadd231ps 12(%[a])%{1to16%}, %%zmm12, %%zmm6\n\t"
      "vfmadd231ps 12(%[a])%{1to16%}, %%zmm13, %%zmm7\n\t"
      "vfmadd231ps 16(%[a])%{1to16%}, %%zmm12, %%zmm8\n\t"
      "vfmadd231ps 16(%[a])%{1to16%}, %%zmm13, %%zmm9\n\t"
      "vfmadd231ps 20(%[a])%{1to16%}, %%zmm12, %%zmm10\n\t"
      "vfmadd231ps 20(%[a])%{1to16%}, %%zmm13, %%zmm11\n\t"
      "add $24, %[a]\n\t"
      "add $64, %[b]\n\t"
      "add $64, %[b2]\n\t"
      "dec %[n]\n\t"
      "jnz 1b\n\t"
      KITE_STORE_12_ZMM
      "vzeroupper\n\t"
      : [a] "+r"(a), [b] "+r"(b), [b2] "+r"(b2), [n] "+r"(depth)
      : [acc] "r"(tile)
      : KITE_ZMM_CLOBBERS);
}

// A tile of one panel: the same chains for its 16 columns, six of them, latency-bound (3/4 of the
// FMA units' rate) but without computing a second panel for nothing. acc is the same 6 x 4 ymm,
// of which the first two of each row are read and written.
void accumulate_avx512_one_panel(const float* a, const float* b, int64_t depth, __m256 (&acc)[kRows][4]) {
  if (depth <= 0) return;
  __m256* const tile = &acc[0][0];
  __asm__ volatile(
      "vmovups 0(%[acc]), %%ymm0\n\t"
      "vinsertf64x4 $1, 32(%[acc]), %%zmm0, %%zmm0\n\t"
      "vmovups 128(%[acc]), %%ymm1\n\t"
      "vinsertf64x4 $1, 160(%[acc]), %%zmm1, %%zmm1\n\t"
      "vmovups 256(%[acc]), %%ymm2\n\t"
      "vinsertf64x4 $1, 288(%[acc]), %%zmm2, %%zmm2\n\t"
      "vmovups 384(%[acc]), %%ymm3\n\t"
      "vinsertf64x4 $1, 416(%[acc]), %%zmm3, %%zmm3\n\t"
      "vmovups 512(%[acc]), %%ymm4\n\t"
      "vinsertf64x4 $1, 544(%[acc]), %%zmm4, %%zmm4\n\t"
      "vmovups 640(%[acc]), %%ymm5\n\t"
      "vinsertf64x4 $1, 672(%[acc]), %%zmm5, %%zmm5\n\t"
      "1:\n\t"
      "vmovups (%[b]), %%zmm12\n\t"
      KITE_FMA_A_INTO_ZMM0_5
      "add $24, %[a]\n\t"
      "add $64, %[b]\n\t"
      "dec %[n]\n\t"
      "jnz 1b\n\t"
      "vmovups %%zmm0, 0(%[acc])\n\t"
      "vmovups %%zmm1, 128(%[acc])\n\t"
      "vmovups %%zmm2, 256(%[acc])\n\t"
      "vmovups %%zmm3, 384(%[acc])\n\t"
      "vmovups %%zmm4, 512(%[acc])\n\t"
      "vmovups %%zmm5, 640(%[acc])\n\t"
      "vzeroupper\n\t"
      : [a] "+r"(a), [b] "+r"(b), [n] "+r"(depth)
      : [acc] "r"(tile)
      : KITE_ZMM_CLOBBERS);
}

// Two panels of A (12 rows) against one B panel: each B vector loaded feeds 12 rows, half the
// traffic from the packed B block (in L2) per FMA of the 6 x 32 tile, and 12 chains. acc is 12
// rows of 2 ymm: the first panel's 6, then the second's.
// One k of the 12 x 16 tile, looped over the depth: B's vector in zmm12, row r's FMA into zmm r
// (panel a's rows into zmm0 .. zmm5, a2's into zmm6 .. zmm11).
#define KITE_FMA_12X16_LOOP                                   \
  "1:\n\t"                                                    \
  KITE_PREFETCH_A_PAIR                                        \
  "vmovups (%[b]), %%zmm12\n\t"                               \
  KITE_FMA_A_INTO_ZMM0_5                                      \
  "vfmadd231ps 0(%[a2])%{1to16%}, %%zmm12, %%zmm6\n\t"        \
  "vfmadd231ps 4(%[a2])%{1to16%}, %%zmm12, %%zmm7\n\t"        \
  "vfmadd231ps 8(%[a2])%{1to16%}, %%zmm12, %%zmm8\n\t"        \
  "vfmadd231ps 12(%[a2])%{1to16%}, %%zmm12, %%zmm9\n\t"       \
  "vfmadd231ps 16(%[a2])%{1to16%}, %%zmm12, %%zmm10\n\t"      \
  "vfmadd231ps 20(%[a2])%{1to16%}, %%zmm12, %%zmm11\n\t"      \
  "add $24, %[a]\n\t"                                         \
  "add $24, %[a2]\n\t"                                        \
  "add $64, %[b]\n\t"                                         \
  "dec %[n]\n\t"                                              \
  "jnz 1b\n\t"

void accumulate_avx512_two_panels(const float* a, const float* a2, const float* b, int64_t depth,
                                  __m256 (&acc)[2 * kRows][2]) {
  if (depth <= 0) return;
  __m256* const tile = &acc[0][0];
  __asm__ volatile(
      KITE_LOAD_12_ZMM
      KITE_FMA_12X16_LOOP
      KITE_STORE_12_ZMM
      "vzeroupper\n\t"
      : [a] "+r"(a), [a2] "+r"(a2), [b] "+r"(b), [n] "+r"(depth)
      : [acc] "r"(tile)
      : KITE_ZMM_CLOBBERS);
}

// One k of the 12 x 32 tile, looped over the depth: B's two vectors in zmm24 and zmm25, each
// row's value of A broadcast into zmm26, row r's FMAs into zmm 2r and 2r + 1.
#define KITE_FMA_12X32_LOOP \
  "1:\n\t" \
  KITE_PREFETCH_A_PAIR \
  "vmovups (%[b]), %%zmm24\n\t" \
  "vmovups (%[b2]), %%zmm25\n\t" \
  "vbroadcastss 0(%[a]), %%zmm26\n\t" \
  "vfmadd231ps %%zmm26, %%zmm24, %%zmm0\n\t" \
  "vfmadd231ps %%zmm26, %%zmm25, %%zmm1\n\t" \
  "vbroadcastss 4(%[a]), %%zmm26\n\t" \
  "vfmadd231ps %%zmm26, %%zmm24, %%zmm2\n\t" \
  "vfmadd231ps %%zmm26, %%zmm25, %%zmm3\n\t" \
  "vbroadcastss 8(%[a]), %%zmm26\n\t" \
  "vfmadd231ps %%zmm26, %%zmm24, %%zmm4\n\t" \
  "vfmadd231ps %%zmm26, %%zmm25, %%zmm5\n\t" \
  "vbroadcastss 12(%[a]), %%zmm26\n\t" \
  "vfmadd231ps %%zmm26, %%zmm24, %%zmm6\n\t" \
  "vfmadd231ps %%zmm26, %%zmm25, %%zmm7\n\t" \
  "vbroadcastss 16(%[a]), %%zmm26\n\t" \
  "vfmadd231ps %%zmm26, %%zmm24, %%zmm8\n\t" \
  "vfmadd231ps %%zmm26, %%zmm25, %%zmm9\n\t" \
  "vbroadcastss 20(%[a]), %%zmm26\n\t" \
  "vfmadd231ps %%zmm26, %%zmm24, %%zmm10\n\t" \
  "vfmadd231ps %%zmm26, %%zmm25, %%zmm11\n\t" \
  "vbroadcastss 0(%[a2]), %%zmm26\n\t" \
  "vfmadd231ps %%zmm26, %%zmm24, %%zmm12\n\t" \
  "vfmadd231ps %%zmm26, %%zmm25, %%zmm13\n\t" \
  "vbroadcastss 4(%[a2]), %%zmm26\n\t" \
  "vfmadd231ps %%zmm26, %%zmm24, %%zmm14\n\t" \
  "vfmadd231ps %%zmm26, %%zmm25, %%zmm15\n\t" \
  "vbroadcastss 8(%[a2]), %%zmm26\n\t" \
  "vfmadd231ps %%zmm26, %%zmm24, %%zmm16\n\t" \
  "vfmadd231ps %%zmm26, %%zmm25, %%zmm17\n\t" \
  "vbroadcastss 12(%[a2]), %%zmm26\n\t" \
  "vfmadd231ps %%zmm26, %%zmm24, %%zmm18\n\t" \
  "vfmadd231ps %%zmm26, %%zmm25, %%zmm19\n\t" \
  "vbroadcastss 16(%[a2]), %%zmm26\n\t" \
  "vfmadd231ps %%zmm26, %%zmm24, %%zmm20\n\t" \
  "vfmadd231ps %%zmm26, %%zmm25, %%zmm21\n\t" \
  "vbroadcastss 20(%[a2]), %%zmm26\n\t" \
  "vfmadd231ps %%zmm26, %%zmm24, %%zmm22\n\t" \
  "vfmadd231ps %%zmm26, %%zmm25, %%zmm23\n\t" \
  KITE_AVX512_NEXT_STEP_2X2

// v = min(hi, max(lo, v)) for accumulator zmm<v>, lo in zmm27 and hi in zmm28: the second operand
// (v) wins on unordered, so a NaN stays.
#define KITE_CLAMP_ZMM(v)                                 \
  "vmaxps %%zmm" v ", %%zmm27, %%zmm" v "\n\t" \
  "vminps %%zmm" v ", %%zmm28, %%zmm" v "\n\t"
// One row of 32 columns of C from zmm<first> and zmm<second>, then the pointer to the next row.
#define KITE_STORE_ROW_ZMM(row, first, second)  \
  "vmovups %%zmm" first ", (%[" row "])\n\t"    \
  "vmovups %%zmm" second ", 64(%[" row "])\n\t" \
  "add %[ldc], %[" row "]\n\t"

// Two panels of A against two B panels, 12 x 32: 24 accumulators (zmm0 .. zmm23, B's vectors in
// zmm24 and zmm25, A's value broadcast in zmm26: AVX-512's upper registers, which a compiler told
// of AVX2 only keeps nothing in and the ABI lets a function change; built for AVX-512, they are in
// the clobbers). Per k, 2 loads of B and 12 broadcasts feed 24 FMAs, against 13 loads for 12 in
// the 12 x 16 tile. acc is 12 rows of 32 floats, the first panel's 6 then the second's: zmm
// 2 row + q holds row's columns [16 q, 16 q + 16) (zmm16 and up loaded by two vinsertf64x4: VEX
// moves cannot name them). Each element still gets one FMA per k, in k's order.
void accumulate_avx512_two_by_two(const float* a, const float* a2, const float* b, const float* b2, int64_t depth,
                                  __m256 (&acc)[2 * kRows][4]) {
  if (depth <= 0) return;
  __m256* const tile = &acc[0][0];
  __asm__ volatile(
      KITE_LOAD_12_ZMM
      KITE_ZMM_ROWS_IN_12_23("vmovups", "vinsertf64x4")
      KITE_FMA_12X32_LOOP
      KITE_STORE_12_ZMM
      KITE_ZMM_ROWS_OUT_12_23("vmovups")
      "vzeroupper\n\t"
      : [a] "+r"(a), [a2] "+r"(a2), [b] "+r"(b), [b2] "+r"(b2), [n] "+r"(depth)
      : [acc] "r"(tile)
      : KITE_ZMM_CLOBBERS);
}

// Whether a tile pair may take tile_pair_whole_avx512: both tiles 6 rows by 32 or 16 columns, all of K
// in one block (it starts from the row bias and the residual, and clamps), no column bias, and the
// bottom tile's rows of C (and of the residual) right below the top's, as consecutive panels of A
// make them (the asm walks one pointer down all 12 rows).
bool whole_pair(const GemmTile& top, const GemmTile& bottom) {
  // The pair contract (gemm_microkernel.h) makes the rest equal; ldc, ldr and the clamp are checked
  // too, as this path takes them from the top tile alone.
  const bool residual_below = top.residual ? bottom.residual == top.residual + kRows * top.ldr && bottom.ldr == top.ldr
                                           : !bottom.residual;
  return (top.columns == 4 * kLanes || top.columns == 2 * kLanes) && top.rows == kRows && bottom.rows == kRows &&
         top.depth > 0 && top.first_block &&
         top.last_block && !top.column_bias && !bottom.column_bias && residual_below &&
         (top.row_bias == nullptr) == (bottom.row_bias == nullptr) && bottom.ldc == top.ldc &&
         bottom.c == top.c + kRows * top.ldc && bottom.min == top.min && bottom.max == top.max;
}

// The 24 accumulators start from each row's start value (0 + its bias) at %[start].
#define KITE_WHOLE_START                          \
  "vbroadcastss 0(%[start]), %%zmm0\n\t"          \
  "vmovaps %%zmm0, %%zmm1\n\t"                    \
  "vbroadcastss 4(%[start]), %%zmm2\n\t"          \
  "vmovaps %%zmm2, %%zmm3\n\t"                    \
  "vbroadcastss 8(%[start]), %%zmm4\n\t"          \
  "vmovaps %%zmm4, %%zmm5\n\t"                    \
  "vbroadcastss 12(%[start]), %%zmm6\n\t"         \
  "vmovaps %%zmm6, %%zmm7\n\t"                    \
  "vbroadcastss 16(%[start]), %%zmm8\n\t"         \
  "vmovaps %%zmm8, %%zmm9\n\t"                    \
  "vbroadcastss 20(%[start]), %%zmm10\n\t"        \
  "vmovaps %%zmm10, %%zmm11\n\t"                  \
  "vbroadcastss 24(%[start]), %%zmm12\n\t"        \
  "vmovaps %%zmm12, %%zmm13\n\t"                  \
  "vbroadcastss 28(%[start]), %%zmm14\n\t"        \
  "vmovaps %%zmm14, %%zmm15\n\t"                  \
  "vbroadcastss 32(%[start]), %%zmm16\n\t"        \
  "vmovaps %%zmm16, %%zmm17\n\t"                  \
  "vbroadcastss 36(%[start]), %%zmm18\n\t"        \
  "vmovaps %%zmm18, %%zmm19\n\t"                  \
  "vbroadcastss 40(%[start]), %%zmm20\n\t"        \
  "vmovaps %%zmm20, %%zmm21\n\t"                  \
  "vbroadcastss 44(%[start]), %%zmm22\n\t"        \
  "vmovaps %%zmm22, %%zmm23\n\t"

// Then + the residual's row (32 values at %[r]), as start_value adds it, and %[r] to the next row.
#define KITE_ADD_RESIDUAL_ROW(first, second)          \
  "vaddps (%[r]), %%zmm" first ", %%zmm" first "\n\t" \
  "vaddps 64(%[r]), %%zmm" second ", %%zmm" second "\n\t" \
  "add %[ldr], %[r]\n\t"

// zmm0 .. zmm11 clamped to [bounds[0], bounds[1]] (in zmm27 and zmm28).
#define KITE_CLAMP_ZMM_0_11                                                                     \
  "vbroadcastss 0(%[bounds]), %%zmm27\n\t"                                                      \
  "vbroadcastss 4(%[bounds]), %%zmm28\n\t"                                                      \
  KITE_CLAMP_ZMM("0") KITE_CLAMP_ZMM("1") KITE_CLAMP_ZMM("2") KITE_CLAMP_ZMM("3")                 \
  KITE_CLAMP_ZMM("4") KITE_CLAMP_ZMM("5") KITE_CLAMP_ZMM("6") KITE_CLAMP_ZMM("7")                 \
  KITE_CLAMP_ZMM("8") KITE_CLAMP_ZMM("9") KITE_CLAMP_ZMM("10") KITE_CLAMP_ZMM("11")

// After the loop: clamped to [bounds[0], bounds[1]], stored row by row from %[c] down.
#define KITE_WHOLE_CLAMP_AND_STORE                                                                         \
  KITE_CLAMP_ZMM_0_11                                                                                      \
  KITE_CLAMP_ZMM("12") KITE_CLAMP_ZMM("13") KITE_CLAMP_ZMM("14") KITE_CLAMP_ZMM("15")                      \
  KITE_CLAMP_ZMM("16") KITE_CLAMP_ZMM("17") KITE_CLAMP_ZMM("18") KITE_CLAMP_ZMM("19")                      \
  KITE_CLAMP_ZMM("20") KITE_CLAMP_ZMM("21") KITE_CLAMP_ZMM("22") KITE_CLAMP_ZMM("23")                      \
  KITE_STORE_ROW_ZMM("c", "0", "1") KITE_STORE_ROW_ZMM("c", "2", "3") KITE_STORE_ROW_ZMM("c", "4", "5")    \
  KITE_STORE_ROW_ZMM("c", "6", "7") KITE_STORE_ROW_ZMM("c", "8", "9") KITE_STORE_ROW_ZMM("c", "10", "11")  \
  KITE_STORE_ROW_ZMM("c", "12", "13") KITE_STORE_ROW_ZMM("c", "14", "15") KITE_STORE_ROW_ZMM("c", "16", "17") \
  KITE_STORE_ROW_ZMM("c", "18", "19") KITE_STORE_ROW_ZMM("c", "20", "21") KITE_STORE_ROW_ZMM("c", "22", "23") \
  "vzeroupper\n\t"

// The same for the 12 x 16 pair (one zmm per row: zmm r holds row r): each row's start value,
// + the residual's row (16 values at %[r]), and after the loop, the clamp and one store per row.
#define KITE_WHOLE_START_16(r) "vbroadcastss " #r "*4(%[start]), %%zmm" #r "\n\t"
#define KITE_WHOLE_START_12X16                                                                      \
  KITE_WHOLE_START_16(0) KITE_WHOLE_START_16(1) KITE_WHOLE_START_16(2) KITE_WHOLE_START_16(3)       \
  KITE_WHOLE_START_16(4) KITE_WHOLE_START_16(5) KITE_WHOLE_START_16(6) KITE_WHOLE_START_16(7)       \
  KITE_WHOLE_START_16(8) KITE_WHOLE_START_16(9) KITE_WHOLE_START_16(10) KITE_WHOLE_START_16(11)
#define KITE_ADD_RESIDUAL_ROW_16(v) "vaddps (%[r]), %%zmm" v ", %%zmm" v "\n\tadd %[ldr], %[r]\n\t"
#define KITE_ADD_RESIDUAL_12X16                                                                        \
  KITE_ADD_RESIDUAL_ROW_16("0") KITE_ADD_RESIDUAL_ROW_16("1") KITE_ADD_RESIDUAL_ROW_16("2")             \
  KITE_ADD_RESIDUAL_ROW_16("3") KITE_ADD_RESIDUAL_ROW_16("4") KITE_ADD_RESIDUAL_ROW_16("5")             \
  KITE_ADD_RESIDUAL_ROW_16("6") KITE_ADD_RESIDUAL_ROW_16("7") KITE_ADD_RESIDUAL_ROW_16("8")             \
  KITE_ADD_RESIDUAL_ROW_16("9") KITE_ADD_RESIDUAL_ROW_16("10") KITE_ADD_RESIDUAL_ROW_16("11")
#define KITE_STORE_ROW_16(v) "vmovups %%zmm" v ", (%[c])\n\tadd %[ldc], %[c]\n\t"
#define KITE_WHOLE_CLAMP_AND_STORE_12X16                                                                   \
  KITE_CLAMP_ZMM_0_11                                                                                      \
  KITE_STORE_ROW_16("0") KITE_STORE_ROW_16("1") KITE_STORE_ROW_16("2") KITE_STORE_ROW_16("3")              \
  KITE_STORE_ROW_16("4") KITE_STORE_ROW_16("5") KITE_STORE_ROW_16("6") KITE_STORE_ROW_16("7")              \
  KITE_STORE_ROW_16("8") KITE_STORE_ROW_16("9") KITE_STORE_ROW_16("10") KITE_STORE_ROW_16("11")            \
  "vzeroupper\n\t"

// The common tile pair, whole, from start to store in zmm registers: the general path keeps its
// accumulators in 48 ymm of memory for the C++ start and store around the asm loop, which on
// short products (MobileNet's 1x1 layers, K = 16 to 160) cost a quarter of the tile's time, and
// with a residual (ResNet's and MobileNet v2's shortcuts, K = 64 to 512) as much again. The
// same arithmetic, element for element: each row starts from 0 + its bias (as start_value adds
// it, so that a bias of -0 starts from +0), + the residual, the same FMA chain, then min(hi,
// max(lo, v)) (NaN kept), so the same bits.
void tile_pair_whole_avx512(const GemmTile& top, const GemmTile& bottom) {
  alignas(64) float start[2 * kRows];
  for (int r = 0; r < kRows; ++r) {
    start[r] = top.row_bias ? 0.f + top.row_bias[r] : 0.f;
    start[kRows + r] = bottom.row_bias ? 0.f + bottom.row_bias[r] : 0.f;
  }
  const float bounds[2] = {top.min, top.max};
  const float *a = top.a, *a2 = bottom.a, *b = top.b, *b2 = top.b2;  // b2: null and unread for 16 columns
  float* c = top.c;
  int64_t depth = top.depth;
  const int64_t ldc_bytes = top.ldc * static_cast<int64_t>(sizeof(float));
  const float* r = top.residual;
  const int64_t ldr_bytes = top.ldr * static_cast<int64_t>(sizeof(float));
// The pair's asm, with or without the residual's rows, for one width.
#define KITE_WHOLE_PAIR(start_rows, residual_rows, loop, clamp_and_store)                                   \
  if (r) {                                                                                                  \
    __asm__ volatile(start_rows residual_rows loop clamp_and_store                                          \
                     : [a] "+r"(a), [a2] "+r"(a2), [b] "+r"(b), [b2] "+r"(b2), [n] "+r"(depth), [c] "+r"(c), \
                       [r] "+r"(r)                                                                          \
                     : [start] "r"(start), [bounds] "r"(bounds), [ldc] "r"(ldc_bytes), [ldr] "r"(ldr_bytes) \
                     : KITE_ZMM_CLOBBERS);                                                                  \
  } else {                                                                                                  \
    __asm__ volatile(start_rows loop clamp_and_store                                                        \
                     : [a] "+r"(a), [a2] "+r"(a2), [b] "+r"(b), [b2] "+r"(b2), [n] "+r"(depth), [c] "+r"(c) \
                     : [start] "r"(start), [bounds] "r"(bounds), [ldc] "r"(ldc_bytes)                       \
                     : KITE_ZMM_CLOBBERS);                                                                  \
  }
  if (top.columns == 2 * kLanes) {  // Winograd's 36 products per block of 16 tiles are all this wide
    KITE_WHOLE_PAIR(KITE_WHOLE_START_12X16, KITE_ADD_RESIDUAL_12X16, KITE_FMA_12X16_LOOP,
                    KITE_WHOLE_CLAMP_AND_STORE_12X16)
  } else {
    KITE_WHOLE_PAIR(KITE_WHOLE_START,
                    KITE_ADD_RESIDUAL_ROW("0", "1") KITE_ADD_RESIDUAL_ROW("2", "3") KITE_ADD_RESIDUAL_ROW("4", "5")
                    KITE_ADD_RESIDUAL_ROW("6", "7") KITE_ADD_RESIDUAL_ROW("8", "9") KITE_ADD_RESIDUAL_ROW("10", "11")
                    KITE_ADD_RESIDUAL_ROW("12", "13") KITE_ADD_RESIDUAL_ROW("14", "15")
                    KITE_ADD_RESIDUAL_ROW("16", "17") KITE_ADD_RESIDUAL_ROW("18", "19")
                    KITE_ADD_RESIDUAL_ROW("20", "21") KITE_ADD_RESIDUAL_ROW("22", "23"),
                    KITE_FMA_12X32_LOOP, KITE_WHOLE_CLAMP_AND_STORE)
  }
#undef KITE_WHOLE_PAIR
}

template <int kVectors, bool kWhole>
void tile_pair_avx512(const GemmTile& top, const GemmTile& bottom) {
  const TileRow<kVectors, kWhole> edge{static_cast<int>(top.columns) - (kVectors - 1) * kLanes};
  constexpr int kWidth = kVectors > 2 ? 4 : 2;  // ymm per row in acc: two B panels, or one
  __m256 acc[2 * kRows][kWidth];
  KITE_UNROLL_TILE for (int r = 0; r < kRows; ++r)
    KITE_UNROLL_TILE for (int q = 0; q < kWidth; ++q) {
      acc[r][q] = q < kVectors ? start_value(top, edge, r, q) : _mm256_setzero_ps();
      acc[kRows + r][q] = q < kVectors ? start_value(bottom, edge, r, q) : _mm256_setzero_ps();
    }
  if constexpr (kVectors > 2) accumulate_avx512_two_by_two(top.a, bottom.a, top.b, top.b2, top.depth, acc);
  else accumulate_avx512_two_panels(top.a, bottom.a, top.b, top.depth, acc);
  __m256 out[kRows][kVectors];
  for (int h = 0; h < 2; ++h) {
    KITE_UNROLL_TILE for (int r = 0; r < kRows; ++r)
      KITE_UNROLL_TILE for (int q = 0; q < kVectors; ++q) out[r][q] = acc[h * kRows + r][q];
    store(h == 0 ? top : bottom, edge, out);
  }
}

template <int kVectors, bool kWhole>
void tile_avx512(const GemmTile& t) {
  const TileRow<kVectors, kWhole> edge{static_cast<int>(t.columns) - (kVectors - 1) * kLanes};
  __m256 acc[kRows][4];
  KITE_UNROLL_TILE for (int r = 0; r < kRows; ++r)
    KITE_UNROLL_TILE for (int q = 0; q < 4; ++q) acc[r][q] = q < kVectors ? start_value(t, edge, r, q) : _mm256_setzero_ps();
  if (kVectors > 2) accumulate_avx512(t.a, t.b, t.b2, t.depth, acc);
  else accumulate_avx512_one_panel(t.a, t.b, t.depth, acc);
  __m256 out[kRows][kVectors];
  KITE_UNROLL_TILE for (int r = 0; r < kRows; ++r)
    KITE_UNROLL_TILE for (int q = 0; q < kVectors; ++q) out[r][q] = acc[r][q];
  store(t, edge, out);
}

}  // namespace

void f32_gemm_12x32_avx512(const GemmTile& top, const GemmTile& bottom) {
  if (whole_pair(top, bottom)) tile_pair_whole_avx512(top, bottom);
  else if (top.columns == 4 * kLanes) tile_pair_avx512<4, true>(top, bottom);
  else if (top.columns > 3 * kLanes) tile_pair_avx512<4, false>(top, bottom);
  else if (top.columns == 3 * kLanes) tile_pair_avx512<3, true>(top, bottom);
  else if (top.columns > 2 * kLanes) tile_pair_avx512<3, false>(top, bottom);
  else if (top.columns == 2 * kLanes) tile_pair_avx512<2, true>(top, bottom);
  else if (top.columns > kLanes) tile_pair_avx512<2, false>(top, bottom);
  else if (top.columns == kLanes) tile_pair_avx512<1, true>(top, bottom);
  else tile_pair_avx512<1, false>(top, bottom);
}

void f32_gemm_6x32_avx512(const GemmTile& t) {
  if (t.columns == 4 * kLanes) tile_avx512<4, true>(t);
  else if (t.columns > 3 * kLanes) tile_avx512<4, false>(t);
  else if (t.columns == 3 * kLanes) tile_avx512<3, true>(t);
  else if (t.columns > 2 * kLanes) tile_avx512<3, false>(t);
  else if (t.columns == 2 * kLanes) tile_avx512<2, true>(t);
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
