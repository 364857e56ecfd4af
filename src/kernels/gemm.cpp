// The GEMM driver: cache blocking, packing B, and choosing the microkernel for this CPU.
//
// Blocking (GotoBLAS order, with A already packed): for each block of NC columns and each block
// of K, B's block is packed into 16-column panels (KC x NC floats, kept in L2), then every 6-row
// panel of A (6 x KC) runs against every B panel. A tile of C is written once per block of K;
// the next block continues from the sums it holds, so each element still sees one unbroken
// sequence of k, whatever the blocking or the column range. gemm_packed_b runs the same blocks
// over a B that pack_b or pack_b_rows packed once for all of K (its panels' slices instead of a
// packed block).
#include "kernels/gemm.h"

#include <cstring>
#include <vector>

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
// a few per cent of each other; this one was never the slowest). A narrower block (the last one
// of a range, or all of a 7 x 7 layer) takes a longer KC in the same 384 KiB. The results do not
// depend on either (see the file comment), so they can be tuned per CPU freely.
constexpr int64_t kDepthBlock = 512;
constexpr int64_t kColumnBlock = kGemmColumnBlock;
constexpr int64_t kPackedBFloats = kDepthBlock * kColumnBlock;
static_assert(kColumnBlock % kGemmTileColumns == 0, "B blocks are whole panels");
static_assert(kPackedBPanelColumns == kGemmTileColumns, "pack_b's panels are the microkernel's");

struct TileKernel {
  GemmTileKernel run;
  const char* name;  // of the kernel that does most of the work
  int64_t columns = kGemmTileColumns;  // the widest tile it takes: one B panel, or two
  // Two tiles of consecutive panels of A, as wide as `columns`, at once (null: none for this ISA).
  void (*pair)(const GemmTile& top, const GemmTile& bottom) = nullptr;
  // Whether NextBlockPrefetcher runs (see there): it paid on Zen3 (AVX2), not on an AVX-512
  // Xeon, whose 2 MiB L2 and own prefetchers leave the instructions mostly their cost.
  bool prefetch_next_block = true;
};

TileKernel select_tile_kernel() {
#if defined(KITE_KERNELS_X86)
  if (!generic_kernels_forced() && cpu_has_avx512())
    return {f32_gemm_6x32_avx512, "f32_gemm_12x32_avx512", 2 * kGemmTileColumns, f32_gemm_12x32_avx512, false};
  if (!generic_kernels_forced() && cpu_has_avx2_fma()) return {f32_gemm_6x16_fma3, "f32_gemm_6x16_fma3"};
#endif
#if defined(KITE_KERNELS_ARM)
  if (!generic_kernels_forced() && cpu_has_neon()) return {f32_gemm_6x16_neon, "f32_gemm_6x16_neon"};
#endif
  return {f32_gemm_6x16_generic, "f32_gemm_6x16_generic"};
}

// One buffer per thread, allocated on its first gemm() and kept: the thread pool's workers each
// pack their own column range.
float* b_panels_scratch() {
  thread_local std::shared_ptr<void> buffer = allocate_aligned(kPackedBFloats * sizeof(float));
  return static_cast<float*>(buffer.get());
}

// One step of the loop nest: columns [n0, n0 + columns) of the caller's range, for rows
// [k0, k0 + depth) of K. Column blocks run in order, and the K blocks of each in order.
struct Block {
  int64_t n0, columns;
  int64_t k0, depth, depth_step;
  bool first_of_k, last_of_k;
};

// K is cut into equal blocks (K = 513 gives 257 + 256, not 512 + 1), each as long as the packed
// block allows for this many columns, so that no block is too short to pay for its C round trip.
// At least one block, so that K = 0 still writes the epilogue.
Block first_block_of_columns(int64_t n0, int64_t n_end, int64_t k) {
  int64_t columns = n_end - n0 < kColumnBlock ? n_end - n0 : kColumnBlock;
  int64_t padded = (columns + kGemmTileColumns - 1) / kGemmTileColumns * kGemmTileColumns;
  int64_t longest = kPackedBFloats / padded;
  int64_t count = k == 0 ? 1 : (k + longest - 1) / longest;
  int64_t step = (k + count - 1) / count;
  return {n0, columns, 0, step, step, true, step == k};
}

