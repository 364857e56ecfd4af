// The contract between the int8 GEMM driver (q8_gemm.cpp: blocking, B packing, dispatch) and its
// microkernels (one per ISA, each in its own file). Internal to src/kernels.
#pragma once
#include <cstdint>

namespace kite {

// The register tile: 6 rows of A (one PackedQ8A panel, kernels/q8_gemm.h) times 16 columns of B
// (one packed B panel), as for the fp32 GEMM. On AVX2 that is 12 ymm accumulators of int32 (2 per
// row); on NEON 24 of the 32 q registers.
constexpr int kQ8TileRows = 6;
constexpr int kQ8TileColumns = 16;

// A packed B panel: for each pair of k, 16 columns of (B[2p, j] - zb, B[2p + 1, j] - zb) as two
// int16: b[(p * 16 + j) * 2 + h]. Past an odd K the second half repeats the first (A's padding
// multiplies it by zero); the columns past N are zero.
constexpr int64_t kQ8PanelPairStride = kQ8TileColumns * 2;  // int16 per pair of k

// What a tile stores: requantized uint8 (gemm_q8), the sums scaled to float (gemm_q8_f32_out), or
// the int32 sums themselves (gemm_s16_panel, for the Winograd transforms; row_scale not read).
enum class Q8TileOutput { kU8, kF32, kI32 };

// One tile of C, all of K at once (the sums never leave the registers until they are final).
// A microkernel computes the whole 6 x 16 tile (padding rows and columns are zeros) and stores
// only the `rows` x `columns` that exist.
struct Q8Tile {
  const int16_t* a;  // packed A panel
  const int16_t* b;  // packed B panel, 64-byte aligned
  int64_t pairs;     // pairs of k; may be 0 (K = 0: acc = row_bias)
  void* c;           // C at the tile's top-left element: uint8_t, float or int32_t, as `output` says
  int64_t ldc;
  int64_t rows;      // 1 .. 6 (64-bit with columns: see GemmTile in gemm_microkernel.h)
  int64_t columns;   // 1 .. 16 (up to 32 in the tiles given to a two-panel quad kernel)
  Q8TileOutput output;
  const int32_t* row_bias;  // at the tile's first row, or null
  const float* row_scale;   // at the tile's first row (not read for kI32)
  int32_t c_zero_point, qmin, qmax;
};

using Q8TileKernel = void (*)(const Q8Tile& tile);

// Packs one pair of B's rows, both present, into `panels` whole panels of 16 columns: columns
// [16 q, 16 q + 16) of row0 and row1 become dst[q * panel_stride + 2 j + h] (h = 0 for row0), with
// the zero point subtracted. The driver packs the columns past the last whole panel and the row
// past an odd K itself.
using Q8PackPairKernel = void (*)(const uint8_t* row0, const uint8_t* row1, int64_t panels, int64_t panel_stride,
                                  int32_t zero_point, int16_t* dst);

// A product with a single column (a fully connected layer at batch 1) would fill 1 of a tile's 16
// columns, so it runs a kernel of its own: x holds B's column expanded to A's panel layout,
// x[(p * 6 + r) * 2 + h] = B[2p + h] - zb for every row r (0 past an odd K), and the kernel returns
// the 6 dot products sums[r] = sum over p, h of a[(p * 6 + r) * 2 + h] * x[(p * 6 + r) * 2 + h]
// (modulo 2^32, without the bias). Both are read in whole groups of kQ8ColumnGroupPairs pairs: x is
// zero-padded to a whole group, and A's storage has kQ8PackedASlackBytes after its last panel.
constexpr int64_t kQ8ColumnGroupPairs = 4;
constexpr int64_t kQ8PackedASlackBytes = 128;
static_assert(kQ8ColumnGroupPairs * kQ8TileRows * 2 * 2 <= kQ8PackedASlackBytes, "a group may start at A's end");

using Q8ColumnKernel = void (*)(const int16_t* a, const int16_t* x, int64_t pairs, int32_t* sums);

// The quad paths (kernels/q8_gemm.h): the AVX2 u8 x s8 one for 7-bit weights, and the AVX-VNNI,
// AVX512_VNNI and ARMv8.2 SDOT ones for any int8 weights. A from PackedQ8A::quad_panel, B packed
// in panels of 16 columns, per quad of k 16 columns x 4 bytes: b[(q * 16 + j) * 4 + h] = B[4q + h, j] - offset, where the
// offset is the path's (0 for x86, which reads B as raw uint8; 128 for
// SDOT, which reads int8, so each byte's top bit is flipped). Past K the rows repeat a row of B
// (A's padding multiplies them by 0); the columns past N are zero. `out` describes C and the
// epilogue as for the wide tile (its a, b and pairs are not used); out.row_bias must hold each of
// the 6 rows' starting sums, bias - (b_zero_point - offset) * rowsum(A) (0 for padding rows), and
// is never null.
constexpr int64_t kQ8QuadPanelBytes = kQ8TileColumns * 4;  // bytes per quad of k

struct Q8QuadTile {
  const int8_t* a;   // quad panel of A
  const uint8_t* b;  // packed B panel, 64-byte aligned
  int64_t quads;     // quads of k; may be 0
  Q8Tile out;
};

// Packs rows 4q .. 4q + 3 (row0 .. row3, all readable) into `panels` whole panels of 16 columns:
// columns [16 p, 16 p + 16) become dst[p * panel_stride + 4 j + h], less the path's offset.
using Q8PackQuadKernel = void (*)(const uint8_t* const rows[4], int64_t panels, int64_t panel_stride, uint8_t* dst);

// AVX2 (kernels/x86/q8_gemm_avx2.cpp), 7-bit weights only; offset 0.
void q8_gemm_6x16_u8s8_avx2(const Q8QuadTile& tile);
// AVX-VNNI (kernels/x86/q8_gemm_avx2.cpp), any int8 weights; offset 0 (B packed by
// q8_pack_b_quad_avx2). Only called when cpu_has_avx_vnni().
void q8_gemm_6x16_u8s8_vnni(const Q8QuadTile& tile);
// The same on zmm with AVX512_VNNI (kernels/x86/avx512_tile_loop.h); only called when
// cpu_has_avx512_vnni().
void q8_gemm_6x16_u8s8_avx512_vnni(const Q8QuadTile& tile);
// One panel of A against up to four B panels (tile.out.columns up to 64), on AVX512_VNNI.
void q8_gemm_6x64_u8s8_avx512_vnni(const Q8QuadTile& tile);
// Two tiles of consecutive A panels against the same B panels (top.b == bottom.b, same quads and
// columns) in one pass: 12 rows, and up to 32 columns, the second 16 from the next B panel, at
// b + quads * 64 (the packed block's panels are contiguous).
void q8_gemm_12x32_u8s8_avx512_vnni(const Q8QuadTile& top, const Q8QuadTile& bottom);
void q8_pack_b_quad_avx2(const uint8_t* const rows[4], int64_t panels, int64_t panel_stride, uint8_t* dst);
// The same bytes, four panels at a time on zmm (kernels/x86/q8_pack_avx512.cpp); only called when
// cpu_has_avx512_vnni().
void q8_pack_b_quad_avx512(const uint8_t* const rows[4], int64_t panels, int64_t panel_stride, uint8_t* dst);
// ARMv8.2 dot product (kernels/arm/q8_gemm_dotprod.cpp), any int8 weights; offset 128. Only
// compiled for AArch64 and only called when cpu_has_arm_dotprod().
void q8_gemm_6x16_sdot(const Q8QuadTile& tile);
void q8_pack_b_quad_sdot(const uint8_t* const rows[4], int64_t panels, int64_t panel_stride, uint8_t* dst);

// AMX (kernels/x86/q8_gemm_amx.cpp): one block of B against the rows of A's groups that cover
// [row_begin, row_end), from PackedQ8A's AMX tiles. B is the quad path's panels (offset 0), each
// padded to `chunks` * 16 quads (the pad is read; A's zero padding multiplies it), so a panel is
// chunks * 1024 bytes. Only rows [row_begin, row_end) and columns [0, columns) of C are written:
// C[i, j] at c + (i * ldc + j) * element size, i counted from A's first row, to
// requantize(row_start[i] + sum, row_scale[i], ..) (or the float row_start[i] + sum times
// row_scale[i]). Only called where cpu_has_amx_int8().
struct Q8AmxBlock {
  const int8_t* a;  // PackedQ8A::amx_tile(0, 0)
  int64_t chunks;   // K in chunks of 64
  const uint8_t* b;
  int64_t columns;
  int64_t row_begin, row_end;
  const int32_t* row_start;  // per row of A, bias - b_zero_point * rowsum(A)
  const float* row_scale;
  void* c;
  int64_t ldc;
  Q8TileOutput output;  // kU8 or kF32
  int32_t c_zero_point, qmin, qmax;
};
constexpr int64_t kQ8AmxChunkBytes = 1024;  // a tile: 16 rows of 64 bytes
void q8_gemm_amx(const Q8AmxBlock& block);

// Portable C++, any CPU (kernels/generic/q8_gemm_generic.cpp). The quad tile and packer (offset
// 0, any weights) run an A packed in quads alone where the CPU's own quad path cannot take it.
void q8_gemm_6x16_generic(const Q8Tile& tile);
void q8_gemm_6x16_quad_generic(const Q8QuadTile& tile);
void q8_pack_b_quad_generic(const uint8_t* const rows[4], int64_t panels, int64_t panel_stride, uint8_t* dst);
void q8_pack_b_pair_generic(const uint8_t* row0, const uint8_t* row1, int64_t panels, int64_t panel_stride,
                            int32_t zero_point, int16_t* dst);
void q8_gemm_column_generic(const int16_t* a, const int16_t* x, int64_t pairs, int32_t* sums);
// AVX2 intrinsics (kernels/x86/q8_gemm_avx2.cpp); only compiled for x86-64 and only called when
// cpu_has_avx2_fma().
void q8_gemm_6x16_avx2(const Q8Tile& tile);
void q8_pack_b_pair_avx2(const uint8_t* row0, const uint8_t* row1, int64_t panels, int64_t panel_stride,
                         int32_t zero_point, int16_t* dst);
void q8_gemm_column_avx2(const int16_t* a, const int16_t* x, int64_t pairs, int32_t* sums);
// NEON intrinsics (kernels/arm/q8_gemm_neon.cpp); only compiled for AArch64.
void q8_gemm_6x16_neon(const Q8Tile& tile);
void q8_pack_b_pair_neon(const uint8_t* row0, const uint8_t* row1, int64_t panels, int64_t panel_stride,
                         int32_t zero_point, int16_t* dst);
void q8_gemm_column_neon(const int16_t* a, const int16_t* x, int64_t pairs, int32_t* sums);

}  // namespace kite
