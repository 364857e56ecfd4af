// The AVX2 int8 microkernel: a 6 x 16 tile of int32 sums in 12 ymm accumulators. Per pair of k it
// loads two vectors of the packed B panel (8 columns x 2 int16 each) and broadcasts each row's
// pair of A (two int16 read as one 32-bit value); vpmaddwd multiplies the pairs and adds them
// into int32 lanes, exactly (|a| <= 128, |b - zb| <= 255; or both up to 2^13 for
// gemm_s16_panel), and vpaddd accumulates. u8 x s8
// vpmaddubsw would do twice the work per instruction, but it saturates at int16 (2 x 255 x 127 >
// 32767), which would make the result depend on the data's magnitude. Where every weight is in
// [-63, 63] it cannot (2 x 255 x 63 = 32130), and q8_gemm_6x16_u8s8_avx2 below uses it, on A in
// quads of k and B as raw uint8 (kernels/q8_gemm_microkernel.h).
//
// Speed on Zen3: vpmaddwd issues on two of the four vector pipes and every one needs a vpaddd
// too, so a loop of them peaks near 1.5 vpmaddwd a cycle (24 multiply-adds, against 16 for fp32
// FMA), whatever the tile's shape (4x16 to 6x16 measured alike, and broadcasting A costs no more
// than loading it). Six rows, as in the fp32 GEMM, read each packed B panel fewer times per
// multiply-add than four. The 6 x 16 pair loop is inline asm (accumulate<2>): from intrinsics GCC
// kept some of the twelve accumulators on the stack, and the loop ran at about 0.6 times the
// rate it runs at now.
//
// AVX-VNNI (Intel since Alder Lake and Sapphire Rapids, AMD since Zen 5) has vpdpbusd: four
// u8 x s8 products summed straight into an int32 lane, in one instruction, exact for any weights.
// Its loop is asm too, with the {vex} encoding, so that the file needs no compiler flag beyond
// AVX2's; it only runs where cpu_has_avx_vnni().
//
// The requantization is requantize() (kernels/requantize.h) lane by lane: cvtdq2ps, mulps,
// maxps/minps against (qmin - zp, qmax - zp), cvtps2dq (round to nearest even in the default
// MXCSR mode, as nearbyint), + zp; the values are then in [0, 255], so packing them with signed
// and then unsigned saturation changes nothing.
//
// Compiled with -mavx2 -mfma, like every file in src/kernels/x86. It includes no standard header
// and calls no inline function defined elsewhere: an inline function instantiated here would be
// compiled with AVX2, and the linker could keep that copy for callers on CPUs without it.
#include <immintrin.h>

#include "kernels/q8_gemm_microkernel.h"
#include "kernels/x86/avx512_tile_loop.h"

// Every loop over the tile's rows and vectors is unrolled before GCC decides where the
// accumulators live, so that they stay in registers.
#define KITE_UNROLL_TILE _Pragma("GCC unroll 8")