// The block after `b`, or false after the last one.
bool next_block(const Block& b, int64_t n_end, int64_t k, Block& next) {
  if (!b.last_of_k) {
    next = b;
    next.k0 += b.depth_step;
    next.depth = k - next.k0 < b.depth_step ? k - next.k0 : b.depth_step;
    next.first_of_k = false;
    next.last_of_k = next.k0 + next.depth == k;
    return true;
  }
  if (b.n0 + b.columns == n_end) return false;
  next = first_block_of_columns(b.n0 + b.columns, n_end, k);
  return true;
}

// Where B's rows are: row k at b + k * ldb, or, with row_offsets, at b + row_offsets[k] (gemm_rows);
// with columns.width, column j of a row at columns_from + j's place in BColumnRows.
// With row_scale, row k's values are taken times row_scale[k] (gemm's b_row_scale).
struct BRows {
  const float* b;
  int64_t ldb;
  const int64_t* row_offsets;  // or null
  BColumnRows columns;
  int64_t columns_from = 0;
  const float* row_scale = nullptr;
  const float* row(int64_t k) const { return row_offsets ? b + row_offsets[k] : b + k * ldb; }
  // Rows from k0 on, columns from n0 on.
  BRows from(int64_t k0, int64_t n0) const {
    const float* scale = row_scale ? row_scale + k0 : nullptr;
    if (columns.width > 0) return BRows{b, 0, row_offsets + k0, columns, columns_from + n0, scale};
    return row_offsets ? BRows{b + n0, 0, row_offsets + k0, {}, 0, scale}
                       : BRows{b + k0 * ldb + n0, ldb, nullptr, {}, 0, scale};
  }
};

// With BColumnRows, a panel's columns [j0, j0 + 16) from rows of `width` columns: the runs of
// them that lie in one row, each `count` lanes from `lane` on, read from a row of B at `offset`
// (the same for every k). Where the width is 16 or more, a panel has one run, or two where it
// crosses into the next row.
void column_runs(const BRows& b, int64_t columns, std::vector<PanelRun>& runs, std::vector<int64_t>& panel_first) {
  runs.clear();
  panel_first.clear();
  const int64_t width = b.columns.width, pitch = b.columns.pitch;
  for (int64_t j0 = 0; j0 < columns; j0 += kGemmTileColumns) {
    panel_first.push_back(static_cast<int64_t>(runs.size()));
    const int64_t lanes = columns - j0 < kGemmTileColumns ? columns - j0 : kGemmTileColumns;
    for (int64_t lane = 0; lane < lanes;) {
      const int64_t j = b.columns_from + j0 + lane, in_row = j % width;
      const int64_t count = width - in_row < lanes - lane ? width - in_row : lanes - lane;
      runs.push_back({j / width * pitch + in_row, static_cast<int32_t>(lane), static_cast<int32_t>(count)});
      lane += count;
    }
  }
  panel_first.push_back(static_cast<int64_t>(runs.size()));
}

// B[0:depth, 0:columns] into panels of 16 columns, each depth x 16 and contiguous, the last one
// zero-padded on the right.
void pack_b_panels(const BRows& b, int64_t depth, int64_t columns, float* panels) {
  if (b.columns.width > 0) {  // (gemm_rows and pack_b_rows take no row scale)
    // Rebuilt per packed block: a few runs per panel, against depth x 16 floats moved.
    thread_local std::vector<PanelRun> runs;
    thread_local std::vector<int64_t> panel_first;
    column_runs(b, columns, runs, panel_first);
    const int64_t panels_count = static_cast<int64_t>(panel_first.size()) - 1;
#if defined(KITE_KERNELS_X86)
    if (!generic_kernels_forced() && cpu_has_avx512())
      return f32_pack_b_runs_avx512(b.b, b.row_offsets, depth, runs.data(), panel_first.data(), panels_count, panels);
#endif
    for (int64_t k = 0; k < depth; ++k) {
      const float* row = b.row(k);
      for (int64_t p = 0; p < panels_count; ++p) {
        float* dst = panels + p * kGemmTileColumns * depth + k * kGemmTileColumns;
        const PanelRun& first = runs[static_cast<size_t>(panel_first[p])];
        if (first.count == kGemmTileColumns) {  // the common panel: one run, a fixed-size copy
          std::memcpy(dst, row + first.offset, kGemmTileColumns * sizeof(float));
          continue;
        }
        std::memset(dst, 0, kGemmTileColumns * sizeof(float));
        for (int64_t r = panel_first[p]; r < panel_first[p + 1]; ++r) {
          const PanelRun& run = runs[static_cast<size_t>(r)];
          std::memcpy(dst + run.lane, row + run.offset, static_cast<size_t>(run.count) * sizeof(float));
        }
      }
    }
    return;
  }
#if defined(KITE_KERNELS_X86)
  if (!generic_kernels_forced() && cpu_has_avx512())
    return f32_pack_b_panels_avx512(b.b, b.ldb, b.row_offsets, depth, columns, panels, b.row_scale);
#endif
  for (int64_t k = 0; k < depth; ++k) {
    const float* row = b.row(k);
    for (int64_t j0 = 0; j0 < columns; j0 += kGemmTileColumns) {
      float* dst = panels + j0 * depth + k * kGemmTileColumns;
      int64_t width = columns - j0;
      if (width >= kGemmTileColumns) {
        std::memcpy(dst, row + j0, kGemmTileColumns * sizeof(float));
      } else {
        std::memcpy(dst, row + j0, width * sizeof(float));
        std::memset(dst + width, 0, (kGemmTileColumns - width) * sizeof(float));
      }
      if (b.row_scale) {
        const float scale = b.row_scale[k];
        for (int64_t j = 0; j < width && j < kGemmTileColumns; ++j) dst[j] *= scale;
      }
    }
  }
}

