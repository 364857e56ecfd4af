// The GEMM driver: cache blocking, packing B, and choosing the microkernel for this CPU.
//
// Blocking (GotoBLAS order, with A already packed): for each block of NC columns and each block
// of K, B's block is packed into 16-column panels (KC x NC floats, kept in L2), then every 6-row
// panel of A (6 x KC) is run against every B panel. A tile of C is written once per
// block of K; later blocks continue from the sums it holds, so each element still sees one
// unbroken sequence of k, whatever the blocking or the column range.
#include "kernels/gemm.h"

#include <cstring>

#include "core/aligned_alloc.h"
#include "kernels/cpu_features.h"
#include "kernels/gemm_microkernel.h"
#include "kite/error.h"

namespace kite {
namespace {

// KC = 512: a tile runs 512 steps of k before it stores C (short blocks spend more of their time
// storing and reloading C), and a 6 x 512 panel of A is a 12 KiB stream long enough for the
// hardware prefetchers when A comes from memory (deep layers: K = 4608). NC = 192: the packed B
// block (KC x NC floats, 384 KiB) stays in the 512 KiB L2 of a Zen3 core while every panel of A
// runs against it. Measured on Zen3 against 256 x 384, 384 x 192, 512 x 256 and 768 x 128 (within
// a few per cent of each other; this one was never the slowest). The results do not depend on
// either (see the file comment), so they can be tuned per CPU freely.
constexpr int64_t kDepthBlock = 512;
constexpr int64_t kColumnBlock = 192;
static_assert(kColumnBlock % kGemmTileColumns == 0, "B blocks are whole panels");

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
  thread_local std::shared_ptr<void> buffer = allocate_aligned(kDepthBlock * kColumnBlock * sizeof(float));
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

// One step of the loop nest: columns [n0, n0 + columns) of the caller's range, for rows
// [k0, k0 + depth) of K.
struct Block {
  int64_t n0, columns, k0, depth;
  bool first_of_k, last_of_k;
};

// The blocks in the order they run: column blocks outer, K blocks inner.
struct BlockPlan {
  int64_t n_begin, n_end, k;
  DepthBlocks depth_blocks;

  int64_t count() const { return (n_end - n_begin + kColumnBlock - 1) / kColumnBlock * depth_blocks.count; }
  Block at(int64_t index) const {
    int64_t kb = index % depth_blocks.count;
    int64_t n0 = n_begin + index / depth_blocks.count * kColumnBlock;
    int64_t k0 = kb * depth_blocks.length;
    return {n0, n_end - n0 < kColumnBlock ? n_end - n0 : kColumnBlock, k0,
            k - k0 < depth_blocks.length ? k - k0 : depth_blocks.length, kb == 0, kb == depth_blocks.count - 1};
  }
};

// While one block computes, brings the next block's rows of B into L2 a few cache lines per tile,
// so that packing it reads L2 instead of memory. Otherwise packing is a phase of pure memory
// traffic: with few rows of A to share it (ResNet-50's 64 x 576 x 3136) it took a sixth of the time.
class NextBlockPrefetcher {
 public:
  NextBlockPrefetcher(const float* b, int64_t ldb, const Block* next, int64_t tiles) : ldb_(ldb) {
    if (!next || next->depth == 0) return;
    first_row_ = b + next->k0 * ldb + next->n0;
    rows_ = next->depth;
    lines_per_row_ = next->columns / kFloatsPerLine + 2;  // the row need not start on a line
    per_tile_ = (rows_ * lines_per_row_ + tiles - 1) / tiles;
  }
  void after_tile() {
    for (int64_t i = 0; i < per_tile_ && row_ < rows_; ++i) {
      __builtin_prefetch(first_row_ + row_ * ldb_ + line_ * kFloatsPerLine, 0, 2);
      if (++line_ == lines_per_row_) {
        line_ = 0;
        ++row_;
      }
    }
  }

 private:
  static constexpr int64_t kFloatsPerLine = 16;
  const float* first_row_ = nullptr;
  int64_t ldb_;
  int64_t rows_ = 0, lines_per_row_ = 0, per_tile_ = 0;
  int64_t row_ = 0, line_ = 0;
};

// Where C and the epilogue live.
struct Target {
  float* c;
  int64_t ldc;
  const GemmEpilogue* e;
};

// Every panel of A against every panel of the packed B block.
void run_block(GemmTileKernel kernel, const PackedA& a, const float* b_panels, const Block& block, const Target& target,
               NextBlockPrefetcher& prefetcher) {
  const GemmEpilogue& e = *target.e;
  GemmTile tile{};
  tile.depth = block.depth;
  tile.ldc = target.ldc;
  tile.ldr = e.ldr;
  tile.first_block = block.first_of_k;
  tile.last_block = block.last_of_k;
  tile.min = e.min;
  tile.max = e.max;
  for (int64_t p = 0; p < a.panel_count(); ++p) {
    int64_t row0 = p * kGemmTileRows;
    tile.a = a.panel(p) + block.k0 * kGemmTileRows;
    tile.rows = static_cast<int>(a.rows() - row0 < kGemmTileRows ? a.rows() - row0 : kGemmTileRows);
    tile.row_bias = e.row_bias ? e.row_bias + row0 : nullptr;
    for (int64_t j0 = 0; j0 < block.columns; j0 += kGemmTileColumns) {
      int64_t j = block.n0 + j0;
      tile.b = b_panels + j0 * block.depth;
      tile.c = target.c + row0 * target.ldc + j;
      tile.columns = static_cast<int>(block.columns - j0 < kGemmTileColumns ? block.columns - j0 : kGemmTileColumns);
      tile.column_bias = e.column_bias ? e.column_bias + j : nullptr;
      tile.residual = e.residual ? e.residual + row0 * e.ldr + j : nullptr;
      kernel(tile);
      prefetcher.after_tile();
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
  const BlockPlan plan{n_begin, n_end, a.depth(), split_depth(a.depth())};
  const Target target{c, ldc, &e};
  for (int64_t index = 0; index < plan.count(); ++index) {
    Block block = plan.at(index);
    Block next = index + 1 < plan.count() ? plan.at(index + 1) : Block{};
    int64_t tiles = a.panel_count() * ((block.columns + kGemmTileColumns - 1) / kGemmTileColumns);
    NextBlockPrefetcher prefetcher(b, ldb, index + 1 < plan.count() ? &next : nullptr, tiles);
    if (block.depth > 0) pack_b_panels(b + block.k0 * ldb + block.n0, ldb, block.depth, block.columns, b_panels);
    run_block(kernel, a, b_panels, block, target, prefetcher);
  }
}

const char* gemm_kernel_name() { return select_tile_kernel().name; }

}  // namespace kite
