// The GEMM driver: cache blocking, packing B, and choosing the microkernel for this CPU.
//
// Blocking (GotoBLAS order, with A already packed): for each block of NC columns and each block
// of K, B's block is packed into 16-column panels (KC x NC floats, kept in L2), then every 6-row
// panel of A (6 x KC, kept in L1) is run against every B panel. A tile of C is written once per
// block of K; later blocks continue from the sums it holds, so each element still sees one
// unbroken sequence of k, whatever the blocking or the column range.
#include "kernels/gemm.h"

#include <cstring>
#include <cstdlib>

#include "core/aligned_alloc.h"
#include "kernels/cpu_features.h"
#include "kernels/gemm_microkernel.h"
#include "kite/error.h"

namespace kite {
namespace {

// KC: a 6 x KC panel of A (6 KiB) stays in L1 while B panels stream past it; long enough that
// storing and reloading C between blocks costs little. NC: the packed B block (KC x NC floats,
// 384 KiB) fits the 512 KiB L2 of a Zen3 core, with room for C and A.
static int64_t kDepthBlock = getenv("KC") ? atol(getenv("KC")) : 256;
static int64_t kColumnBlock = getenv("NC") ? atol(getenv("NC")) : 384;



struct TileKernel {
  GemmTileKernel run;
  const char* name;
};

TileKernel select_tile_kernel() {
#if defined(KITE_KERNELS_X86)
  if (!generic_kernels_forced() && cpu_has_avx2_fma()) return {f32_gemm_6x16_fma3, "f32_gemm_6x16_fma3"};
#endif
  return {f32_gemm_6x16_generic, "f32_gemm_6x16_generic"};
}

// One buffer per thread, allocated on its first gemm() and kept: the thread pool's workers each
// pack their own column range.
float* b_panels_scratch() {
  thread_local std::shared_ptr<void> buffer = allocate_aligned(4096 * 4096 * sizeof(float));
  return static_cast<float*>(buffer.get());
}

// K is cut into equal blocks (K = 257 gives 129 + 128, not 256 + 1) so that no block is too short
// to pay for its C round trip. At least one block, so that K = 0 still writes the epilogue.
struct DepthBlocks {
  int64_t count;
  int64_t length;
};

DepthBlocks split_depth(int64_t k) {
  int64_t count = k == 0 ? 1 : (k + kDepthBlock - 1) / kDepthBlock;
  return {count, (k + count - 1) / count};
}

// B[0:depth, 0:columns] (row stride ldb) into panels of 16 columns, each depth x 16 and
// contiguous, the last one zero-padded on the right.
void pack_b_panels(const float* b, int64_t ldb, int64_t depth, int64_t columns, float* panels) {
  for (int64_t k = 0; k < depth; ++k) {
    const float* row = b + k * ldb;
    for (int64_t j0 = 0; j0 < columns; j0 += kGemmTileColumns) {
      float* dst = panels + j0 * depth + k * kGemmTileColumns;
      int64_t width = columns - j0;
      if (width >= kGemmTileColumns) {
        std::memcpy(dst, row + j0, kGemmTileColumns * sizeof(float));
      } else {
        std::memcpy(dst, row + j0, width * sizeof(float));
        std::memset(dst + width, 0, (kGemmTileColumns - width) * sizeof(float));
      }
    }
  }
}

// Where one block of C (rows all of A, columns [n0, n0 + columns)) and its epilogue live.
struct BlockTarget {
  float* c;
  int64_t ldc;
  const GemmEpilogue* e;
  int64_t n0;
  int64_t columns;
};

void run_block(GemmTileKernel kernel, const PackedA& a, const float* b_panels, int64_t k0, int64_t depth,
               bool first_block, bool last_block, const BlockTarget& target) {
  const GemmEpilogue& e = *target.e;
  GemmTile tile{};
  tile.depth = depth;
  tile.ldc = target.ldc;
  tile.ldr = e.ldr;
  tile.first_block = first_block;
  tile.last_block = last_block;
  tile.min = e.min;
  tile.max = e.max;
  for (int64_t p = 0; p < a.panel_count(); ++p) {
    int64_t row0 = p * kGemmTileRows;
    tile.a = a.panel(p) + k0 * kGemmTileRows;
    tile.rows = static_cast<int>(a.rows() - row0 < kGemmTileRows ? a.rows() - row0 : kGemmTileRows);
    tile.row_bias = e.row_bias ? e.row_bias + row0 : nullptr;
    for (int64_t j0 = 0; j0 < target.columns; j0 += kGemmTileColumns) {
      int64_t j = target.n0 + j0;
      tile.b = b_panels + j0 * depth;
      tile.c = target.c + row0 * target.ldc + j;
      tile.columns = static_cast<int>(target.columns - j0 < kGemmTileColumns ? target.columns - j0 : kGemmTileColumns);
      tile.column_bias = e.column_bias ? e.column_bias + j : nullptr;
      tile.residual = e.residual ? e.residual + row0 * e.ldr + j : nullptr;
      kernel(tile);
    }
  }
}

void check_arguments(const PackedA& a, const float* b, int64_t ldb, int64_t n, const float* c, int64_t ldc,
                     const GemmEpilogue& e, int64_t n_begin, int64_t n_end) {
  KITE_CHECK(0 <= n_begin && n_begin <= n_end && n_end <= n, "gemm: column range [", n_begin, ", ", n_end,
             ") is not within [0, ", n, ")");
  KITE_CHECK(a.depth() <= 1 || ldb >= n, "gemm: ldb ", ldb, " is less than N = ", n);
  KITE_CHECK(a.rows() <= 1 || ldc >= n, "gemm: ldc ", ldc, " is less than N = ", n);
  KITE_CHECK(!e.residual || a.rows() <= 1 || e.ldr >= n, "gemm: ldr ", e.ldr, " is less than N = ", n);
  KITE_CHECK(c && (b || a.depth() == 0), "gemm: null B or C");
}

}  // namespace

void gemm(const PackedA& a, const float* b, int64_t ldb, int64_t n, float* c, int64_t ldc, const GemmEpilogue& e,
          int64_t n_begin, int64_t n_end) {
  if (a.rows() == 0 || n_begin == n_end) return;
  check_arguments(a, b, ldb, n, c, ldc, e, n_begin, n_end);
  GemmTileKernel kernel = select_tile_kernel().run;
  float* b_panels = b_panels_scratch();
  DepthBlocks blocks = split_depth(a.depth());
  for (int64_t n0 = n_begin; n0 < n_end; n0 += kColumnBlock) {
    BlockTarget target{c, ldc, &e, n0, n_end - n0 < kColumnBlock ? n_end - n0 : kColumnBlock};
    for (int64_t block = 0; block < blocks.count; ++block) {
      int64_t k0 = block * blocks.length;
      int64_t depth = a.depth() - k0 < blocks.length ? a.depth() - k0 : blocks.length;
      if (depth > 0) pack_b_panels(b + k0 * ldb + n0, ldb, depth, target.columns, b_panels);
      run_block(kernel, a, b_panels, k0, depth, block == 0, block == blocks.count - 1, target);
    }
  }
}

const char* gemm_kernel_name() { return select_tile_kernel().name; }

}  // namespace kite