// While one block computes, brings the next block's rows of B into L2 a few cache lines per tile,
// so that packing it reads L2 instead of memory (packing is otherwise a phase of pure memory
// traffic). Measured on Zen3: 4% off ResNet-50's 64 x 576 x 3136. Below 4 panels of A there is
// too little compute to hide the traffic behind, and it was slower, so it stays off. Off with the
// AVX-512 kernels too (TileKernel): on an AVX-512 Xeon, with its 2 MiB L2, networks ran as fast or
// up to 2% faster without it (medians of 3 interleaved runs: Inception v3 90.7 -> 88.9 ms,
// ResNet-50 and GoogLeNet within the noise).
class NextBlockPrefetcher {
 public:
  NextBlockPrefetcher(const float* b, int64_t ldb, const Block* next, int64_t panels, int64_t tiles) : ldb_(ldb) {
    if (!next || next->depth == 0 || panels < kMinPanels) return;
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
  static constexpr int64_t kMinPanels = 4;
  const float* first_row_ = nullptr;
  int64_t ldb_;
  int64_t rows_ = 0, lines_per_row_ = 0, per_tile_ = 0;
  int64_t row_ = 0, line_ = 0;
};

// Where C and the epilogue live, and which panels of A (rows of C) are computed.
struct Target {
  float* c;
  int64_t ldc;
  const GemmEpilogue* e;
  int64_t panel_begin, panel_end;
};

// Where the packed B block's 16-column panels are: the one for the block's columns [j0, j0 + 16)
// at first_panel + j0 * column_stride (the driver's own block: column_stride = block depth; B
// packed once for all of K by pack_b or pack_b_rows: column_stride = K).
struct PackedBBlock {
  const float* first_panel;
  int64_t column_stride;
};

// How many tiles (kernel calls) run_block makes for `panels` panels of A and `columns` columns: the
// prefetcher spreads the next block's rows over them.
int64_t tiles_in_block(const TileKernel& kernel, int64_t panels, int64_t columns) {
  const int64_t single = (columns + kernel.columns - 1) / kernel.columns;
  if (!kernel.pair) return panels * single;
  return (panels / 2 + panels % 2) * single;
}

// Every panel of A against every panel of the packed B block.
void run_block(const TileKernel& kernel, const PackedA& a, PackedBBlock b_block, const Block& block,
               const Target& target, NextBlockPrefetcher& prefetcher) {
  const GemmEpilogue& e = *target.e;
  GemmTile tile{};
  tile.depth = block.depth;
  tile.ldc = target.ldc;
  tile.ldr = e.ldr;
  tile.first_block = block.first_of_k;
  tile.last_block = block.last_of_k;
  tile.min = e.min;
  tile.max = e.max;
  // Tile h's rows are panel p's.
  GemmTile tiles[2] = {tile, tile};
  auto start_panel = [&](int h, int64_t p) {
    const int64_t row0 = p * kGemmTileRows;
    tiles[h].a = a.panel(p) + block.k0 * kGemmTileRows;
    tiles[h].rows = a.rows() - row0 < kGemmTileRows ? a.rows() - row0 : kGemmTileRows;
    tiles[h].row_bias = e.row_bias ? e.row_bias + row0 : nullptr;
  };
  auto start_columns = [&](int h, int64_t p, int64_t j0, int64_t width) {
    const int64_t row0 = p * kGemmTileRows, j = block.n0 + j0;
    GemmTile& t = tiles[h];
    t.b = b_block.first_panel + j0 * b_block.column_stride;
    t.columns = block.columns - j0 < width ? block.columns - j0 : width;
    t.b2 = t.columns > kGemmTileColumns ? t.b + kGemmTileColumns * b_block.column_stride : nullptr;
    t.c = target.c + row0 * target.ldc + j;
    t.column_bias = e.column_bias ? e.column_bias + j : nullptr;
    t.residual = e.residual ? e.residual + row0 * e.ldr + j : nullptr;
  };
  for (int64_t p = target.panel_begin; p < target.panel_end;) {
    if (kernel.pair && p + 1 < target.panel_end) {  // two panels of A at a time
      start_panel(0, p);
      start_panel(1, p + 1);
      for (int64_t j0 = 0; j0 < block.columns; j0 += kernel.columns) {
        start_columns(0, p, j0, kernel.columns);
        start_columns(1, p + 1, j0, kernel.columns);
        kernel.pair(tiles[0], tiles[1]);
        prefetcher.after_tile();
      }
      p += 2;
      continue;
    }
    start_panel(0, p);
    for (int64_t j0 = 0; j0 < block.columns; j0 += kernel.columns) {
      start_columns(0, p, j0, kernel.columns);
      kernel.run(tiles[0]);
      prefetcher.after_tile();
    }
    ++p;
  }
}

// What every entry point checks (B's own layout is each one's to check).
void check_arguments(const PackedA& a, const float* b, int64_t n, const float* c, int64_t ldc, const GemmEpilogue& e,
                     int64_t n_begin, int64_t n_end) {
  KITE_CHECK(0 <= n_begin && n_begin <= n_end && n_end <= n, "gemm: column range [", n_begin, ", ", n_end,
             ") is not within [0, ", n, ")");
  KITE_CHECK(a.rows() <= 1 || ldc >= n, "gemm: ldc ", ldc, " is less than N = ", n);
  KITE_CHECK(!e.residual || a.rows() <= 1 || e.ldr >= n, "gemm: ldr ", e.ldr, " is less than N = ", n);
  KITE_CHECK(c && (b || a.depth() == 0), "gemm: null B or C");
}

// gemm() and gemm_rows() after their checks: B's blocks packed from wherever its rows are.
void run_gemm(const PackedA& a, const BRows& b, float* c, int64_t ldc, const GemmEpilogue& e, int64_t n_begin,
              int64_t n_end, int64_t panel_begin, int64_t panel_end) {
  const TileKernel kernel = select_tile_kernel();
  float* b_panels = b_panels_scratch();
  const Target target{c, ldc, &e, panel_begin, panel_end};
  int64_t panels = panel_end - panel_begin;
  Block block = first_block_of_columns(n_begin, n_end, a.depth());
  for (;;) {
    Block next{};
    const bool has_next = next_block(block, n_end, a.depth(), next);
    int64_t tiles = tiles_in_block(kernel, panels, block.columns);
    // The prefetcher follows rows at a stride; rows from offsets are not.
    const bool prefetch = has_next && kernel.prefetch_next_block && !b.row_offsets;
    NextBlockPrefetcher prefetcher(b.b, b.ldb, prefetch ? &next : nullptr, panels, tiles);
    if (block.depth > 0) pack_b_panels(b.from(block.k0, block.n0), block.depth, block.columns, b_panels);
    run_block(kernel, a, {b_panels, block.depth}, block, target, prefetcher);
    if (!has_next) break;
    block = next;
  }
}

// The columns checked, and as consecutive columns (width 0) where the rows have no gaps.
BColumnRows checked_column_rows(const BColumnRows& columns, const char* who) {
  KITE_CHECK(columns.width == 0 || (columns.width > 0 && columns.pitch >= columns.width), who, ": rows of ",
             columns.width, " columns every ", columns.pitch);
  return columns.width == columns.pitch ? BColumnRows{} : columns;
}

void check_panels(const PackedA& a, int64_t panel_begin, int64_t panel_end) {
  KITE_CHECK(0 <= panel_begin && panel_end <= a.panel_count(), "gemm: panel range [", panel_begin, ", ", panel_end,
             ") is not within [0, ", a.panel_count(), ")");
}

}  // namespace

