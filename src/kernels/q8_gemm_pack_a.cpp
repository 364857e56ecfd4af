// Repacking int8 A into the int8 microkernels' panel order, once per weight matrix.
#include <algorithm>
#include <cstring>

#include "core/aligned_alloc.h"
#include "kernels/cpu_features.h"
#include "kernels/q8_gemm.h"
#include "kernels/q8_gemm_microkernel.h"
#include "kite/error.h"

namespace kite {

static_assert(PackedQ8A::kPanelRows == kQ8TileRows, "a PackedQ8A panel feeds one register tile");

namespace {
// 128 * 255 * 65535 < 2^31: the sum of products of any K terms fits an int32.
constexpr int64_t kMaxDepth = 65535;
// 2 * 255 * 63 = 32130: a pair of u8 x s8 products summed in int16 (vpmaddubsw) cannot saturate.
[[maybe_unused]] constexpr int kMaxSevenBitWeight = 63;

bool all_seven_bit(const int8_t* a, int64_t m, int64_t k, int64_t lda) {
  for (int64_t i = 0; i < m; ++i)
    for (int64_t kk = 0; kk < k; ++kk)
      if (a[i * lda + kk] < -kMaxSevenBitWeight || a[i * lda + kk] > kMaxSevenBitWeight) return false;
  return true;
}

// Whether A also gets the quad layout (kernels/q8_gemm.h): on x86-64 where every weight is 7-bit
// (the AVX2 u8 x s8 path) or the CPU has AVX-VNNI or AVX512_VNNI (vpdpbusd takes any weights),
// on AArch64 where the CPU has the dot product (SDOT takes any weights). Decided by the CPU that packs, which is
// the one that runs the products.
bool wants_quads([[maybe_unused]] bool seven_bit) {
  if (generic_kernels_forced()) return false;
#if defined(KITE_KERNELS_X86)
  return (seven_bit && cpu_has_avx2_fma()) || cpu_has_avx_vnni() || cpu_has_avx512_vnni();
#elif defined(KITE_KERNELS_ARM)
  return cpu_has_arm_dotprod();
#else
  return false;
#endif
}

}  // namespace

PackedQ8A::PackedQ8A(int64_t m, int64_t k) : m_(m), k_(k) {
  KITE_CHECK(m >= 0 && k >= 0, "pack_q8_a: negative size ", m, " x ", k);
  KITE_CHECK(k <= kMaxDepth, "pack_q8_a: K = ", k, " is more than ", kMaxDepth,
             ", where an int32 sum of int8 x uint8 products could overflow");
  int64_t panel_values = kPanelRows * 2 * pair_count();
  // Checked before multiplying, so that a corrupt shape cannot wrap around to a small buffer.
  KITE_CHECK(panel_values == 0 || panel_count() <= INT64_MAX / 2 / panel_values, "pack_q8_a: ", m, " x ", k,
             " is too large");
}

void PackedQ8A::allocate_pairs() {
  // Zero-filled: the padding, and the slack the single-column kernels may read past the end.
  size_t bytes = static_cast<size_t>(panel_count() * kPanelRows * 2 * pair_count()) * sizeof(int16_t) +
                 kQ8PackedASlackBytes;
  data_ = std::static_pointer_cast<int16_t>(allocate_aligned(bytes));
}

PackedQ8A pack_s16_a(const int16_t* a, int64_t m, int64_t k, int64_t lda) {
  KITE_CHECK(m <= 1 || lda >= k, "pack_s16_a: leading dimension ", lda, " is less than K = ", k);
  constexpr int kMaxMagnitude = 1 << 13;
  PackedQ8A packed(m, k);
  packed.allocate_pairs();
  packed.wide_values_ = true;
  for (int64_t i = 0; i < m; ++i) {
    int16_t* panel = packed.data_.get() + (i / PackedQ8A::kPanelRows) * PackedQ8A::kPanelRows * 2 * packed.pair_count();
    int64_t r = i % PackedQ8A::kPanelRows;
    const int16_t* row = a + i * lda;
    for (int64_t kk = 0; kk < k; ++kk) {
      KITE_CHECK(row[kk] >= -kMaxMagnitude && row[kk] <= kMaxMagnitude, "pack_s16_a: A[", i, ", ", kk, "] = ",
                 row[kk], " is beyond 2^13 in magnitude");
      panel[((kk / 2) * PackedQ8A::kPanelRows + r) * 2 + kk % 2] = row[kk];
    }
  }
  return packed;
}

PackedQ8A pack_q8_a(const int8_t* a, int64_t m, int64_t k, int64_t lda, bool quads) {
  KITE_CHECK(m <= 1 || lda >= k, "pack_q8_a: leading dimension ", lda, " is less than K = ", k);
  PackedQ8A packed(m, k);
  packed.seven_bit_ = all_seven_bit(a, m, k, lda);
  // The int16 pairs only where no quad layout is built: every product can run on the quads
  // (gemm_q8 falls back to the portable quad kernel where the CPU's own quad path cannot take
  // them), which saves two bytes a weight.
  if (!(quads && m > 0 && wants_quads(packed.seven_bit_))) {
    packed.allocate_pairs();
    for (int64_t i = 0; i < m; ++i) {
      int16_t* panel =
          packed.data_.get() + (i / PackedQ8A::kPanelRows) * PackedQ8A::kPanelRows * 2 * packed.pair_count();
      int64_t r = i % PackedQ8A::kPanelRows;
      const int8_t* row = a + i * lda;
      // Element k of the row is half k % 2 of pair k / 2.
      for (int64_t kk = 0; kk < k; ++kk) panel[((kk / 2) * PackedQ8A::kPanelRows + r) * 2 + kk % 2] = row[kk];
    }
    return packed;
  }
  {
    const int64_t rows = packed.panel_count() * PackedQ8A::kPanelRows;
    const int64_t quad_values = PackedQ8A::kPanelRows * 4 * packed.quad_count();
    // Zero-filled: the padding rows and the k past K multiply B by 0.
    packed.quads_ = std::static_pointer_cast<int8_t>(
        allocate_aligned(static_cast<size_t>(packed.panel_count() * quad_values) + kQ8PackedASlackBytes));
    packed.row_sums_ = std::static_pointer_cast<int32_t>(allocate_aligned(static_cast<size_t>(rows) * sizeof(int32_t)));
    for (int64_t i = 0; i < m; ++i) {
      int8_t* panel = packed.quads_.get() + (i / PackedQ8A::kPanelRows) * quad_values;
      const int64_t r = i % PackedQ8A::kPanelRows;
      const int8_t* row = a + i * lda;
      int32_t sum = 0;  // at most 128 * 65535 in magnitude
      for (int64_t kk = 0; kk < k; ++kk) {
        panel[((kk / 4) * PackedQ8A::kPanelRows + r) * 4 + kk % 4] = row[kk];
        sum += row[kk];
      }
      packed.row_sums_.get()[i] = sum;
    }
    if (cpu_has_amx_int8()) {
      // One more byte a weight: the tiles' rows of 64 k, zero-filled for the padding.
      const int64_t tile_bytes = PackedQ8A::kAmxRows * PackedQ8A::kAmxDepth;
      packed.amx_ = std::static_pointer_cast<int8_t>(
          allocate_aligned(static_cast<size_t>(packed.amx_groups() * packed.amx_chunks() * tile_bytes)));
      // Row i's chunk c is 64 consecutive weights (fewer in the last chunk): one copy each.
      for (int64_t i = 0; i < m; ++i)
        for (int64_t c = 0; c < packed.amx_chunks(); ++c) {
          const int64_t k0 = c * PackedQ8A::kAmxDepth, count = std::min(PackedQ8A::kAmxDepth, k - k0);
          int8_t* tile = packed.amx_.get() + ((i / PackedQ8A::kAmxRows) * packed.amx_chunks() + c) * tile_bytes;
          std::memcpy(tile + (i % PackedQ8A::kAmxRows) * PackedQ8A::kAmxDepth, a + i * lda + k0,
                      static_cast<size_t>(count));
        }
    }
  }
  return packed;
}

}  // namespace kite
