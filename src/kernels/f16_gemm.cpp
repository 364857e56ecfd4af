// The fp16 GEMM driver: packing A and B to fp16, cache blocking, and the f32 fallback for tiles
// whose fp16 sums overflow.
//
// Blocking as in the int8 GEMM (kernels/q8_gemm.cpp): K is never cut, so a tile's sums stay in
// registers from the first k to the last (C is f32 and the sums fp16: C cannot carry them), and
// the block of columns narrows as K grows, keeping the packed B block inside its L2 budget.
#include "kernels/f16_gemm.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "core/aligned_alloc.h"
#include "core/half.h"
#include "kernels/cpu_features.h"
#include "kernels/f16_gemm_microkernel.h"
#include "kernels/thread_scratch.h"
#include "kite/error.h"

namespace kite {

static_assert(PackedF16A::kPanelRows == kF16TileRows, "a PackedF16A panel feeds one register tile");

namespace {

// The packed B block's budget, as for the int8 GEMM: 384 KiB of a 512 KiB L2 (K = 576: 12 panels
// of 16 columns; K = 4608: 2). Results do not depend on it.
constexpr int64_t kPackedBBytes = 384 * 1024;
constexpr int64_t kMaxBlockPanels = 12;

struct Kernels {
  F16TileKernel tile = nullptr;
  F16PackRowKernel pack_row = nullptr;
  const char* name = "none";
};

Kernels select_kernels() {
#if defined(KITE_KERNELS_ARM)
  if (!generic_kernels_forced() && cpu_has_arm_fp16())
    return {f16_gemm_6x16_neonfp16, f16_pack_b_row_neonfp16, "f16_gemm_6x16_neonfp16"};
#endif
  return {};
}

struct F16PackedB;  // thread_scratch's tag
uint16_t* b_panels_scratch(int64_t bytes) {
  return static_cast<uint16_t*>(thread_scratch<F16PackedB>(bytes, kPackedBBytes));
}

// B[0:depth, 0:columns] into panels of 16 columns, each depth x 16 fp16 and contiguous; the
// columns past the last whole panel are converted here, and zero-padded.
void pack_b_panels(F16PackRowKernel pack_row, const float* b, int64_t ldb, int64_t depth, int64_t columns,
                   uint16_t* panels) {
  const int64_t panel_stride = depth * kF16TileColumns;
  const int64_t whole = columns / kF16TileColumns, tail = columns % kF16TileColumns;
  for (int64_t k = 0; k < depth; ++k) {
    const float* row = b + k * ldb;
    uint16_t* dst = panels + k * kF16TileColumns;
    if (whole > 0) pack_row(row, whole, panel_stride, dst);
    if (tail == 0) continue;
    uint16_t* out = dst + whole * panel_stride;
    std::memset(out, 0, kF16TileColumns * sizeof(uint16_t));
    for (int64_t j = 0; j < tail; ++j) out[j] = float_to_half(row[whole * kF16TileColumns + j]);
  }
}

// The elements of a tile whose fp16 sums did not stay finite (F16Tile::unfinished), in f32: the
// same weights (finite in fp16: see make_conv_kernel's use of fits_fp16) times B's f32 values
// (not rounded to fp16), summed in k order, then the same epilogue.
void finish_in_f32(const F16Tile& t, const float* b, int64_t ldb) {
  for (int r = 0; r < t.rows; ++r)
    for (int j = 0; j < t.columns; ++j) {
      if (!(t.unfinished[r] >> j & 1u)) continue;
      float v = 0.0f;
      for (int64_t k = 0; k < t.depth; ++k) v += half_to_float(t.a[k * kF16TileRows + r]) * b[k * ldb + j];
      if (t.row_bias) v += t.row_bias[r];
      if (t.residual) v += t.residual[r * t.ldr + j];
      t.c[r * t.ldc + j] = std::min(std::max(v, t.min), t.max);
    }
}

}  // namespace

PackedF16A::PackedF16A(int64_t m, int64_t k) : m_(m), k_(k) {
  KITE_CHECK(m >= 0 && k >= 0, "pack_f16_a: negative size ", m, " x ", k);
  const int64_t panel_values = kPanelRows * k;
  KITE_CHECK(panel_values == 0 || panel_count() <= INT64_MAX / 4 / panel_values, "pack_f16_a: ", m, " x ", k,
             " is too large");
  // Zero-filled: the padding rows, and the slack the microkernel reads past the last k.
  const size_t bytes = static_cast<size_t>(panel_count() * panel_values) * sizeof(uint16_t) + kF16PackedASlackBytes;
  data_ = std::static_pointer_cast<uint16_t>(allocate_aligned(bytes));
}

PackedF16A pack_f16_a(const float* a, int64_t m, int64_t k, int64_t lda) {
  KITE_CHECK(m <= 1 || lda >= k, "pack_f16_a: leading dimension ", lda, " is less than K = ", k);
  PackedF16A packed(m, k);
  constexpr uint16_t kExponentMask = 0x7C00;  // all ones: an infinity or a NaN
  for (int64_t i = 0; i < m; ++i) {
    uint16_t* panel = packed.data_.get() + (i / PackedF16A::kPanelRows) * PackedF16A::kPanelRows * k;
    const int64_t r = i % PackedF16A::kPanelRows;
    for (int64_t kk = 0; kk < k; ++kk) {
      const float w = a[i * lda + kk];
      const uint16_t h = float_to_half(w);
      // A finite weight that rounds to an infinity (|w| > 65504).
      if ((h & kExponentMask) == kExponentMask && std::isfinite(w)) packed.fits_fp16_ = false;
      panel[kk * PackedF16A::kPanelRows + r] = h;
    }
  }
  return packed;
}

bool f16_gemm_available() { return select_kernels().tile != nullptr; }

const char* gemm_f16_kernel_name() { return select_kernels().name; }

void gemm_f16(const PackedF16A& a, const float* b, int64_t ldb, int64_t n, float* c, int64_t ldc,
              const GemmEpilogue& e, int64_t n_begin, int64_t n_end, int64_t panel_begin, int64_t panel_end) {
  const Kernels kernels = select_kernels();
  KITE_CHECK(kernels.tile, "gemm_f16: this CPU has no fp16 vector arithmetic (ARMv8.2 FP16)");
  KITE_CHECK(!e.column_bias, "gemm_f16: a column bias is not supported");
  if (panel_end < 0) panel_end = a.panel_count();
  KITE_CHECK(0 <= n_begin && n_begin <= n_end && n_end <= n, "gemm_f16: column range [", n_begin, ", ", n_end,
             ") is not within [0, ", n, ")");
  KITE_CHECK(0 <= panel_begin && panel_end <= a.panel_count(), "gemm_f16: panel range [", panel_begin, ", ",
             panel_end, ") is not within [0, ", a.panel_count(), ")");
  KITE_CHECK(a.depth() <= 1 || ldb >= n, "gemm_f16: ldb ", ldb, " is less than N = ", n);
  KITE_CHECK(a.rows() <= 1 || ldc >= n, "gemm_f16: ldc ", ldc, " is less than N = ", n);
  if (a.rows() == 0 || n_begin == n_end || panel_begin >= panel_end) return;

  const int64_t depth = a.depth();
  const int64_t panel_bytes = depth * kF16TileColumns * static_cast<int64_t>(sizeof(uint16_t));
  const int64_t block_panels =
      std::clamp<int64_t>(panel_bytes == 0 ? kMaxBlockPanels : kPackedBBytes / panel_bytes, 1, kMaxBlockPanels);
  const int64_t block_columns = block_panels * kF16TileColumns;
  uint16_t* b_panels = b_panels_scratch(std::max<int64_t>(panel_bytes * block_panels, 64));

  uint16_t unfinished[kF16TileRows];
  F16Tile tile{};
  tile.unfinished = unfinished;
  tile.depth = depth;
  tile.ldc = ldc;
  tile.ldr = e.ldr;
  tile.min = e.min;
  tile.max = e.max;
  for (int64_t n0 = n_begin; n0 < n_end; n0 += block_columns) {
    const int64_t columns = std::min(block_columns, n_end - n0);
    pack_b_panels(kernels.pack_row, b + n0, ldb, depth, columns, b_panels);
    for (int64_t p = panel_begin; p < panel_end; ++p) {
      const int64_t row0 = p * kF16TileRows;
      tile.a = a.panel(p);
      tile.rows = std::min<int64_t>(a.rows() - row0, kF16TileRows);
      tile.row_bias = e.row_bias ? e.row_bias + row0 : nullptr;
      for (int64_t j0 = 0; j0 < columns; j0 += kF16TileColumns) {
        tile.b = b_panels + j0 * depth;
        tile.c = c + row0 * ldc + n0 + j0;
        tile.residual = e.residual ? e.residual + row0 * e.ldr + n0 + j0 : nullptr;
        tile.columns = std::min<int64_t>(columns - j0, kF16TileColumns);
        if (kernels.tile(tile)) finish_in_f32(tile, b + n0 + j0, ldb);
      }
    }
  }
}

}  // namespace kite