void gemm(const PackedA& a, const float* b, int64_t ldb, int64_t n, float* c, int64_t ldc, const GemmEpilogue& e,
          int64_t n_begin, int64_t n_end, int64_t panel_begin, int64_t panel_end, const float* b_row_scale) {
  if (panel_end < 0) panel_end = a.panel_count();
  if (a.rows() == 0 || n_begin == n_end || panel_begin >= panel_end) return;
  check_arguments(a, b, n, c, ldc, e, n_begin, n_end);
  KITE_CHECK(a.depth() <= 1 || ldb >= n, "gemm: ldb ", ldb, " is less than N = ", n);
  check_panels(a, panel_begin, panel_end);
  run_gemm(a, {b, ldb, nullptr, {}, 0, b_row_scale}, c, ldc, e, n_begin, n_end, panel_begin, panel_end);
}

void gemm_rows(const PackedA& a, const float* b, const int64_t* row_offsets, int64_t n, float* c, int64_t ldc,
               const GemmEpilogue& e, int64_t n_begin, int64_t n_end, int64_t panel_begin, int64_t panel_end,
               BColumnRows columns) {
  if (panel_end < 0) panel_end = a.panel_count();
  if (a.rows() == 0 || n_begin == n_end || panel_begin >= panel_end) return;
  KITE_CHECK(row_offsets || a.depth() == 0, "gemm_rows: no row offsets");
  columns = checked_column_rows(columns, "gemm_rows");
  check_arguments(a, b, n, c, ldc, e, n_begin, n_end);
  check_panels(a, panel_begin, panel_end);
  run_gemm(a, {b, 0, row_offsets, columns}, c, ldc, e, n_begin, n_end, panel_begin, panel_end);
}

