// The int8 GEMM's B packing into quads of k (kernels/q8_gemm_microkernel.h's Q8PackQuadKernel) on
// zmm: four 16-column panels per step, the same bytes as q8_pack_b_quad_avx2. Per 128-bit lane
// the byte and word unpacks give one panel's four 16-byte pieces spread over four registers; a 4 x 4
// transpose of 128-bit lanes (vshufi64x2) gathers each panel into one register, one 64-byte store.
// Packing is pure memory traffic, 5% of int8 GoogLeNet and 14% of a 64 x 576 x 3136 product.
//
// This file alone is compiled with -mavx512f -mavx512bw (and only called where
// cpu_has_avx512_vnni()), so it instantiates nothing shared with other files.
#include <immintrin.h>

#include <cstdint>

#include "kernels/q8_gemm_microkernel.h"

// GCC 12's avx512fintrin.h starts some intrinsics from a self-initialized _mm512_undefined_*(),
// which -Wmaybe-uninitialized reports once the function is inlined: a false positive.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif

namespace kite {

void q8_pack_b_quad_avx512(const uint8_t* const rows[4], int64_t panels, int64_t panel_stride, uint8_t* dst) {
  int64_t p = 0;
  for (; p + 4 <= panels; p += 4, dst += 4 * panel_stride) {
    const int64_t at = p * kQ8TileColumns;
    const __m512i x0 = _mm512_loadu_si512(rows[0] + at), x1 = _mm512_loadu_si512(rows[1] + at);
    const __m512i x2 = _mm512_loadu_si512(rows[2] + at), x3 = _mm512_loadu_si512(rows[3] + at);
    const __m512i lo01 = _mm512_unpacklo_epi8(x0, x1), hi01 = _mm512_unpackhi_epi8(x0, x1);
    const __m512i lo23 = _mm512_unpacklo_epi8(x2, x3), hi23 = _mm512_unpackhi_epi8(x2, x3);
    // Lane L of a, b, c, d: columns 0-3, 4-7, 8-11, 12-15 of panel p + L, four bytes (k) each.
    const __m512i a = _mm512_unpacklo_epi16(lo01, lo23), b = _mm512_unpackhi_epi16(lo01, lo23);
    const __m512i c = _mm512_unpacklo_epi16(hi01, hi23), d = _mm512_unpackhi_epi16(hi01, hi23);
    const __m512i ab01 = _mm512_shuffle_i64x2(a, b, 0x44), cd01 = _mm512_shuffle_i64x2(c, d, 0x44);  // a0 a1 b0 b1
    const __m512i ab23 = _mm512_shuffle_i64x2(a, b, 0xEE), cd23 = _mm512_shuffle_i64x2(c, d, 0xEE);  // a2 a3 b2 b3
    _mm512_storeu_si512(dst, _mm512_shuffle_i64x2(ab01, cd01, 0x88));                      // a0 b0 c0 d0
    _mm512_storeu_si512(dst + panel_stride, _mm512_shuffle_i64x2(ab01, cd01, 0xDD));       // a1 b1 c1 d1
    _mm512_storeu_si512(dst + 2 * panel_stride, _mm512_shuffle_i64x2(ab23, cd23, 0x88));   // a2 b2 c2 d2
    _mm512_storeu_si512(dst + 3 * panel_stride, _mm512_shuffle_i64x2(ab23, cd23, 0xDD));   // a3 b3 c3 d3
  }
  if (p == panels) return;
  // The last one to three panels: the AVX2 packer's 16 columns at a time.
  const uint8_t* const rest[4] = {rows[0] + p * kQ8TileColumns, rows[1] + p * kQ8TileColumns,
                                  rows[2] + p * kQ8TileColumns, rows[3] + p * kQ8TileColumns};
  q8_pack_b_quad_avx2(rest, panels - p, panel_stride, dst);
}

}  // namespace kite
