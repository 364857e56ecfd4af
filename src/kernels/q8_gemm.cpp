// The int8 GEMM driver: cache blocking, packing B, and choosing the microkernel for this CPU.
//
// Blocking: for each block of columns, all of B's K rows for those columns are packed into
// 16-column panels (kept in L2), then every panel of A runs against every B panel. K is not cut
// into blocks: a tile's int32 sums stay in registers from the first k to the last, and C, which
// holds uint8 or scaled floats, never has to carry partial sums. Instead the column block narrows
// as K grows, so that the packed block keeps to its L2 budget (down to one panel of 16 columns).
//
// A single column (a fully connected layer at batch 1) takes a kernel of its own on the int16
// pairs, which does not compute 15 padding columns of a tile for nothing; an A without pairs
// (packed in quads) takes the quad tile one column wide.
//
// A packed in quads (PackedQ8A::has_quads()) takes the quad path where the CPU has one:
// AVX512_VNNI's or AVX-VNNI's vpdpbusd (any weights), AVX2's u8 x s8 (7-bit weights) or ARMv8.2's SDOT (any
// weights). B is packed as bytes in quads of k
// (half the bytes of the wide path's int16 pairs), less the path's offset (0, or 128 for SDOT's
// signed bytes), and each tile starts from bias - (b_zero_point - offset) * rowsum(A), which the
// kernel's sums complete to the same int32 (modulo 2^32, as everywhere here) as the wide path's.
#include "kernels/q8_gemm.h"

#include <algorithm>
#include <cstring>
#include <vector>

#include "kernels/cpu_features.h"
#include "kernels/q8_gemm_microkernel.h"
#include "kernels/requantize.h"
#include "kernels/thread_scratch.h"
#include "kite/error.h"