int64_t packed_b_floats(int64_t k, int64_t n) {
  return (n + kGemmTileColumns - 1) / kGemmTileColumns * kGemmTileColumns * k;
}

void pack_b(const float* b, int64_t ldb, int64_t k, int64_t n_begin, int64_t n_end, float* packed,
            const float* b_row_scale) {
  if (n_begin == n_end || k == 0) return;
  KITE_CHECK(0 <= n_begin && n_begin < n_end && n_begin % kGemmTileColumns == 0, "pack_b: column range [", n_begin,
             ", ", n_end, ") does not start a panel");
  pack_b_panels({b + n_begin, ldb, nullptr, {}, 0, b_row_scale}, k, n_end - n_begin, packed + n_begin * k);
}

void pack_b_rows(const float* b, const int64_t* row_offsets, int64_t k, int64_t n_begin, int64_t n_end, float* packed,
                 BColumnRows columns) {
  if (n_begin == n_end || k == 0) return;
  KITE_CHECK(0 <= n_begin && n_begin < n_end && n_begin % kGemmTileColumns == 0, "pack_b_rows: column range [",
             n_begin, ", ", n_end, ") does not start a panel");
  KITE_CHECK(row_offsets, "pack_b_rows: no row offsets");
  columns = checked_column_rows(columns, "pack_b_rows");
  pack_b_panels(BRows{b, 0, row_offsets, columns}.from(0, n_begin), k, n_end - n_begin, packed + n_begin * k);
}

void gemm_packed_b(const PackedA& a, const float* packed_b, int64_t n, float* c, int64_t ldc, const GemmEpilogue& e,
                   int64_t panel_begin, int64_t panel_end) {
  if (panel_end < 0) panel_end = a.panel_count();
  if (a.rows() == 0 || n == 0 || panel_begin >= panel_end) return;
  check_arguments(a, packed_b, n, c, ldc, e, 0, n);
  check_panels(a, panel_begin, panel_end);
  const TileKernel kernel = select_tile_kernel();
  const Target target{c, ldc, &e, panel_begin, panel_end};
  const int64_t k = a.depth();
  // The same blocks as gemm(): a block's slices of the shared panels (depth x NC floats) are what
  // every panel of A runs against while they stay in L2.
  Block block = first_block_of_columns(0, n, k);
  for (;;) {
    NextBlockPrefetcher no_prefetch(nullptr, 0, nullptr, 0, 0);
    run_block(kernel, a, {packed_b + block.n0 * k + block.k0 * kGemmTileColumns, k}, block, target, no_prefetch);
    Block next{};
    if (!next_block(block, n, k, next)) break;
    block = next;
  }
}

const char* gemm_kernel_name() { return select_tile_kernel().name; }

}  // namespace kite
