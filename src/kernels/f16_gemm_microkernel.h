// The contract between the fp16 GEMM driver (f16_gemm.cpp: blocking, B packing, the overflow
// fallback) and its microkernel (kernels/arm/f16_gemm_fp16.cpp). Internal to src/kernels.
#pragma once
#include <cstdint>

namespace kite {

// 6 rows of A (one PackedF16A panel) times 16 columns of B: 12 accumulators of 8 fp16 lanes.
constexpr int kF16TileRows = 6;
constexpr int kF16TileColumns = 16;
// PackedF16A's storage is followed by this many zero bytes: the microkernel loads each k's 6
// weights as one vector of 8, reading 2 past the panel's last k.
constexpr int64_t kF16PackedASlackBytes = 64;

// One tile of C over all of K. The microkernel computes the whole 6 x 16 tile (A's padding rows
// and B's padding columns are zeros) and stores the `rows` x `columns` that exist, f32, with the
// epilogue of kernels/f16_gemm.h, except the elements whose fp16 sum is infinite or NaN: those it
// leaves alone (C, and the residual where it is C, keep their values) and marks in `unfinished`
// (bit j of unfinished[r] for element (r, j)), for the driver to compute in f32. It returns
// whether it marked any. Per element, so that an element's value never depends on its tile's
// other columns (nor, therefore, on where a column range starts).
struct F16Tile {
  const uint16_t* a;  // packed A panel: a[k * 6 + r]
  const uint16_t* b;  // packed B panel: b[k * 16 + j]
  int64_t depth;      // K; may be 0
  float* c;           // C at the tile's top-left element
  int64_t ldc;
  int64_t rows;       // 1 .. 6 (64-bit with columns: see GemmTile in gemm_microkernel.h)
  int64_t columns;    // 1 .. 16
  const float* row_bias;  // at the tile's first row, or null
  const float* residual;  // at the tile's top-left element, or null (may be c itself)
  int64_t ldr;
  float min, max;
  uint16_t* unfinished;  // 6 row masks, written by the microkernel
};

// Converts `panels` whole panels' worth (16 columns each) of one row of B to fp16:
// row[16 p + j] becomes dst[p * panel_stride + j].
using F16PackRowKernel = void (*)(const float* row, int64_t panels, int64_t panel_stride, uint16_t* dst);
using F16TileKernel = bool (*)(const F16Tile& tile);

// NEON with ARMv8.2 FP16 (kernels/arm/f16_gemm_fp16.cpp); only compiled for AArch64 and only
// called when cpu_has_arm_fp16().
bool f16_gemm_6x16_neonfp16(const F16Tile& tile);
void f16_pack_b_row_neonfp16(const float* row, int64_t panels, int64_t panel_stride, uint16_t* dst);

}  // namespace kite