namespace kite {
namespace {

// The packed B block's budget: 384 KiB of the 512 KiB L2 of a Zen3 core, as for the fp32 GEMM
// (K = 576: 12 panels, 192 columns; K = 2304: 5 panels, 80 columns). 192 and 256 KiB, 512 KiB
// with 16 panels and 384 KiB with 24 measured the same on Zen3, within a shared machine's noise.
// The results do not depend on either constant.
constexpr int64_t kPackedBBytes = 384 * 1024;
constexpr int64_t kMaxBlockPanels = 12;

// One ISA's kernels.
struct Kernels {
  Q8TileKernel tile;
  Q8PackPairKernel pack_pair;
  Q8ColumnKernel column;
  const char* name;
  // The quad path, where this CPU has one (null otherwise), and the offset its packed B carries.
  void (*quad_tile)(const Q8QuadTile&) = nullptr;
  Q8PackQuadKernel pack_quad = nullptr;
  const char* quad_name = nullptr;
  int32_t quad_b_offset = 0;
  bool quad_takes_any_weights = false;  // false: only A whose weights are 7-bit (AVX2's vpmaddubsw)
  // Two quad tiles of consecutive panels of A, up to two B panels wide, at once (null: the path
  // has no such kernel).
  void (*quad_tile_pair)(const Q8QuadTile& top, const Q8QuadTile& bottom) = nullptr;
  // Whether the quad path runs NextBlockPrefetcher (see there), as gemm.cpp's TileKernel says for
  // the fp32 kernels.
  bool prefetch_next_block = true;
  // One panel of A against up to four B panels (64 columns) at once, for a panel that has no
  // partner for quad_tile_pair (null: the path has no such kernel).
  void (*quad_tile_wide)(const Q8QuadTile&) = nullptr;
};

Kernels select_kernels() {
#if defined(KITE_KERNELS_X86)
  if (!generic_kernels_forced() && cpu_has_avx512_vnni())
    return {q8_gemm_6x16_avx2,       q8_pack_b_pair_avx2, q8_gemm_column_avx2, "q8_gemm_avx2",
            q8_gemm_6x16_u8s8_avx512_vnni, q8_pack_b_quad_avx512, "q8_gemm_u8s8_avx512_vnni", 0, true,
            q8_gemm_12x32_u8s8_avx512_vnni, false, q8_gemm_6x64_u8s8_avx512_vnni};
  if (!generic_kernels_forced() && cpu_has_avx_vnni())
    return {q8_gemm_6x16_avx2,       q8_pack_b_pair_avx2, q8_gemm_column_avx2, "q8_gemm_avx2",
            q8_gemm_6x16_u8s8_vnni, q8_pack_b_quad_avx2, "q8_gemm_u8s8_vnni", 0, true};
  if (!generic_kernels_forced() && cpu_has_avx2_fma())
    return {q8_gemm_6x16_avx2,       q8_pack_b_pair_avx2, q8_gemm_column_avx2, "q8_gemm_avx2",
            q8_gemm_6x16_u8s8_avx2, q8_pack_b_quad_avx2, "q8_gemm_u8s8_avx2"};
#endif
#if defined(KITE_KERNELS_ARM)
  if (!generic_kernels_forced() && cpu_has_neon()) {
    Kernels neon{q8_gemm_6x16_neon, q8_pack_b_pair_neon, q8_gemm_column_neon, "q8_gemm_neon"};
    if (cpu_has_arm_dotprod()) {
      neon.quad_tile = q8_gemm_6x16_sdot;
      neon.pack_quad = q8_pack_b_quad_sdot;
      neon.quad_name = "q8_gemm_sdot_neon";
      neon.quad_b_offset = 128;
      neon.quad_takes_any_weights = true;
    }
    return neon;
  }
#endif
  return {q8_gemm_6x16_generic, q8_pack_b_pair_generic, q8_gemm_column_generic, "q8_gemm_generic"};
}

int64_t panel_bytes(int64_t pairs) { return pairs * kQ8PanelPairStride * static_cast<int64_t>(sizeof(int16_t)); }

// How many 16-column panels of `bytes` each one block packs.
int64_t panels_per_block_of(int64_t bytes) {
  int64_t panels = bytes == 0 ? kMaxBlockPanels : kPackedBBytes / bytes;
  return std::clamp<int64_t>(panels, 1, kMaxBlockPanels);
}

// How many 16-column panels one block packs for this K.
int64_t panels_per_block(int64_t pairs) { return panels_per_block_of(panel_bytes(pairs)); }

// Where B's rows are: row k at b + k * ldb, or at b + row_offsets[k] (gemm_q8_rows).
struct BRows {
  const uint8_t* b;
  int64_t ldb;
  const int64_t* row_offsets;  // null: rows ldb apart
  const uint8_t* row(int64_t k) const { return b + (row_offsets ? row_offsets[k] : k * ldb); }
  // (B may be null where K is 0: no row is read then, and no offset applied.)
  BRows at_column(int64_t j) const { return {b ? b + j : b, ldb, row_offsets}; }
};

// Per-thread (kernels/thread_scratch.h): the thread pool's workers each pack their own columns.
struct Q8PackedB;  // thread_scratch's tag
int16_t* b_panels_scratch(int64_t bytes) {
  return static_cast<int16_t*>(thread_scratch<Q8PackedB>(bytes, kPackedBBytes));
}

// B[0:depth, 0:columns] (row stride ldb) into panels of 16 columns, each pairs x 16 x 2 int16 and
// contiguous, with the zero point subtracted. An odd depth's last row is packed as a pair with
// itself (A's padding multiplies the copy by zero), so that every pair takes the ISA's packer;
// the columns past the last whole panel are done here, and zero-padded.
void pack_b_panels(Q8PackPairKernel pack_pair, const BRows& b, int64_t depth, int64_t columns, int32_t zero_point,
                   int16_t* panels) {
  const int64_t pairs = (depth + 1) / 2;
  const int64_t panel_stride = pairs * kQ8PanelPairStride;
  const int64_t whole = columns / kQ8TileColumns, tail = columns % kQ8TileColumns;
  for (int64_t p = 0; p < pairs; ++p) {
    const uint8_t* row0 = b.row(2 * p);
    const uint8_t* row1 = 2 * p + 1 < depth ? b.row(2 * p + 1) : row0;
    int16_t* dst = panels + p * kQ8PanelPairStride;
    if (whole > 0) pack_pair(row0, row1, whole, panel_stride, zero_point, dst);
    if (tail == 0) continue;
    const int64_t j0 = whole * kQ8TileColumns;
    int16_t* out = dst + whole * panel_stride;
    std::memset(out, 0, kQ8PanelPairStride * sizeof(int16_t));
    for (int64_t j = 0; j < tail; ++j) {
      out[2 * j] = static_cast<int16_t>(row0[j0 + j] - zero_point);
      out[2 * j + 1] = static_cast<int16_t>(row1[j0 + j] - zero_point);
    }
  }
}

// B[0:depth, 0:columns] into the quad path's panels (kernels/q8_gemm_microkernel.h): per quad of
// k, 16 columns x 4 bytes, less the path's offset (which is 0 or 128: subtracting it modulo 256
// is the same as flipping the top bit, so uint8 - 128 comes out as the int8 SDOT reads). The rows past K repeat B's last row (A's padding multiplies them by
// zero); the columns past the last whole panel are done here, and zero-padded.
// Panels are panel_stride bytes apart (at least the quads' bytes).
void pack_b_quad_panels(const Kernels& kernels, const BRows& b, int64_t depth, int64_t columns, uint8_t* panels,
                        int64_t panel_stride) {
  const int64_t quads = (depth + 3) / 4;
  const int64_t whole = columns / kQ8TileColumns, tail = columns % kQ8TileColumns;
  for (int64_t q = 0; q < quads; ++q) {
    const uint8_t* rows[4];
    for (int64_t h = 0; h < 4; ++h) rows[h] = b.row(std::min(4 * q + h, depth - 1));
    uint8_t* dst = panels + q * kQ8QuadPanelBytes;
    if (whole > 0) kernels.pack_quad(rows, whole, panel_stride, dst);
    if (tail == 0) continue;
    const int64_t j0 = whole * kQ8TileColumns;
    uint8_t* out = dst + whole * panel_stride;
    std::memset(out, 0, kQ8QuadPanelBytes);
    for (int64_t j = 0; j < tail; ++j)
      for (int h = 0; h < 4; ++h) out[4 * j + h] = static_cast<uint8_t>(rows[h][j0 + j] - kernels.quad_b_offset);
  }
}

// While one block computes, brings the next block's rows of B into L2 a few cache lines per tile,
// so that packing it reads L2 instead of memory: packing is a phase of pure memory traffic, about
// a fifth of a 64 x 576 x 3136 product, which this made about a tenth faster on Zen3. Not with
// the AVX512_VNNI kernels: on an AVX-512 Xeon (2 MiB L2) that product ran 3% faster without it,
// MobileNet v2's 24 x 144 x 3136 9% (its 96 x 16 x 12544 5% slower), int8 ResNet-50 and
// MobileNet v1 3-7%.
class NextBlockPrefetcher {
 public:
  NextBlockPrefetcher(const BRows& b, int64_t depth, int64_t n0, int64_t columns, int64_t tiles) : b_(b.at_column(n0)) {
    if (depth == 0 || columns == 0 || tiles == 0) return;
    rows_ = depth;
    lines_per_row_ = columns / kBytesPerLine + 2;  // the row need not start on a line
    per_tile_ = (rows_ * lines_per_row_ + tiles - 1) / tiles;
  }
  void after_tile() {
    for (int64_t i = 0; i < per_tile_ && row_ < rows_; ++i) {
      __builtin_prefetch(b_.row(row_) + line_ * kBytesPerLine, 0, 2);
      if (++line_ == lines_per_row_) {
        line_ = 0;
        ++row_;
      }
    }
  }

