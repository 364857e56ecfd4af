// Repacking A into the microkernels' panel order, once per weight matrix.
#include <cstring>

#include "core/aligned_alloc.h"
#include "kernels/gemm.h"
#include "kernels/gemm_microkernel.h"
#include "kite/error.h"

namespace kite {

static_assert(PackedA::kPanelRows == kGemmTileRows, "a PackedA panel feeds one register tile");

PackedA::PackedA(int64_t m, int64_t k) : m_(m), k_(k) {
  KITE_CHECK(m >= 0 && k >= 0, "pack_a: negative size ", m, " x ", k);
  int64_t panel_floats = kPanelRows * k;
  // Checked before multiplying, so that a corrupt shape cannot wrap around to a small buffer.
  KITE_CHECK(k <= INT64_MAX / kPanelRows / 4 && (panel_floats == 0 || panel_count() <= INT64_MAX / 4 / panel_floats),
             "pack_a: ", m, " x ", k, " is too large");
  size_t bytes = static_cast<size_t>(panel_count() * panel_floats) * sizeof(float);
  data_ = std::static_pointer_cast<float>(allocate_aligned(bytes));  // zero-filled: the padding rows
}

PackedA pack_a(const float* a, int64_t m, int64_t k, int64_t lda) {
  KITE_CHECK(m <= 1 || lda >= k, "pack_a: leading dimension ", lda, " is less than K = ", k);
  PackedA packed(m, k);
  float* dst = packed.data_.get();
  for (int64_t i = 0; i < m; ++i) {
    float* panel = dst + (i / PackedA::kPanelRows) * PackedA::kPanelRows * k;
    int64_t r = i % PackedA::kPanelRows;
    const float* row = a + i * lda;
    for (int64_t kk = 0; kk < k; ++kk) panel[kk * PackedA::kPanelRows + r] = row[kk];
  }
  return packed;
}

PackedA pack_a_transposed(const float* a_t, int64_t m, int64_t k, int64_t ld) {
  KITE_CHECK(k <= 1 || ld >= m, "pack_a_transposed: leading dimension ", ld, " is less than M = ", m);
  PackedA packed(m, k);
  float* dst = packed.data_.get();
  for (int64_t p = 0; p < packed.panel_count(); ++p) {
    int64_t row0 = p * PackedA::kPanelRows;
    int64_t rows = m - row0 < PackedA::kPanelRows ? m - row0 : PackedA::kPanelRows;
    float* panel = dst + row0 * k;
    for (int64_t kk = 0; kk < k; ++kk)
      std::memcpy(panel + kk * PackedA::kPanelRows, a_t + kk * ld + row0, rows * sizeof(float));
  }
  return packed;
}

}  // namespace kite
