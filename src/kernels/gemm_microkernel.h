// The contract between the GEMM driver (gemm.cpp: blocking, B packing, dispatch) and the
// microkernels (one per ISA, each in its own file). Internal to src/kernels.
#pragma once
#include <cstdint>

namespace kite {

// The register tile: 6 rows of A (one PackedA panel) times 16 columns of B (one packed B panel).
// On AVX2 that is 12 ymm accumulators, leaving 4 of the 16 registers for B and A broadcasts; on
// NEON 24 of the 32 q registers, leaving room for 4 vectors of B and the 6 values of A.
constexpr int kGemmTileRows = 6;
constexpr int kGemmTileColumns = 16;

// One tile of C for one block of K. A microkernel computes the whole 6 x 16 tile (A's padding rows
// and B's padding columns are zeros) and stores only the `rows` x `columns` that exist.
//
// A kernel may take two B panels at once (GemmKernelInfo::columns = 32): a tile of 17 to 32
// columns reads the second panel at b2, the same k's of the next 16 columns. Each element of C is
// still one chain of multiply-adds from the block's first k to its last, as in a 16-column tile.
struct GemmTile {
  const float* a;   // packed A panel at the block's first k: a[k * 6 + r]
  const float* b;   // packed B panel at the block's first k: b[k * 16 + j], 64-byte aligned
  const float* b2;  // the next panel, as b, where columns > 16; null otherwise
  int64_t depth;    // this block's length of K; may be 0 (K = 0: C = clamped epilogue)
  float* c;         // C at the tile's top-left element
  int64_t ldc;
  // rows and columns are 64-bit on purpose: as two ints the compiler tests both with one 8-byte
  // load, which the two 4-byte stores that the driver just made cannot forward, so the load waits
  // until every earlier store (the previous tile's C rows) has reached the cache. That stall was a
  // third of the kernel's time on MobileNet's 1x1 products (pw1: 83 -> 117 GFLOP/s).
  int64_t rows;     // 1 .. 6
  int64_t columns;  // 1 .. 16, or 1 .. 32 for a kernel of two panels
  // The first block of K starts the accumulators from the epilogue's addends (below); later ones
  // from the partial sums the previous block stored in C. Only the last block clamps.
  bool first_block;
  bool last_block;
  const float* row_bias;     // at the tile's first row, or null
  const float* column_bias;  // at the tile's first column, or null
  const float* residual;     // at the tile's top-left element, or null
  int64_t ldr;
  float min;
  float max;
};

using GemmTileKernel = void (*)(const GemmTile& tile);

// Portable C++, any CPU (kernels/generic/f32_gemm_generic.cpp).
void f32_gemm_6x16_generic(const GemmTile& tile);
// AVX2 + FMA3 intrinsics (kernels/x86/f32_gemm_6x16_fma3.cpp); only compiled for x86-64 and only
// called when cpu_has_avx2_fma().
void f32_gemm_6x16_fma3(const GemmTile& tile);
// Tiles of up to 32 columns (two B panels) on zmm, in asm; only called when cpu_has_avx512().
void f32_gemm_6x32_avx512(const GemmTile& tile);
// Two tiles of consecutive A panels against the same B panels (top.b == bottom.b, top.b2 ==
// bottom.b2, same columns, depth and blocks) in one pass: 12 rows x up to 32 columns.
void f32_gemm_12x32_avx512(const GemmTile& top, const GemmTile& bottom);
// pack_b_panels (gemm.cpp) in zmm: B's rows at b + k * ldb, or at b + row_offsets[k] where those
// are given, columns [0, columns) into 16-column panels of `depth` rows, the last one zero-padded,
// each row k times row_scale[k] where that is given (kernels/x86/f32_pack_avx512.cpp); only
// called when cpu_has_avx512().
void f32_pack_b_panels_avx512(const float* b, int64_t ldb, const int64_t* row_offsets, int64_t depth, int64_t columns,
                              float* panels, const float* row_scale);
// A packed panel's lanes [lane, lane + count), read from a row of B at `offset` (gemm.cpp's
// column_runs, for BColumnRows).
struct PanelRun {
  int64_t offset;
  int32_t lane, count;
};
// The same with B's columns in runs: panel p (panels at panels + 16 p * depth) is the runs
// [panel_first[p], panel_first[p + 1]) of every row b + row_offsets[k], its other lanes zero
// (kernels/x86/f32_pack_avx512.cpp); only called when cpu_has_avx512().
void f32_pack_b_runs_avx512(const float* b, const int64_t* row_offsets, int64_t depth, const PanelRun* runs,
                            const int64_t* panel_first, int64_t panels, float* packed);
// NEON intrinsics (kernels/arm/f32_gemm_6x16_neon.cpp); only compiled for AArch64.
void f32_gemm_6x16_neon(const GemmTile& tile);

}  // namespace kite
