// The int8 product on AMX tiles (Sapphire Rapids and later): tdpbsud multiplies a tile of A (16
// rows of 64 int8 weights) by a tile of B (16 quads of k for 16 columns, 4 uint8 bytes each: the
// quad path's packed panels as they are) into a tile of 16 x 16 int32 sums, 16 K products in
// one instruction, 16 times the multiply-adds of a zmm vpdpbusd. Four sums tiles (32 rows x 32
// columns), two of A and two of B fill the eight tile registers; per chunk of 64 k the four
// loads feed four products. The sums are exact (int32, modulo 2^32 like every path's), so the
// bytes are the other paths' bytes: the store adds each row's start and requantizes as the
// AVX-512 store in q8_gemm_avx2.cpp does (float multiply, clamp, round to nearest even).
//
// Each call sets the tiles' shape (ldtilecfg) and releases them at its end (tilerelease), so that
// it neither depends on nor leaves tile state that other code on the thread may own, and a thread
// between products carries no tile data through context switches. Both cost far less than one
// block's products.
//
// Compiled with -mamx-tile -mamx-int8 -mavx512f -mavx512bw (CMakeLists.txt: *_amx.cpp), called
// only where cpu_has_amx_int8(). It includes no standard header and calls no inline function
// defined elsewhere (see q8_gemm_avx2.cpp).
#include <immintrin.h>

#include "kernels/q8_gemm_microkernel.h"
#include "kernels/x86/avx512_lanes.h"

