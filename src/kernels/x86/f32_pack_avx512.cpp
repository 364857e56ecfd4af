// The GEMM driver's B packing (kernels/gemm.cpp's pack_b_panels) in zmm registers, for the CPUs
// whose tiles are the AVX-512 ones: one 64-byte load and store per 16 floats, where the baseline
// build's fixed-size memcpy moves 16 bytes at a time. Packing B was a tenth to a fifth of the
// time of convolutions with few output channels (each packed value serves only M rows of A).
#include <immintrin.h>

#include "kernels/gemm_microkernel.h"
#include "kernels/x86/avx512_lanes.h"

namespace kite {

void f32_pack_b_panels_avx512(const float* b, int64_t ldb, const int64_t* row_offsets, int64_t depth, int64_t columns,
                              float* panels) {
  static_assert(kGemmTileColumns == 16, "a panel row is one zmm");
  const int64_t whole = columns / kGemmTileColumns * kGemmTileColumns;
  const __mmask16 tail = first_lanes(columns - whole);
  for (int64_t k = 0; k < depth; ++k) {
    const float* row = row_offsets ? b + row_offsets[k] : b + k * ldb;
    float* dst = panels + k * kGemmTileColumns;
    for (int64_t j0 = 0; j0 < whole; j0 += kGemmTileColumns) {
      _mm512_storeu_ps(dst + j0 * depth, _mm512_loadu_ps(row + j0));
    }
    if (tail) _mm512_storeu_ps(dst + whole * depth, _mm512_maskz_loadu_ps(tail, row + whole));
  }
}

}  // namespace kite
