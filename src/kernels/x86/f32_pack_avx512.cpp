// The GEMM driver's B packing (kernels/gemm.cpp's pack_b_panels) in zmm registers, for the CPUs
// whose tiles are the AVX-512 ones: one 64-byte load and store per 16 floats, where the baseline
// build's fixed-size memcpy moves 16 bytes at a time. Packing B was a tenth to a fifth of the
// time of convolutions with few output channels (each packed value serves only M rows of A).
#include <immintrin.h>

#include "kernels/gemm_microkernel.h"
#include "kernels/x86/avx512_lanes.h"

namespace kite {

namespace {

// Row k of B into its place in every panel, times a scale (kScaled) or as it is.
template <bool kScaled>
void pack_rows(const float* b, int64_t ldb, const int64_t* row_offsets, int64_t depth, int64_t columns, float* panels,
               const float* row_scale) {
  static_assert(kGemmTileColumns == 16, "a panel row is one zmm");
  const int64_t whole = columns / kGemmTileColumns * kGemmTileColumns;
  const __mmask16 tail = first_lanes(columns - whole);
  for (int64_t k = 0; k < depth; ++k) {
    const float* row = row_offsets ? b + row_offsets[k] : b + k * ldb;
    float* dst = panels + k * kGemmTileColumns;
    const __m512 scale = _mm512_set1_ps(kScaled ? row_scale[k] : 1.f);
    for (int64_t j0 = 0; j0 < whole; j0 += kGemmTileColumns) {
      const __m512 v = _mm512_loadu_ps(row + j0);
      _mm512_storeu_ps(dst + j0 * depth, kScaled ? _mm512_maskz_mul_ps(kAllLanes, v, scale) : v);
    }
    if (tail) {  // the padding lanes stay +0 (a masked product: not 0 x an infinite scale)
      const __m512 v = _mm512_maskz_loadu_ps(tail, row + whole);
      _mm512_storeu_ps(dst + whole * depth, kScaled ? _mm512_maskz_mul_ps(tail, v, scale) : v);
    }
  }
}

}  // namespace

void f32_pack_b_panels_avx512(const float* b, int64_t ldb, const int64_t* row_offsets, int64_t depth, int64_t columns,
                              float* panels, const float* row_scale) {
  if (row_scale) pack_rows<true>(b, ldb, row_offsets, depth, columns, panels, row_scale);
  else pack_rows<false>(b, ldb, row_offsets, depth, columns, panels, nullptr);
}

// A panel at a time, over all of K, its runs' masks and starts worked out once: a panel of one
// run of 16 columns (most of them, on maps 16 or more wide) is a plain load per k; others take one
// masked load per run, from `lane` values before the run's first column (a run's offset is at
// least its lane, as column j of a row lies at or past j: the address is still inside B, and the
// masked-off lanes read nothing).
void f32_pack_b_runs_avx512(const float* b, const int64_t* row_offsets, int64_t depth, const PanelRun* runs,
                            const int64_t* panel_first, int64_t panels, float* packed) {
  static_assert(kGemmTileColumns == 16, "a panel row is one zmm");
  for (int64_t p = 0; p < panels; ++p) {
    float* dst = packed + p * kGemmTileColumns * depth;
    const PanelRun* first = runs + panel_first[p];
    const int64_t count = panel_first[p + 1] - panel_first[p];
    if (count == 1 && first->count == kGemmTileColumns) {
      const float* column = b + first->offset;
      for (int64_t k = 0; k < depth; ++k) _mm512_storeu_ps(dst + k * kGemmTileColumns, _mm512_loadu_ps(column + row_offsets[k]));
      continue;
    }
    __mmask16 lanes[kGemmTileColumns];
    int64_t starts[kGemmTileColumns];
    for (int64_t r = 0; r < count; ++r) {  // at most one run per lane
      lanes[r] = static_cast<__mmask16>(first_lanes(first[r].count) << first[r].lane);
      starts[r] = first[r].offset - first[r].lane;
    }
    for (int64_t k = 0; k < depth; ++k) {
      const float* row = b + row_offsets[k];
      __m512 v = _mm512_setzero_ps();
      for (int64_t r = 0; r < count; ++r) v = _mm512_mask_loadu_ps(v, lanes[r], row + starts[r]);
      _mm512_storeu_ps(dst + k * kGemmTileColumns, v);
    }
  }
}

}  // namespace kite