namespace kite {
namespace {

constexpr int kRows = 16, kColumns = 16;  // a sums tile

// ldtilecfg's 64-byte operand: palette 1, then per tile its bytes per row and its rows.
struct TileConfig {
  unsigned char palette = 1, start_row = 0, reserved[14] = {};
  unsigned short bytes_per_row[16] = {};
  unsigned char rows[16] = {};
};

void configure_tiles() {
  TileConfig config;
  for (int t = 0; t < 8; ++t) {
    config.bytes_per_row[t] = 64;
    config.rows[t] = 16;
  }
  _tile_loadconfig(&config);
}

// Sums of groups a0 (and a1) of A against panels b0 (and b1) of B into sums[group][panel], each
// 16 x 16 int32. Tiles 0-3 the sums, 4-5 A, 6-7 B.
template <int kGroups, int kPanels>
void multiply(const int8_t* a0, const int8_t* a1, const uint8_t* b0, const uint8_t* b1, long long chunks,
              int (&sums)[2][2][kRows * kColumns]) {
  _tile_zero(0);
  if (kPanels == 2) _tile_zero(1);
  if (kGroups == 2) _tile_zero(2);
  if (kGroups == 2 && kPanels == 2) _tile_zero(3);
  for (long long c = 0; c < chunks; ++c) {
    const long long offset = c * kQ8AmxChunkBytes;
    _tile_loadd(4, a0 + offset, 64);
    _tile_loadd(6, b0 + offset, 64);
    if (kPanels == 2) _tile_loadd(7, b1 + offset, 64);
    if (kGroups == 2) _tile_loadd(5, a1 + offset, 64);
    _tile_dpbsud(0, 4, 6);
    if (kPanels == 2) _tile_dpbsud(1, 4, 7);
    if (kGroups == 2) _tile_dpbsud(2, 5, 6);
    if (kGroups == 2 && kPanels == 2) _tile_dpbsud(3, 5, 7);
  }
  _tile_stored(0, sums[0][0], 64);
  if (kPanels == 2) _tile_stored(1, sums[0][1], 64);
  if (kGroups == 2) _tile_stored(2, sums[1][0], 64);
  if (kGroups == 2 && kPanels == 2) _tile_stored(3, sums[1][1], 64);
}

// GCC 12's avx512fintrin.h starts some intrinsics from a self-initialized _mm512_undefined_ps(),
// which -Wmaybe-uninitialized reports once the function is inlined: a false positive.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
// Rows [r_begin, r_end) of one sums tile (its row 0 is A's row `row0`), `columns` of its 16,
// into C at column `col0`.
void store(const Q8AmxBlock& b, const int* sums, long long row0, int r_begin, int r_end, long long col0,
           int columns) {
  const __mmask16 lanes = first_lanes(columns);
  const __m512 lo = _mm512_set1_ps(static_cast<float>(b.qmin - b.c_zero_point));
  const __m512 hi = _mm512_set1_ps(static_cast<float>(b.qmax - b.c_zero_point));
  const __m512i zero_point = _mm512_set1_epi32(b.c_zero_point);
  for (int r = r_begin; r < r_end; ++r) {
    const long long i = row0 + r;
    const __m512i acc = _mm512_add_epi32(_mm512_loadu_si512(sums + r * kColumns), _mm512_set1_epi32(b.row_start[i]));
    const __m512 y = _mm512_mul_ps(_mm512_cvtepi32_ps(acc), _mm512_set1_ps(b.row_scale[i]));
    if (b.output == Q8TileOutput::kF32) {
      _mm512_mask_storeu_ps(static_cast<float*>(b.c) + i * b.ldc + col0, lanes, y);
      continue;
    }
    const __m512 clamped = _mm512_min_ps(_mm512_max_ps(y, lo), hi);
    // vpmovdb to memory, the lanes past `columns` left unwritten.
    _mm512_mask_cvtepi32_storeu_epi8(static_cast<unsigned char*>(b.c) + i * b.ldc + col0, lanes,
                                     _mm512_add_epi32(_mm512_cvtps_epi32(clamped), zero_point));
  }
}

#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif

long long min_ll(long long a, long long b) { return a < b ? a : b; }
long long max_ll(long long a, long long b) { return a > b ? a : b; }

}  // namespace

void q8_gemm_amx(const Q8AmxBlock& b) {
  if (b.row_begin >= b.row_end || b.columns <= 0) return;
  configure_tiles();
  // A group of A's rows and a panel of B's columns are both `chunks` tiles, one after another.
  const long long run_bytes = b.chunks * kQ8AmxChunkBytes;
  const long long first_group = b.row_begin / kRows, end_group = (b.row_end + kRows - 1) / kRows;
  const long long panels = (b.columns + kColumns - 1) / kColumns;
  alignas(64) int sums[2][2][kRows * kColumns];
  for (long long g = first_group; g < end_group; g += 2) {
    const int groups = end_group - g >= 2 ? 2 : 1;
    const int8_t* a0 = b.a + g * run_bytes;
    const int8_t* a1 = a0 + run_bytes;
    for (long long p = 0; p < panels; p += 2) {
      const int count = panels - p >= 2 ? 2 : 1;
      const uint8_t* b0 = b.b + p * run_bytes;
      const uint8_t* b1 = b0 + run_bytes;
      if (groups == 2 && count == 2) multiply<2, 2>(a0, a1, b0, b1, b.chunks, sums);
      else if (groups == 2) multiply<2, 1>(a0, a1, b0, b1, b.chunks, sums);
      else if (count == 2) multiply<1, 2>(a0, a1, b0, b1, b.chunks, sums);
      else multiply<1, 1>(a0, a1, b0, b1, b.chunks, sums);
      for (int h = 0; h < groups; ++h) {
        const long long row0 = (g + h) * kRows;
        const int r_begin = static_cast<int>(max_ll(b.row_begin - row0, 0));
        const int r_end = static_cast<int>(min_ll(b.row_end - row0, kRows));
        for (int q = 0; q < count; ++q) {
          const long long col0 = (p + q) * kColumns;
          store(b, sums[h][q], row0, r_begin, r_end, col0, static_cast<int>(min_ll(b.columns - col0, kColumns)));
        }
      }
    }
  }
  _tile_release();
}

}  // namespace kite