 private:
  static constexpr int64_t kBytesPerLine = 64;
  BRows b_;
  int64_t rows_ = 0, lines_per_row_ = 0, per_tile_ = 0;
  int64_t row_ = 0, line_ = 0;
};

// Where C lives and what its elements are.
struct Output {
  void* c;
  int64_t ldc;
  size_t element_bytes;
  bool is_float;
};

void check_arguments(const PackedQ8A& a, const BRows& b, int64_t n, const void* c, int64_t ldc,
                     const Q8GemmEpilogue& e, bool float_output, int64_t n_begin, int64_t n_end, int64_t panel_begin,
                     int64_t panel_end) {
  KITE_CHECK(0 <= n_begin && n_begin <= n_end && n_end <= n, "gemm_q8: column range [", n_begin, ", ", n_end,
             ") is not within [0, ", n, ")");
  KITE_CHECK(0 <= panel_begin && panel_end <= a.panel_count(), "gemm_q8: panel range [", panel_begin, ", ",
             panel_end, ") is not within [0, ", a.panel_count(), ")");
  KITE_CHECK(a.depth() <= 1 || b.row_offsets || b.ldb >= n, "gemm_q8: ldb ", b.ldb, " is less than N = ", n);
  KITE_CHECK(a.rows() <= 1 || ldc >= n, "gemm_q8: ldc ", ldc, " is less than N = ", n);
  KITE_CHECK(c && (b.b || a.depth() == 0) && e.row_scale, "gemm_q8: null B, C or row_scale");
  KITE_CHECK(0 <= e.b_zero_point && e.b_zero_point <= 255, "gemm_q8: B's zero point ", e.b_zero_point,
             " is not a uint8 value");
  if (float_output) return;
  KITE_CHECK(0 <= e.c_zero_point && e.c_zero_point <= 255, "gemm_q8: C's zero point ", e.c_zero_point,
             " is not a uint8 value");
  KITE_CHECK(0 <= e.qmin && e.qmin <= e.qmax && e.qmax <= 255, "gemm_q8: output range [", e.qmin, ", ", e.qmax,
             "] is not within [0, 255]");
}

// Column j of B in the single-column kernels' layout (kernels/q8_gemm_microkernel.h): each pair of
// k repeated for the 6 rows of a panel, zero past K and up to a whole group of pairs.
void expand_column(const BRows& b, int64_t depth, int64_t j, int32_t zero_point, int64_t pairs, int16_t* x) {
  for (int64_t p = 0; p < pairs; ++p)
    for (int h = 0; h < 2; ++h) {
      const int64_t k = 2 * p + h;
      const int16_t v = k < depth ? static_cast<int16_t>(b.row(k)[j] - zero_point) : 0;
      for (int r = 0; r < kQ8TileRows; ++r) x[(p * kQ8TileRows + r) * 2 + h] = v;
    }
}

// One column of C: every panel's 6 dot products, then the epilogue, which is requantize() itself.
void run_single_column(const Kernels& kernels, const PackedQ8A& a, const BRows& b, int64_t j,
                       const Output& out, const Q8GemmEpilogue& e, int64_t panel_begin, int64_t panel_end) {
  KITE_CHECK(a.has_pairs(), "gemm_q8: A has no int16 pairs for the matrix-vector kernel");
  const int64_t pairs = a.pair_count();
  const int64_t padded_pairs = (pairs + kQ8ColumnGroupPairs - 1) / kQ8ColumnGroupPairs * kQ8ColumnGroupPairs;
  int16_t* x = b_panels_scratch(padded_pairs * kQ8TileRows * 2 * static_cast<int64_t>(sizeof(int16_t)));
  expand_column(b, a.depth(), j, e.b_zero_point, padded_pairs, x);
  for (int64_t p = panel_begin; p < panel_end; ++p) {
    int32_t sums[kQ8TileRows];
    kernels.column(a.panel(p), x, pairs, sums);
    const int64_t row0 = p * kQ8TileRows;
    const int64_t rows = std::min<int64_t>(a.rows() - row0, kQ8TileRows);
    for (int64_t r = 0; r < rows; ++r) {
      const int64_t i = row0 + r;
      // Modulo 2^32, as in the kernels: exact whenever the true sum fits an int32.
      const uint32_t bias = e.row_bias ? static_cast<uint32_t>(e.row_bias[i]) : 0u;
      const int32_t acc = static_cast<int32_t>(bias + static_cast<uint32_t>(sums[r]));
      if (out.is_float) {
        static_cast<float*>(out.c)[i * out.ldc + j] = static_cast<float>(acc) * e.row_scale[i];
      } else {
        static_cast<uint8_t*>(out.c)[i * out.ldc + j] =
            static_cast<uint8_t>(requantize(acc, e.row_scale[i], e.c_zero_point, e.qmin, e.qmax));
      }
    }
  }
}

// Row i's starting sum on a quad path whose B carries `offset`: sum A (B - zb) = sum A (B -
// offset) - (zb - offset) rowsum(A), taken modulo 2^32 like the sums themselves.
int32_t quad_row_start(const PackedQ8A& a, const Q8GemmEpilogue& e, int32_t offset, int64_t i) {
  const uint32_t zb = static_cast<uint32_t>(e.b_zero_point - offset);
  const uint32_t bias = e.row_bias ? static_cast<uint32_t>(e.row_bias[i]) : 0u;
  return static_cast<int32_t>(bias - zb * static_cast<uint32_t>(a.row_sums()[i]));
}

// The quad path: the same blocking as run() below, over quads of k.
void run_quads(const Kernels& kernels, const PackedQ8A& a, const BRows& b, const Output& out,
               const Q8GemmEpilogue& e, int64_t n_begin, int64_t n_end, int64_t panel_begin, int64_t panel_end) {
  const int64_t quads = a.quad_count();
  const int64_t quad_panel_bytes = quads * kQ8QuadPanelBytes;
  const int64_t block_columns = panels_per_block_of(quad_panel_bytes) * kQ8TileColumns;
  uint8_t* b_panels =
      reinterpret_cast<uint8_t*>(b_panels_scratch(quad_panel_bytes * (block_columns / kQ8TileColumns)));

  // Two tiles, for the kernels that take two panels of A at once; the rows' starting sums.
  int32_t row_start[2][kQ8TileRows];
  Q8QuadTile tiles[2]{};
  for (int h = 0; h < 2; ++h) {
    Q8QuadTile& tile = tiles[h];
    tile.quads = quads;
    tile.out.ldc = out.ldc;
    tile.out.output = out.is_float ? Q8TileOutput::kF32 : Q8TileOutput::kU8;
    tile.out.c_zero_point = e.c_zero_point;
    tile.out.qmin = e.qmin;
    tile.out.qmax = e.qmax;
    tile.out.row_bias = row_start[h];
  }
  // Tile h's rows are panel p's.
  auto start_panel = [&](int h, int64_t p) {
    Q8QuadTile& tile = tiles[h];
    const int64_t row0 = p * kQ8TileRows;
    tile.a = a.quad_panel(p);
    tile.out.rows = std::min<int64_t>(a.rows() - row0, kQ8TileRows);
    tile.out.row_scale = e.row_scale + row0;
    for (int r = 0; r < kQ8TileRows; ++r)
      row_start[h][r] = r < tile.out.rows ? quad_row_start(a, e, kernels.quad_b_offset, row0 + r) : 0;
  };
  for (int64_t n0 = n_begin; n0 < n_end; n0 += block_columns) {
    const int64_t columns = std::min(block_columns, n_end - n0);
    const int64_t next_columns = std::min(block_columns, n_end - n0 - columns);
    const int64_t tiles_in_block = (panel_end - panel_begin) * ((columns + kQ8TileColumns - 1) / kQ8TileColumns);
    NextBlockPrefetcher prefetcher(b, kernels.prefetch_next_block ? a.depth() : 0, n0 + columns, next_columns,
                                   tiles_in_block);
    pack_b_quad_panels(kernels, b.at_column(n0), a.depth(), columns, b_panels, quad_panel_bytes);
    for (int64_t p = panel_begin; p < panel_end;) {
      const int count = kernels.quad_tile_pair && p + 1 < panel_end ? 2 : 1;
      // A pair of A panels takes two B panels, a single one up to four where it has a kernel.
      const int64_t step = count == 2 ? 2 * kQ8TileColumns : kernels.quad_tile_wide ? 4 * kQ8TileColumns : kQ8TileColumns;
      for (int h = 0; h < count; ++h) start_panel(h, p + h);
      for (int64_t j0 = 0; j0 < columns; j0 += step) {
        const int64_t width = std::min<int64_t>(columns - j0, step);
        for (int h = 0; h < count; ++h) {
          Q8QuadTile& tile = tiles[h];
          tile.b = b_panels + j0 / kQ8TileColumns * quad_panel_bytes;
          tile.out.c = static_cast<char*>(out.c) + ((p + h) * kQ8TileRows * out.ldc + n0 + j0) * out.element_bytes;
          tile.out.columns = width;
        }
        if (count == 2) kernels.quad_tile_pair(tiles[0], tiles[1]);
        else if (width > kQ8TileColumns) kernels.quad_tile_wide(tiles[0]);
        else kernels.quad_tile(tiles[0]);
        // One call per tile of 16 columns and one panel, as tiles_in_block counts them.
        for (int64_t t = 0; t < count * ((width + kQ8TileColumns - 1) / kQ8TileColumns); ++t) prefetcher.after_tile();
      }
      p += count;
    }
  }
}

// The AMX path (kernels/x86/q8_gemm_amx.cpp): blocks of B packed as the quad path packs them,
// each panel padded to whole chunks of 64 k, and every block's product on tiles. Each row's
// starting sum folds B's zero point in as the quad path's do.
void run_amx(const Kernels& kernels, const PackedQ8A& a, const BRows& b, const Output& out, const Q8GemmEpilogue& e,
             int64_t n_begin, int64_t n_end, int64_t panel_begin, int64_t panel_end) {
#if defined(KITE_KERNELS_X86) && !defined(KITE_NO_AMX)
  const int64_t row_begin = panel_begin * kQ8TileRows, row_end = std::min(a.rows(), panel_end * kQ8TileRows);
  thread_local std::vector<int32_t> row_start;
  row_start.resize(static_cast<size_t>(a.rows()));
  for (int64_t i = row_begin; i < row_end; ++i) row_start[static_cast<size_t>(i)] = quad_row_start(a, e, 0, i);
  const int64_t chunks = a.amx_chunks(), quads = a.quad_count();
  const int64_t panel_bytes = chunks * kQ8AmxChunkBytes, used_bytes = quads * kQ8QuadPanelBytes;
  const int64_t block_panels = panels_per_block_of(panel_bytes);
  uint8_t* b_panels = reinterpret_cast<uint8_t*>(b_panels_scratch(panel_bytes * block_panels));
  Q8AmxBlock block{};
  block.a = a.amx_tile(0, 0);
  block.chunks = chunks;
  block.b = b_panels;
  block.row_begin = row_begin;
  block.row_end = row_end;
  block.row_start = row_start.data();
  block.row_scale = e.row_scale;
  block.ldc = out.ldc;
  block.output = out.is_float ? Q8TileOutput::kF32 : Q8TileOutput::kU8;
  block.c_zero_point = e.c_zero_point;
  block.qmin = e.qmin;
  block.qmax = e.qmax;
  for (int64_t n0 = n_begin; n0 < n_end; n0 += block_panels * kQ8TileColumns) {
    const int64_t columns = std::min(block_panels * kQ8TileColumns, n_end - n0);
    pack_b_quad_panels(kernels, b.at_column(n0), a.depth(), columns, b_panels, panel_bytes);
    // The quads past K's last one up to the chunk's end: read by the tiles, multiplied by A's zeros.
    if (panel_bytes > used_bytes)
      for (int64_t p = 0; p < (columns + kQ8TileColumns - 1) / kQ8TileColumns; ++p)
        std::memset(b_panels + p * panel_bytes + used_bytes, 0, static_cast<size_t>(panel_bytes - used_bytes));
    block.columns = columns;
    block.c = static_cast<char*>(out.c) + n0 * out.element_bytes;
    q8_gemm_amx(block);
  }
#else
  (void)kernels, (void)a, (void)b, (void)out, (void)e, (void)n_begin, (void)n_end, (void)panel_begin, (void)panel_end;
#endif
}

bool takes_amx(const PackedQ8A& a) {
#if defined(KITE_KERNELS_X86) && !defined(KITE_NO_AMX)
  return a.has_amx() && !generic_kernels_forced() && cpu_has_amx_int8();
#else
  (void)a;
  return false;
#endif
}

bool takes_quads(const Kernels& kernels, const PackedQ8A& a) {
  return kernels.quad_tile && a.has_quads() && (kernels.quad_takes_any_weights || a.seven_bit());
}

// An A packed in quads alone where this CPU's quad path cannot take it (extensions hidden or the
// portable kernels forced after packing): the portable quad kernels.
const Kernels& portable_quad_kernels() {
  static const Kernels kernels{q8_gemm_6x16_generic,  q8_pack_b_pair_generic, q8_gemm_column_generic,
                               "q8_gemm_generic",     q8_gemm_6x16_quad_generic, q8_pack_b_quad_generic,
                               "q8_gemm_u8s8_generic", 0,                        true};
  return kernels;
}

void run(const PackedQ8A& a, const BRows& b, int64_t n, const Output& out, const Q8GemmEpilogue& e, int64_t n_begin,
         int64_t n_end, int64_t panel_begin, int64_t panel_end) {
  if (panel_end < 0) panel_end = a.panel_count();
  if (a.rows() == 0 || n_begin == n_end || panel_begin >= panel_end) return;
  check_arguments(a, b, n, out.c, out.ldc, e, out.is_float, n_begin, n_end, panel_begin, panel_end);
  KITE_CHECK(!a.has_wide_values(), "gemm_q8: A was packed by pack_s16_a, for gemm_s16_panel only");
  const Kernels kernels = select_kernels();
  if (n_end - n_begin == 1 && a.has_pairs()) {
    run_single_column(kernels, a, b, n_begin, out, e, panel_begin, panel_end);
    return;
  }
  if (!a.has_pairs() && !takes_quads(kernels, a)) {
    run_quads(portable_quad_kernels(), a, b, out, e, n_begin, n_end, panel_begin, panel_end);
    return;
  }
  if (takes_amx(a) && takes_quads(kernels, a)) {
    run_amx(kernels, a, b, out, e, n_begin, n_end, panel_begin, panel_end);
    return;
  }
  if (takes_quads(kernels, a)) {
    run_quads(kernels, a, b, out, e, n_begin, n_end, panel_begin, panel_end);
    return;
  }
  KITE_CHECK(a.has_pairs(), "gemm_q8: A has no int16 pairs for the wide path");
  const int64_t pairs = a.pair_count();
  const int64_t block_columns = panels_per_block(pairs) * kQ8TileColumns;
  int16_t* b_panels = b_panels_scratch(panel_bytes(pairs) * (block_columns / kQ8TileColumns));

  Q8Tile tile{};
  tile.pairs = pairs;
  tile.ldc = out.ldc;
  tile.output = out.is_float ? Q8TileOutput::kF32 : Q8TileOutput::kU8;
  tile.c_zero_point = e.c_zero_point;
  tile.qmin = e.qmin;
  tile.qmax = e.qmax;
  for (int64_t n0 = n_begin; n0 < n_end; n0 += block_columns) {
    const int64_t columns = std::min(block_columns, n_end - n0);
    const int64_t next_columns = std::min(block_columns, n_end - n0 - columns);
    const int64_t tiles = (panel_end - panel_begin) * ((columns + kQ8TileColumns - 1) / kQ8TileColumns);
    NextBlockPrefetcher prefetcher(b, a.depth(), n0 + columns, next_columns, tiles);
    pack_b_panels(kernels.pack_pair, b.at_column(n0), a.depth(), columns, e.b_zero_point, b_panels);
    for (int64_t p = panel_begin; p < panel_end; ++p) {
      const int64_t row0 = p * kQ8TileRows;
      tile.a = a.panel(p);
      tile.rows = std::min<int64_t>(a.rows() - row0, kQ8TileRows);
      tile.row_bias = e.row_bias ? e.row_bias + row0 : nullptr;
      tile.row_scale = e.row_scale + row0;
      for (int64_t j0 = 0; j0 < columns; j0 += kQ8TileColumns) {
        tile.b = b_panels + j0 * pairs * 2;
        tile.c = static_cast<char*>(out.c) + (row0 * out.ldc + n0 + j0) * out.element_bytes;
        tile.columns = std::min<int64_t>(columns - j0, kQ8TileColumns);
        kernels.tile(tile);
        prefetcher.after_tile();
      }
    }
  }
}

}  // namespace

void gemm_q8(const PackedQ8A& a, const uint8_t* b, int64_t ldb, int64_t n, uint8_t* c, int64_t ldc,
             const Q8GemmEpilogue& e, int64_t n_begin, int64_t n_end, int64_t panel_begin, int64_t panel_end) {
  run(a, BRows{b, ldb, nullptr}, n, Output{c, ldc, sizeof(uint8_t), false}, e, n_begin, n_end, panel_begin, panel_end);
}

void gemm_q8_rows(const PackedQ8A& a, const uint8_t* b, const int64_t* row_offsets, int64_t n, uint8_t* c, int64_t ldc,
                  const Q8GemmEpilogue& e, int64_t n_begin, int64_t n_end, int64_t panel_begin, int64_t panel_end) {
  KITE_CHECK(row_offsets || a.depth() == 0, "gemm_q8_rows: null row offsets");
  run(a, BRows{b, 0, row_offsets}, n, Output{c, ldc, sizeof(uint8_t), false}, e, n_begin, n_end, panel_begin,
      panel_end);
}

void gemm_q8_f32_out(const PackedQ8A& a, const uint8_t* b, int64_t ldb, int64_t n, float* c, int64_t ldc,
                     const Q8GemmEpilogue& e, int64_t n_begin, int64_t n_end, int64_t panel_begin,
                     int64_t panel_end) {
  run(a, BRows{b, ldb, nullptr}, n, Output{c, ldc, sizeof(float), true}, e, n_begin, n_end, panel_begin, panel_end);
}

void gemm_s16_panel(const PackedQ8A& a, const int16_t* b_panel, int32_t* c, int64_t ldc, int64_t panel_begin,
                    int64_t panel_end) {
  static_assert(kS16PanelColumns == kQ8TileColumns, "a B panel feeds one register tile");
  KITE_CHECK(0 <= panel_begin && panel_begin <= panel_end && panel_end <= a.panel_count(), "gemm_s16_panel: panel range [",
             panel_begin, ", ", panel_end, ") is not within [0, ", a.panel_count(), ")");
  KITE_CHECK(a.rows() <= 1 || ldc >= kS16PanelColumns, "gemm_s16_panel: ldc ", ldc, " is less than 16");
  KITE_CHECK(a.has_wide_values(), "gemm_s16_panel: A was not packed by pack_s16_a");
  const Kernels kernels = select_kernels();
  Q8Tile tile{};
  tile.b = b_panel;
  tile.pairs = a.pair_count();
  tile.ldc = ldc;
  tile.columns = kS16PanelColumns;
  tile.output = Q8TileOutput::kI32;
  for (int64_t p = panel_begin; p < panel_end; ++p) {
    const int64_t row0 = p * kQ8TileRows;
    tile.a = a.panel(p);
    tile.rows = std::min<int64_t>(a.rows() - row0, kQ8TileRows);
    tile.c = c + row0 * ldc;
    kernels.tile(tile);
  }
}

const char* gemm_q8_kernel_name() { return select_kernels().name; }

bool gemm_q8_has_dot_product() { return select_kernels().quad_takes_any_weights; }

const char* gemm_q8_kernel_name(const PackedQ8A& a) {
  const Kernels kernels = select_kernels();
  if (takes_amx(a) && takes_quads(kernels, a)) return "q8_gemm_u8s8_amx";
  if (!a.has_pairs() && !takes_quads(kernels, a)) return portable_quad_kernels().quad_name;
  return takes_quads(kernels, a) ? kernels.quad_name : kernels.name;
}

}  // namespace kite