namespace kite {
namespace {

constexpr int kRows = kQ8TileRows;
constexpr int kLanes = 8;

// A row's pair of int16 weights, read as the one 32-bit value vpbroadcastd copies to every lane.
typedef int32_t __attribute__((may_alias)) aliased_int32;

template <int kVectors>
void accumulate(const int16_t* a, const int16_t* b, int64_t pairs, __m256i (&acc)[kRows][kVectors]) {
  const aliased_int32* a_pairs = reinterpret_cast<const aliased_int32*>(a);
  for (int64_t p = 0; p < pairs; ++p) {
    __m256i b_p[kVectors];
    KITE_UNROLL_TILE for (int q = 0; q < kVectors; ++q)
      b_p[q] = _mm256_load_si256(reinterpret_cast<const __m256i*>(b + q * 2 * kLanes));
    KITE_UNROLL_TILE for (int r = 0; r < kRows; ++r) {
      const __m256i a_rp = _mm256_set1_epi32(a_pairs[r]);
      KITE_UNROLL_TILE for (int q = 0; q < kVectors; ++q)
        acc[r][q] = _mm256_add_epi32(acc[r][q], _mm256_madd_epi16(a_rp, b_p[q]));
    }
    a_pairs += kRows;
    b += kQ8PanelPairStride;
  }
}

// Sixteen columns, six rows: twelve accumulators, the two B vectors, the broadcast pair and one
// product fill the sixteen ymm registers exactly. Written as asm because GCC, given the same code
// as intrinsics, moved accumulators to the stack and back on every pair (measured: the Winograd
// products of GoogLeNet, 37% of its int8 time, ran at about 0.6 times this loop's rate).
//
// KITE_Q8_TILE_ASM is the loop around one step per row, shared by the two instruction
// sequences: ymm0 .. ymm11 hold the tile (row r in ymm(2r), ymm(2r + 1)), ymm12 and ymm13 B's
// two vectors, ymm14 the row's broadcast A (a pair of int16 or a quad of int8: 4 bytes, 6 rows,
// 24 bytes a step; B 64 bytes a step either way), ymm15 a product. ROW(x, y) multiplies ymm14
// into accumulators ymm<x> and ymm<y>.
#define KITE_Q8_TILE_ASM(ROW)                                                                                  \
  "vmovdqu 0(%[acc]), %%ymm0\n\t"                                                                             \
  "vmovdqu 32(%[acc]), %%ymm1\n\t"                                                                            \
  "vmovdqu 64(%[acc]), %%ymm2\n\t"                                                                            \
  "vmovdqu 96(%[acc]), %%ymm3\n\t"                                                                            \
  "vmovdqu 128(%[acc]), %%ymm4\n\t"                                                                           \
  "vmovdqu 160(%[acc]), %%ymm5\n\t"                                                                           \
  "vmovdqu 192(%[acc]), %%ymm6\n\t"                                                                           \
  "vmovdqu 224(%[acc]), %%ymm7\n\t"                                                                           \
  "vmovdqu 256(%[acc]), %%ymm8\n\t"                                                                           \
  "vmovdqu 288(%[acc]), %%ymm9\n\t"                                                                           \
  "vmovdqu 320(%[acc]), %%ymm10\n\t"                                                                          \
  "vmovdqu 352(%[acc]), %%ymm11\n\t"                                                                          \
  "1:\n\t"                                                                                                    \
  "vmovdqa (%[b]), %%ymm12\n\t"                                                                               \
  "vmovdqa 32(%[b]), %%ymm13\n\t"                                                                             \
  "vpbroadcastd 0(%[a]), %%ymm14\n\t" ROW("0", "1")                                                           \
  "vpbroadcastd 4(%[a]), %%ymm14\n\t" ROW("2", "3")                                                           \
  "vpbroadcastd 8(%[a]), %%ymm14\n\t" ROW("4", "5")                                                           \
  "vpbroadcastd 12(%[a]), %%ymm14\n\t" ROW("6", "7")                                                          \
  "vpbroadcastd 16(%[a]), %%ymm14\n\t" ROW("8", "9")                                                          \
  "vpbroadcastd 20(%[a]), %%ymm14\n\t" ROW("10", "11")                                                        \
  "add $24, %[a]\n\t"                                                                                         \
  "add $64, %[b]\n\t"                                                                                         \
  "dec %[n]\n\t"                                                                                              \
  "jnz 1b\n\t"                                                                                                \
  "vmovdqu %%ymm0, 0(%[acc])\n\t"                                                                             \
  "vmovdqu %%ymm1, 32(%[acc])\n\t"                                                                            \
  "vmovdqu %%ymm2, 64(%[acc])\n\t"                                                                            \
  "vmovdqu %%ymm3, 96(%[acc])\n\t"                                                                            \
  "vmovdqu %%ymm4, 128(%[acc])\n\t"                                                                           \
  "vmovdqu %%ymm5, 160(%[acc])\n\t"                                                                           \
  "vmovdqu %%ymm6, 192(%[acc])\n\t"                                                                           \
  "vmovdqu %%ymm7, 224(%[acc])\n\t"                                                                           \
  "vmovdqu %%ymm8, 256(%[acc])\n\t"                                                                           \
  "vmovdqu %%ymm9, 288(%[acc])\n\t"                                                                           \
  "vmovdqu %%ymm10, 320(%[acc])\n\t"                                                                          \
  "vmovdqu %%ymm11, 352(%[acc])\n\t"                                                                          \
  : [a] "+r"(a), [b] "+r"(b), [n] "+r"(steps)                                                                 \
  : [acc] "r"(&acc[0][0])                                                                                     \
  : "cc", "memory", "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7", "xmm8", "xmm9", "xmm10",   \
    "xmm11", "xmm12", "xmm13", "xmm14", "xmm15"

// AVX2: vpmaddwd sums a pair of int16 products into int32 lanes, vpaddd accumulates them.
#define KITE_MADDWD_ROW(x, y)                                                                              \
  "vpmaddwd %%ymm12, %%ymm14, %%ymm15\n\t"                                                                 \
  "vpaddd %%ymm15, %%ymm" x ", %%ymm" x "\n\t"                                                             \
  "vpmaddwd %%ymm13, %%ymm14, %%ymm15\n\t"                                                                 \
  "vpaddd %%ymm15, %%ymm" y ", %%ymm" y "\n\t"
// AVX-VNNI: vpdpbusd sums four u8 x s8 products (B's bytes unsigned, A's signed: the AT&T
// operand order is A, B, accumulator) into each int32 lane, exactly ({vex}: the AVX-VNNI
// encoding, not AVX-512's).
#define KITE_DPBUSD_ROW(x, y)                 \
  "%{vex%} vpdpbusd %%ymm14, %%ymm12, %%ymm" x "\n\t" \
  "%{vex%} vpdpbusd %%ymm14, %%ymm13, %%ymm" y "\n\t"

template <>
void accumulate<2>(const int16_t* a, const int16_t* b, int64_t pairs, __m256i (&acc)[kRows][2]) {
  static_assert(kRows == 6 && kQ8PanelPairStride * sizeof(int16_t) == 64, "the asm is written for 6 x 16");
  int64_t steps = pairs;
  if (steps > 0) __asm__ volatile(KITE_Q8_TILE_ASM(KITE_MADDWD_ROW));
}

// The AVX-VNNI loop computes all 16 columns even for a tile of 8 or fewer (B's panel is 16 wide,
// zero-padded), and the store keeps the columns that exist: such tiles are rare (the right edge
// of C), and one loop is less code.
void accumulate_quads_vnni(const int8_t* a, const uint8_t* b, int64_t quads, __m256i (&acc)[kRows][2]) {
  static_assert(kRows == 6 && kQ8QuadPanelBytes == 64, "the asm is written for 6 rows x 16 columns of 4 bytes");
  int64_t steps = quads;
  if (steps > 0) __asm__ volatile(KITE_Q8_TILE_ASM(KITE_DPBUSD_ROW));
}

// The first `count` (1 .. 16) bytes of v, without touching the bytes past them.
void store_bytes(uint8_t* p, __m128i v, int count) {
  if (count == 16) {
    _mm_storeu_si128(reinterpret_cast<__m128i*>(p), v);
    return;
  }
  if (count & 8) {
    _mm_storel_epi64(reinterpret_cast<__m128i*>(p), v);
    v = _mm_srli_si128(v, 8);
    p += 8;
  }
  int low = _mm_cvtsi128_si32(v);
  if (count & 4) {
    _mm_storeu_si32(p, v);
    low = _mm_cvtsi128_si32(_mm_srli_si128(v, 4));
    p += 4;
  }
  if (count & 2) {
    p[0] = static_cast<uint8_t>(low);
    p[1] = static_cast<uint8_t>(low >> 8);
    low >>= 16;
    p += 2;
  }
  if (count & 1) p[0] = static_cast<uint8_t>(low);
}

// The first `count` (1 .. 8) floats of v. Stores are split into 4-, 2- and 1-float pieces rather
// than masked: Zen3 executes vmaskmovps stores slowly.
void store_floats(float* p, __m256 v, int count) {
  if (count == kLanes) {
    _mm256_storeu_ps(p, v);
    return;
  }
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

// requantize() on 8 lanes; the results are in [qmin, qmax], inside [0, 255].
struct Requantizer {
  __m256 lo, hi;
  __m256i zero_point;

  __m256i apply(__m256i acc, __m256 scale) const {
    __m256 y = _mm256_mul_ps(_mm256_cvtepi32_ps(acc), scale);
    y = _mm256_min_ps(_mm256_max_ps(y, lo), hi);
    return _mm256_add_epi32(_mm256_cvtps_epi32(y), zero_point);
  }
};

// 8 int32 lanes in [0, 255] to 8 bytes (the low half of the result).
__m128i narrow_to_bytes(__m256i v) {
  __m128i words = _mm_packs_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
  return _mm_packus_epi16(words, words);
}

// 2 x 8 int32 lanes in [0, 255] to 16 bytes, in column order.
__m128i narrow_to_bytes(__m256i v0, __m256i v1) {
  __m128i words0 = _mm_packs_epi32(_mm256_castsi256_si128(v0), _mm256_extracti128_si256(v0, 1));
  __m128i words1 = _mm_packs_epi32(_mm256_castsi256_si128(v1), _mm256_extracti128_si256(v1, 1));
  return _mm_packus_epi16(words0, words1);
}

// The tile's fields are read into locals first: a store to C could alias them as far as the
// compiler knows, and it would reload them after every store.
template <int kVectors>
void store_u8(const Q8Tile& t, const __m256i (&acc)[kRows][kVectors]) {
  uint8_t* const c = static_cast<uint8_t*>(t.c);
  const int64_t ldc = t.ldc;
  const int rows = t.rows, columns = t.columns;
  const float* const row_scale = t.row_scale;
  const Requantizer rq{_mm256_set1_ps(static_cast<float>(t.qmin - t.c_zero_point)),
                       _mm256_set1_ps(static_cast<float>(t.qmax - t.c_zero_point)),
                       _mm256_set1_epi32(t.c_zero_point)};
  KITE_UNROLL_TILE for (int r = 0; r < kRows; ++r) {
    if (r >= rows) break;
    const __m256 scale = _mm256_set1_ps(row_scale[r]);
    __m128i bytes;
    if (kVectors == 2) bytes = narrow_to_bytes(rq.apply(acc[r][0], scale), rq.apply(acc[r][kVectors - 1], scale));
    else bytes = narrow_to_bytes(rq.apply(acc[r][0], scale));
    store_bytes(c + r * ldc, bytes, columns);
  }
}

template <int kVectors>
void store_f32(const Q8Tile& t, const __m256i (&acc)[kRows][kVectors]) {
  float* const c = static_cast<float*>(t.c);
  const int64_t ldc = t.ldc;
  const int rows = t.rows, columns = t.columns;
  const float* const row_scale = t.row_scale;
  KITE_UNROLL_TILE for (int r = 0; r < kRows; ++r) {
    if (r >= rows) break;
    const __m256 scale = _mm256_set1_ps(row_scale[r]);
    KITE_UNROLL_TILE for (int q = 0; q < kVectors; ++q) {
      int count = columns - q * kLanes;
      if (count <= 0) break;
      store_floats(c + r * ldc + q * kLanes, _mm256_mul_ps(_mm256_cvtepi32_ps(acc[r][q]), scale),
                   count < kLanes ? count : kLanes);
    }
  }
}

template <int kVectors>
void store_i32(const Q8Tile& t, const __m256i (&acc)[kRows][kVectors]) {
  int32_t* const c = static_cast<int32_t*>(t.c);
  const int64_t ldc = t.ldc;
  const int rows = t.rows, columns = t.columns;
  KITE_UNROLL_TILE for (int r = 0; r < kRows; ++r) {
    if (r >= rows) break;
    KITE_UNROLL_TILE for (int q = 0; q < kVectors; ++q) {
      int count = columns - q * kLanes;
      if (count <= 0) break;
      // The int32 bits through the float store: a store moves bits, it does not convert them.
      store_floats(reinterpret_cast<float*>(c + r * ldc + q * kLanes), _mm256_castsi256_ps(acc[r][q]),
                   count < kLanes ? count : kLanes);
    }
  }
}

template <int kVectors>
void store_tile(const Q8Tile& t, const __m256i (&acc)[kRows][kVectors]) {
  if (t.output == Q8TileOutput::kU8) store_u8(t, acc);
  else if (t.output == Q8TileOutput::kF32) store_f32(t, acc);
  else store_i32(t, acc);
}

// Rows past the tile's end start at zero and are never stored.
template <int kVectors>
void tile_avx2(const Q8Tile& t) {
  __m256i acc[kRows][kVectors];
  KITE_UNROLL_TILE for (int r = 0; r < kRows; ++r) {
    __m256i start = r < t.rows && t.row_bias ? _mm256_set1_epi32(t.row_bias[r]) : _mm256_setzero_si256();
    KITE_UNROLL_TILE for (int q = 0; q < kVectors; ++q) acc[r][q] = start;
  }
  accumulate(t.a, t.b, t.pairs, acc);
  store_tile(t, acc);
}

// The 7-bit path: per quad of k, one vector of B per 8 columns (8 x 4 uint8) and each row's 4
// weights broadcast as one 32-bit value. vpmaddubsw sums adjacent u8 x s8 products into int16,
// exact for |a| <= 63 (2 * 255 * 63 < 32767); vpmaddwd with ones adds those pairs into int32.
template <int kVectors>
void accumulate_quads(const int8_t* a, const uint8_t* b, int64_t quads, __m256i (&acc)[kRows][kVectors]) {
  const aliased_int32* a_quads = reinterpret_cast<const aliased_int32*>(a);
  const __m256i ones = _mm256_set1_epi16(1);
  for (int64_t q = 0; q < quads; ++q) {
    __m256i b_q[kVectors];
    KITE_UNROLL_TILE for (int v = 0; v < kVectors; ++v)
      b_q[v] = _mm256_load_si256(reinterpret_cast<const __m256i*>(b + v * 4 * kLanes));
    KITE_UNROLL_TILE for (int r = 0; r < kRows; ++r) {
      const __m256i a_rq = _mm256_set1_epi32(a_quads[r]);
      KITE_UNROLL_TILE for (int v = 0; v < kVectors; ++v) {
        const __m256i pairs = _mm256_maddubs_epi16(b_q[v], a_rq);
        acc[r][v] = _mm256_add_epi32(acc[r][v], _mm256_madd_epi16(pairs, ones));
      }
    }
    a_quads += kRows;
    b += kQ8QuadPanelBytes;
  }
}

template <int kVectors>
void tile_u8s8_avx2(const Q8QuadTile& t) {
  __m256i acc[kRows][kVectors];
  KITE_UNROLL_TILE for (int r = 0; r < kRows; ++r) {
    const __m256i start = _mm256_set1_epi32(t.out.row_bias[r]);
    KITE_UNROLL_TILE for (int v = 0; v < kVectors; ++v) acc[r][v] = start;
  }
  accumulate_quads(t.a, t.b, t.quads, acc);
  store_tile(t.out, acc);
}

// AVX512_VNNI: the same products on zmm, 16 columns a register (avx512_tile_loop.h).
void accumulate_quads_avx512_vnni(const int8_t* a, const uint8_t* b, int64_t quads, __m256i (&acc)[kRows][2]) {
  static_assert(kRows == 6 && kQ8QuadPanelBytes == 64, "avx512_tile_loop.h is written for 6 rows x 16 columns");
  const int64_t steps = quads;
  __m256i* const tile = &acc[0][0];
  if (steps > 0) __asm__ volatile(KITE_AVX512_TILE_ASM("vpdpbusd"));
}

// requantize() on a whole row of the tile, 16 lanes a zmm: the AVX2 store's operations in the
// same order (so the same bytes), in half the instructions, and vpmovdb narrows the values, already
// in [0, 255], to bytes in one. Where a product's K is short (MobileNet v2's expansions: K = 16 to
// 32) the requantization costs more than the products. Compiled for AVX-512F by its attribute
// alone, and only called where cpu_has_avx512_vnni().
// GCC 12's avx512fintrin.h starts some intrinsics from a self-initialized _mm512_undefined_ps(),
// which -Wmaybe-uninitialized reports once the function is inlined: a false positive.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
__attribute__((target("avx512f"))) void store_u8_avx512(const Q8Tile& t, const __m256i (&acc)[kRows][2]) {
  uint8_t* const c = static_cast<uint8_t*>(t.c);
  const int64_t ldc = t.ldc;
  const int rows = t.rows, columns = t.columns;
  const float* const row_scale = t.row_scale;
  const __m512 lo = _mm512_set1_ps(static_cast<float>(t.qmin - t.c_zero_point));
  const __m512 hi = _mm512_set1_ps(static_cast<float>(t.qmax - t.c_zero_point));
  const __m512i zero_point = _mm512_set1_epi32(t.c_zero_point);
  KITE_UNROLL_TILE for (int r = 0; r < kRows; ++r) {
    if (r >= rows) break;
    __m512 y = _mm512_mul_ps(_mm512_cvtepi32_ps(_mm512_loadu_si512(&acc[r][0])), _mm512_set1_ps(row_scale[r]));
    y = _mm512_min_ps(_mm512_max_ps(y, lo), hi);
    store_bytes(c + r * ldc, _mm512_cvtepi32_epi8(_mm512_add_epi32(_mm512_cvtps_epi32(y), zero_point)), columns);
  }
}
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif

// Two panels of A at once (avx512_tile_loop.h, KITE_AVX512_TILE_PAIR_ASM): 12 rows x 16 columns.
void accumulate_quad_pair_avx512_vnni(const int8_t* a, const int8_t* a2, const uint8_t* b, int64_t quads,
                                      __m256i (&acc)[2][kRows][2]) {
  static_assert(kRows == 6 && kQ8QuadPanelBytes == 64, "avx512_tile_loop.h is written for 6 rows x 16 columns");
  const int64_t steps = quads;
  __m256i* const tile = &acc[0][0][0];
  if (steps > 0) __asm__ volatile(KITE_AVX512_TILE_PAIR_ASM("vpdpbusd"));
}

// Two panels of A against two B panels, 12 x 32: 24 accumulators, which takes AVX-512's upper
// registers (zmm16 .. zmm26; a compiler told of AVX2 only keeps nothing there, and the ABI lets a
// function change them; built for AVX-512, they are in the clobbers). Per quad, 2 loads of B and 12 broadcasts of A feed 24 vpdpbusd,
// against 13 loads for 12 in the 12 x 16 tile: the loads, not the multiplies, bound that one.
// acc is [panel of A][panel of B][row] rows of 64 bytes, zmm (2h + q) * 6 + r (zmm16 and up
// loaded by two vinserti64x4: VEX moves cannot name them). A is prefetched 1 KiB (about 40 quads)
// ahead: a panel's weights come from memory on its first tile wherever the network's weights
// exceed the cache, and on 7x7 maps (49 columns: two tiles) that wait was 15% of the product.
void accumulate_quad_wide_avx512_vnni(const int8_t* a, const int8_t* a2, const uint8_t* b, const uint8_t* b2,
                                      int64_t quads, __m256i (&acc)[2][2][kRows][2]) {
  static_assert(kRows == 6 && kQ8QuadPanelBytes == 64, "the asm is written for 6 rows x 16 columns of 4 bytes");
  if (quads <= 0) return;
  __m256i* const tile = &acc[0][0][0][0];
  __asm__ volatile(
      KITE_ZMM_ROWS_IN_0_5("vmovdqu", "vinserti64x4")
      KITE_ZMM_ROWS_IN_6_11("vmovdqu", "vinserti64x4")
      KITE_ZMM_ROWS_IN_12_23("vmovdqu", "vinserti64x4")
      "1:\n\t"
      "prefetcht0 1024(%[a])\n\t"
      "prefetcht0 1024(%[a2])\n\t"
      "vmovdqu32 (%[b]), %%zmm24\n\t"
      "vmovdqu32 (%[b2]), %%zmm25\n\t"
      "vpbroadcastd 0(%[a]), %%zmm26\n\t"
      "vpdpbusd %%zmm26, %%zmm24, %%zmm0\n\t"
      "vpdpbusd %%zmm26, %%zmm25, %%zmm6\n\t"
      "vpbroadcastd 4(%[a]), %%zmm26\n\t"
      "vpdpbusd %%zmm26, %%zmm24, %%zmm1\n\t"
      "vpdpbusd %%zmm26, %%zmm25, %%zmm7\n\t"
      "vpbroadcastd 8(%[a]), %%zmm26\n\t"
      "vpdpbusd %%zmm26, %%zmm24, %%zmm2\n\t"
      "vpdpbusd %%zmm26, %%zmm25, %%zmm8\n\t"
      "vpbroadcastd 12(%[a]), %%zmm26\n\t"
      "vpdpbusd %%zmm26, %%zmm24, %%zmm3\n\t"
      "vpdpbusd %%zmm26, %%zmm25, %%zmm9\n\t"
      "vpbroadcastd 16(%[a]), %%zmm26\n\t"
      "vpdpbusd %%zmm26, %%zmm24, %%zmm4\n\t"
      "vpdpbusd %%zmm26, %%zmm25, %%zmm10\n\t"
      "vpbroadcastd 20(%[a]), %%zmm26\n\t"
      "vpdpbusd %%zmm26, %%zmm24, %%zmm5\n\t"
      "vpdpbusd %%zmm26, %%zmm25, %%zmm11\n\t"
      "vpbroadcastd 0(%[a2]), %%zmm26\n\t"
      "vpdpbusd %%zmm26, %%zmm24, %%zmm12\n\t"
      "vpdpbusd %%zmm26, %%zmm25, %%zmm18\n\t"
      "vpbroadcastd 4(%[a2]), %%zmm26\n\t"
      "vpdpbusd %%zmm26, %%zmm24, %%zmm13\n\t"
      "vpdpbusd %%zmm26, %%zmm25, %%zmm19\n\t"
      "vpbroadcastd 8(%[a2]), %%zmm26\n\t"
      "vpdpbusd %%zmm26, %%zmm24, %%zmm14\n\t"
      "vpdpbusd %%zmm26, %%zmm25, %%zmm20\n\t"
      "vpbroadcastd 12(%[a2]), %%zmm26\n\t"
      "vpdpbusd %%zmm26, %%zmm24, %%zmm15\n\t"
      "vpdpbusd %%zmm26, %%zmm25, %%zmm21\n\t"
      "vpbroadcastd 16(%[a2]), %%zmm26\n\t"
      "vpdpbusd %%zmm26, %%zmm24, %%zmm16\n\t"
      "vpdpbusd %%zmm26, %%zmm25, %%zmm22\n\t"
      "vpbroadcastd 20(%[a2]), %%zmm26\n\t"
      "vpdpbusd %%zmm26, %%zmm24, %%zmm17\n\t"
      "vpdpbusd %%zmm26, %%zmm25, %%zmm23\n\t"
      KITE_AVX512_NEXT_STEP_2X2
      KITE_ZMM_ROWS_OUT_0_5("vmovdqu32")
      KITE_ZMM_ROWS_OUT_6_11("vmovdqu32")
      KITE_ZMM_ROWS_OUT_12_23("vmovdqu32")
      "vzeroupper\n\t"
      : [a] "+r"(a), [a2] "+r"(a2), [b] "+r"(b), [b2] "+r"(b2), [n] "+r"(quads)
      : [acc] "r"(tile)
      : KITE_ZMM_CLOBBERS);
}

// One panel of A against up to four B panels, 6 x 64: the same 24 accumulators as the 12 x 32
// tile, here [panel of B][row] (zmm q * 6 + r). Per quad, 4 loads of B and 6 broadcasts of A feed
// 24 vpdpbusd: the odd last panel of A (M = 64, 256, 1024 leave one) runs at the pair's pace
// instead of the 6 x 16 tile's, whose 6 dependent chains per quad leave vpdpbusd's latency bare.
// b0 .. b3 are the four panels; a narrower tile passes its last panel for the missing ones (their
// sums are not stored).
void accumulate_quad_6x64_avx512_vnni(const int8_t* a, const uint8_t* b0, const uint8_t* b1, const uint8_t* b2,
                                      const uint8_t* b3, int64_t quads, __m256i (&acc)[4][kRows][2]) {
  static_assert(kRows == 6 && kQ8QuadPanelBytes == 64, "the asm is written for 6 rows x 16 columns of 4 bytes");
  if (quads <= 0) return;
  __m256i* const tile = &acc[0][0][0];
  __asm__ volatile(
      KITE_ZMM_ROWS_IN_0_5("vmovdqu", "vinserti64x4")
      KITE_ZMM_ROWS_IN_6_11("vmovdqu", "vinserti64x4")
      KITE_ZMM_ROWS_IN_12_23("vmovdqu", "vinserti64x4")
      "1:\n\t"
      "vmovdqu32 (%[b0]), %%zmm24\n\t"
      "vmovdqu32 (%[b1]), %%zmm25\n\t"
      "vmovdqu32 (%[b2]), %%zmm26\n\t"
      "vmovdqu32 (%[b3]), %%zmm27\n\t"
#define KITE_Q8_6X64_ROW(offset, r0, r1, r2, r3)        \
      "vpbroadcastd " offset "(%[a]), %%zmm28\n\t"      \
      "vpdpbusd %%zmm28, %%zmm24, %%zmm" r0 "\n\t"      \
      "vpdpbusd %%zmm28, %%zmm25, %%zmm" r1 "\n\t"      \
      "vpdpbusd %%zmm28, %%zmm26, %%zmm" r2 "\n\t"      \
      "vpdpbusd %%zmm28, %%zmm27, %%zmm" r3 "\n\t"
      KITE_Q8_6X64_ROW("0", "0", "6", "12", "18")
      KITE_Q8_6X64_ROW("4", "1", "7", "13", "19")
      KITE_Q8_6X64_ROW("8", "2", "8", "14", "20")
      KITE_Q8_6X64_ROW("12", "3", "9", "15", "21")
      KITE_Q8_6X64_ROW("16", "4", "10", "16", "22")
      KITE_Q8_6X64_ROW("20", "5", "11", "17", "23")
#undef KITE_Q8_6X64_ROW
      "add $24, %[a]\n\t"
      "add $64, %[b0]\n\t"
      "add $64, %[b1]\n\t"
      "add $64, %[b2]\n\t"
      "add $64, %[b3]\n\t"
      "dec %[n]\n\t"
      "jnz 1b\n\t"
      KITE_ZMM_ROWS_OUT_0_5("vmovdqu32")
      KITE_ZMM_ROWS_OUT_6_11("vmovdqu32")
      KITE_ZMM_ROWS_OUT_12_23("vmovdqu32")
      "vzeroupper\n\t"
      : [a] "+r"(a), [b0] "+r"(b0), [b1] "+r"(b1), [b2] "+r"(b2), [b3] "+r"(b3), [n] "+r"(quads)
      : [acc] "r"(tile)
      : KITE_ZMM_CLOBBERS);
}

}  // namespace

// The AVX-VNNI tile: the AVX2 one's start and store around its loop (the AVX512_VNNI tiles below
// have a zmm store of their own).
void q8_gemm_6x16_u8s8_vnni(const Q8QuadTile& t) {
  __m256i acc[kRows][2];
  KITE_UNROLL_TILE for (int r = 0; r < kRows; ++r) acc[r][0] = acc[r][1] = _mm256_set1_epi32(t.out.row_bias[r]);
  accumulate_quads_vnni(t.a, t.b, t.quads, acc);
  store_tile(t.out, acc);
}

namespace {

// One tile's requantizing (or float, or int32) store.
void store_quad_tile(const Q8Tile& out, const __m256i (&acc)[kRows][2]) {
  if (out.output == Q8TileOutput::kU8) store_u8_avx512(out, acc);
  else store_tile(out, acc);
}

void tile_pair_12x16(const Q8QuadTile& top, const Q8QuadTile& bottom) {
  __m256i acc[2][kRows][2];  // the top tile's rows, then the bottom one's: 12 rows of 64 bytes
  KITE_UNROLL_TILE for (int r = 0; r < kRows; ++r) {
    acc[0][r][0] = acc[0][r][1] = _mm256_set1_epi32(top.out.row_bias[r]);
    acc[1][r][0] = acc[1][r][1] = _mm256_set1_epi32(bottom.out.row_bias[r]);
  }
  accumulate_quad_pair_avx512_vnni(top.a, bottom.a, top.b, top.quads, acc);
  store_quad_tile(top.out, acc[0]);
  store_quad_tile(bottom.out, acc[1]);
}

}  // namespace

void q8_gemm_12x32_u8s8_avx512_vnni(const Q8QuadTile& top, const Q8QuadTile& bottom) {
  if (top.out.columns <= kQ8TileColumns) {
    tile_pair_12x16(top, bottom);
    return;
  }
  __m256i acc[2][2][kRows][2];
  KITE_UNROLL_TILE for (int r = 0; r < kRows; ++r) {
    const __m256i upper = _mm256_set1_epi32(top.out.row_bias[r]), lower = _mm256_set1_epi32(bottom.out.row_bias[r]);
    acc[0][0][r][0] = acc[0][0][r][1] = acc[0][1][r][0] = acc[0][1][r][1] = upper;
    acc[1][0][r][0] = acc[1][0][r][1] = acc[1][1][r][0] = acc[1][1][r][1] = lower;
  }
  // The next B panel follows this one: quads x 64 bytes further.
  accumulate_quad_wide_avx512_vnni(top.a, bottom.a, top.b, top.b + top.quads * kQ8QuadPanelBytes, top.quads, acc);
  const int64_t element_bytes = top.out.output == Q8TileOutput::kU8 ? 1 : 4;
  for (int h = 0; h < 2; ++h) {
    Q8Tile out = (h == 0 ? top : bottom).out;
    const int columns = out.columns;
    out.columns = kQ8TileColumns;
    store_quad_tile(out, acc[h][0]);
    out.c = static_cast<char*>(out.c) + kQ8TileColumns * element_bytes;
    out.columns = columns - kQ8TileColumns;
    store_quad_tile(out, acc[h][1]);
  }
}

void q8_gemm_6x64_u8s8_avx512_vnni(const Q8QuadTile& t) {
  const int panels = (t.out.columns + kQ8TileColumns - 1) / kQ8TileColumns;
  const int64_t panel_bytes = t.quads * kQ8QuadPanelBytes;
  const uint8_t* b[4];
  for (int q = 0; q < 4; ++q) b[q] = t.b + (q < panels ? q : panels - 1) * panel_bytes;
  __m256i acc[4][kRows][2];
  KITE_UNROLL_TILE for (int r = 0; r < kRows; ++r) {
    const __m256i start = _mm256_set1_epi32(t.out.row_bias[r]);
    for (int q = 0; q < 4; ++q) acc[q][r][0] = acc[q][r][1] = start;
  }
  accumulate_quad_6x64_avx512_vnni(t.a, b[0], b[1], b[2], b[3], t.quads, acc);
  const int64_t element_bytes = t.out.output == Q8TileOutput::kU8 ? 1 : 4;
  for (int q = 0; q < panels; ++q) {
    Q8Tile out = t.out;
    out.c = static_cast<char*>(out.c) + q * kQ8TileColumns * element_bytes;
    const int left = t.out.columns - q * kQ8TileColumns;
    out.columns = left < kQ8TileColumns ? left : kQ8TileColumns;
    store_quad_tile(out, acc[q]);
  }
}

void q8_gemm_6x16_u8s8_avx512_vnni(const Q8QuadTile& t) {
  __m256i acc[kRows][2];
  KITE_UNROLL_TILE for (int r = 0; r < kRows; ++r) acc[r][0] = acc[r][1] = _mm256_set1_epi32(t.out.row_bias[r]);
  accumulate_quads_avx512_vnni(t.a, t.b, t.quads, acc);
  if (t.out.output == Q8TileOutput::kU8) store_u8_avx512(t.out, acc);
  else store_tile(t.out, acc);
}

void q8_gemm_6x16_u8s8_avx2(const Q8QuadTile& t) {
  if (t.out.columns > kLanes) tile_u8s8_avx2<2>(t);
  else tile_u8s8_avx2<1>(t);
}

// Interleaves the four rows byte by byte, then the byte pairs, 16 columns at a time: four 16-byte
// stores per panel, one cache line.
void q8_pack_b_quad_avx2(const uint8_t* const rows[4], int64_t panels, int64_t panel_stride, uint8_t* dst) {
  for (int64_t p = 0; p < panels; ++p, dst += panel_stride) {
    const __m128i x0 = _mm_loadu_si128(reinterpret_cast<const __m128i*>(rows[0] + p * kQ8TileColumns));
    const __m128i x1 = _mm_loadu_si128(reinterpret_cast<const __m128i*>(rows[1] + p * kQ8TileColumns));
    const __m128i x2 = _mm_loadu_si128(reinterpret_cast<const __m128i*>(rows[2] + p * kQ8TileColumns));
    const __m128i x3 = _mm_loadu_si128(reinterpret_cast<const __m128i*>(rows[3] + p * kQ8TileColumns));
    const __m128i lo01 = _mm_unpacklo_epi8(x0, x1), hi01 = _mm_unpackhi_epi8(x0, x1);
    const __m128i lo23 = _mm_unpacklo_epi8(x2, x3), hi23 = _mm_unpackhi_epi8(x2, x3);
    _mm_store_si128(reinterpret_cast<__m128i*>(dst), _mm_unpacklo_epi16(lo01, lo23));
    _mm_store_si128(reinterpret_cast<__m128i*>(dst + 16), _mm_unpackhi_epi16(lo01, lo23));
    _mm_store_si128(reinterpret_cast<__m128i*>(dst + 32), _mm_unpacklo_epi16(hi01, hi23));
    _mm_store_si128(reinterpret_cast<__m128i*>(dst + 48), _mm_unpackhi_epi16(hi01, hi23));
  }
}

// Tiles of up to 8 columns (the right edge of C, or a product that narrow) run one vector per row.
void q8_gemm_6x16_avx2(const Q8Tile& t) {
  if (t.columns > kLanes) tile_avx2<2>(t);
  else tile_avx2<1>(t);
}

// Interleaves the two rows byte by byte (16 columns at a time), widens the bytes to int16 and
// subtracts the zero point: two 32-byte stores per panel, one cache line.
void q8_pack_b_pair_avx2(const uint8_t* row0, const uint8_t* row1, int64_t panels, int64_t panel_stride,
                         int32_t zero_point, int16_t* dst) {
  const __m256i zp = _mm256_set1_epi16(static_cast<int16_t>(zero_point));
  for (int64_t q = 0; q < panels; ++q, dst += panel_stride) {
    const __m128i x0 = _mm_loadu_si128(reinterpret_cast<const __m128i*>(row0 + q * kQ8TileColumns));
    const __m128i x1 = _mm_loadu_si128(reinterpret_cast<const __m128i*>(row1 + q * kQ8TileColumns));
    const __m256i low = _mm256_sub_epi16(_mm256_cvtepu8_epi16(_mm_unpacklo_epi8(x0, x1)), zp);
    const __m256i high = _mm256_sub_epi16(_mm256_cvtepu8_epi16(_mm_unpackhi_epi8(x0, x1)), zp);
    _mm256_store_si256(reinterpret_cast<__m256i*>(dst), low);
    _mm256_store_si256(reinterpret_cast<__m256i*>(dst + 2 * kLanes), high);
  }
}

// A group of 4 pairs is 24 int32 lanes (pair-of-k products summed by vpmaddwd), three vectors;
// lane l of a group belongs to row l % 6, so each of the three accumulators holds fixed rows and
// the six sums are folded out of them once, at the end.
void q8_gemm_column_avx2(const int16_t* a, const int16_t* x, int64_t pairs, int32_t* sums) {
  constexpr int kGroupVectors = 3;
  __m256i acc[kGroupVectors] = {_mm256_setzero_si256(), _mm256_setzero_si256(), _mm256_setzero_si256()};
  const int64_t groups = (pairs + kQ8ColumnGroupPairs - 1) / kQ8ColumnGroupPairs;
  for (int64_t g = 0; g < groups; ++g, a += kGroupVectors * 2 * kLanes, x += kGroupVectors * 2 * kLanes) {
    KITE_UNROLL_TILE for (int v = 0; v < kGroupVectors; ++v) {
      const __m256i a_v = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(a + v * 2 * kLanes));
      const __m256i x_v = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(x + v * 2 * kLanes));
      acc[v] = _mm256_add_epi32(acc[v], _mm256_madd_epi16(a_v, x_v));
    }
  }
  int32_t lanes[kGroupVectors * kLanes];
  KITE_UNROLL_TILE for (int v = 0; v < kGroupVectors; ++v)
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(lanes + v * kLanes), acc[v]);
  KITE_UNROLL_TILE for (int r = 0; r < kRows; ++r) {
    uint32_t sum = 0;
    KITE_UNROLL_TILE for (int l = r; l < kGroupVectors * kLanes; l += kRows) sum += static_cast<uint32_t>(lanes[l]);
    sums[r] = static_cast<int32_t>(sum);
  }
}

}  // namespace kite
