// The int8 Winograd F(2x2, 3x3) transforms (kernels/q8_winograd.h). Plain loops over the 16 tiles
// of a block, which the compiler vectorizes for the baseline of each target (SSE2 on x86-64, NEON
// on AArch64); the products between them run the int8 GEMM's microkernels (gemm_s16_panel).
#include "kernels/q8_winograd.h"

#include <algorithm>
#include <cstring>
#include <vector>

#include "kernels/requantize.h"
#include "kite/error.h"

namespace kite {
namespace {

constexpr int64_t L = kQ8WinogradLanes;

// G' = 2 G of F(2x2, 3x3), interpolation points 0, +-1 and infinity.
constexpr int kG[4][3] = {{2, 0, 0}, {1, 1, 1}, {1, -1, 1}, {0, 0, 2}};

// The helpers take restrict pointers: without them the compiler must assume the rows overlap and
// keeps the loops scalar.

// B^T down the columns of four rows: c0 = d0 - d2, c1 = d1 + d2, c2 = d2 - d1, c3 = d1 - d3.
void combine_rows(const int16_t* __restrict d0, const int16_t* __restrict d1, const int16_t* __restrict d2,
                  const int16_t* __restrict d3, int64_t n, int16_t* __restrict c0, int16_t* __restrict c1,
                  int16_t* __restrict c2, int16_t* __restrict c3) {
  for (int64_t u = 0; u < n; ++u) {
    c0[u] = static_cast<int16_t>(d0[u] - d2[u]);
    c1[u] = static_cast<int16_t>(d1[u] + d2[u]);
    c2[u] = static_cast<int16_t>(d2[u] - d1[u]);
    c3[u] = static_cast<int16_t>(d1[u] - d3[u]);
  }
}

// B again along a combined row, for tiles [0, n): tile tx reads columns 2 tx .. 2 tx + 3.
void combine_columns(const int16_t* __restrict c, int64_t n, int16_t* __restrict v0, int16_t* __restrict v1,
                     int16_t* __restrict v2, int16_t* __restrict v3) {
  for (int64_t tx = 0; tx < n; ++tx) {
    const int16_t a = c[2 * tx], b = c[2 * tx + 1], e = c[2 * tx + 2], f = c[2 * tx + 3];
    v0[tx] = static_cast<int16_t>(a - e);
    v1[tx] = static_cast<int16_t>(b + e);
    v2[tx] = static_cast<int16_t>(e - b);
    v3[tx] = static_cast<int16_t>(b - f);
  }
}

// One input channel's transformed tiles [tile_begin, tile_begin + count): tile tile_begin + i at
// t[xi * count + i]. Per row of tiles: the four input rows it reads are copied, less the zero
// point and with zeros for the padding, into rows as wide as the range's tiles need; B^T combines
// the four rows column by column, then B combines each combined row's columns tile by tile. Every
// loop runs over consecutive columns or tiles, so the compiler vectorizes it. |d| <= 255 gives
// |result| <= 1020. Tiles past tiles() are zeros.
void transform_channel(const Q8WinogradParams& p, const uint8_t* xc, int16_t zero_point, int64_t tile_begin,
                       int64_t count, int16_t* scratch, int16_t* t) {
  const int64_t tiles_w = p.tiles_w(), tile_end = std::min(tile_begin + count, p.tiles());
  const int64_t capacity = 2 * tiles_w + 2;  // a padded row's columns for a whole row of tiles
  int16_t* rows[4];
  int16_t* combined[4];
  for (int i = 0; i < 4; ++i) {
    rows[i] = scratch + i * capacity;
    combined[i] = scratch + (4 + i) * capacity;
  }
  for (int64_t tile = tile_begin; tile < tile_end;) {
    const int64_t ty = tile / tiles_w, tx0 = tile % tiles_w, tx1 = std::min(tiles_w, tx0 + (tile_end - tile));
    // Padded columns [2 tx0, 2 tx1 + 2), of which [begin, end) are inside the input (input column
    // u - pad_left for padded column u).
    const int64_t u0 = 2 * tx0, width = 2 * (tx1 - tx0) + 2;
    const int64_t begin = std::clamp(p.pad_left - u0, int64_t{0}, width);
    const int64_t end = std::clamp(p.pad_left + p.in_w - u0, begin, width);
    for (int i = 0; i < 4; ++i) {
      const int64_t iy = 2 * ty - p.pad_top + i;
      int16_t* row = rows[i];
      if (iy < 0 || iy >= p.in_h) {
        std::fill(row, row + width, int16_t{0});
        continue;
      }
      std::fill(row, row + begin, int16_t{0});
      if (end > begin) {  // (no pointer is formed for a range wholly in the padding)
        const uint8_t* src = xc + iy * p.in_w + (u0 + begin - p.pad_left);  // the input column of row[begin]
        for (int64_t u = begin; u < end; ++u) row[u] = static_cast<int16_t>(src[u - begin] - zero_point);
      }
      std::fill(row + end, row + width, int16_t{0});
    }
    combine_rows(rows[0], rows[1], rows[2], rows[3], width, combined[0], combined[1], combined[2], combined[3]);
    for (int k = 0; k < 4; ++k) {
      int16_t* out = t + k * 4 * count + (tile - tile_begin);
      combine_columns(combined[k], tx1 - tx0, out, out + count, out + 2 * count, out + 3 * count);
    }
    tile += tx1 - tx0;
  }
  const int64_t done = std::max<int64_t>(tile_end - tile_begin, 0);
  for (int64_t xi = 0; xi < kQ8WinogradPoints; ++xi) std::fill(t + xi * count + done, t + (xi + 1) * count, int16_t{0});
}

// dst[2 l] = a[l], dst[2 l + 1] = b[l] for l in [0, L): built as 32-bit words, which the
// compiler vectorizes (element by element it inserted one int16 at a time).
static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "a word's low half is its first int16");
void interleave(const int16_t* __restrict a, const int16_t* __restrict b, int16_t* __restrict dst) {
  uint32_t words[L];
  for (int64_t l = 0; l < L; ++l)
    words[l] = static_cast<uint32_t>(static_cast<uint16_t>(a[l])) | static_cast<uint32_t>(static_cast<uint16_t>(b[l])) << 16;
  std::memcpy(dst, words, sizeof words);
}

// A^T = [1 1 1 0; 0 1 -1 -1] on four rows of L lanes (modulo 2^32): o0 = m0 + m1 + m2,
// o1 = m1 - m2 - m3.
void combine_outputs(const uint32_t* __restrict m0, const uint32_t* __restrict m1, const uint32_t* __restrict m2,
                     const uint32_t* __restrict m3, uint32_t* __restrict o0, uint32_t* __restrict o1) {
  for (int64_t l = 0; l < L; ++l) {
    o0[l] = m0[l] + m1[l] + m2[l];
    o1[l] = m1[l] - m2[l] - m3[l];
  }
}

}  // namespace

std::vector<PackedQ8A> q8_winograd_weights(const int8_t* weights, int64_t oc, int64_t ic) {
  KITE_CHECK(oc >= 0 && ic >= 0 && ic <= kQ8WinogradMaxChannels, "q8_winograd_weights: ", ic,
             " input channels (at most ", kQ8WinogradMaxChannels, ")");
  std::vector<int16_t> u(static_cast<size_t>(kQ8WinogradPoints * oc * ic));
  for (int64_t o = 0; o < oc; ++o)
    for (int64_t c = 0; c < ic; ++c) {
      const int8_t* g = weights + (o * ic + c) * 9;
      int gg[4][3];  // G' g
      for (int i = 0; i < 4; ++i)
        for (int j = 0; j < 3; ++j) gg[i][j] = kG[i][0] * g[0 * 3 + j] + kG[i][1] * g[1 * 3 + j] + kG[i][2] * g[2 * 3 + j];
      for (int i = 0; i < 4; ++i)
        for (int j = 0; j < 4; ++j)  // (G' g) G'^T: at most 9 * 128 in magnitude
          u[static_cast<size_t>(((i * 4 + j) * oc + o) * ic + c)] =
              static_cast<int16_t>(gg[i][0] * kG[j][0] + gg[i][1] * kG[j][1] + gg[i][2] * kG[j][2]);
    }
  std::vector<PackedQ8A> packed;
  for (int64_t xi = 0; xi < kQ8WinogradPoints; ++xi) packed.push_back(pack_s16_a(u.data() + xi * oc * ic, oc, ic, ic));
  return packed;
}

void q8_winograd_input(const Q8WinogradParams& p, const uint8_t* x, int32_t x_zero_point, int64_t tile_begin,
                       int64_t blocks, int16_t* v) {
  const int64_t count = blocks * L, plane = p.in_h * p.in_w, point_values = p.point_values();
  thread_local std::vector<int16_t> scratch, transformed;  // padded rows; two channels' tiles
  scratch.resize(static_cast<size_t>(8 * (2 * p.tiles_w() + 2)));
  transformed.resize(static_cast<size_t>(2 * kQ8WinogradPoints * count));
  int16_t* t[2] = {transformed.data(), transformed.data() + kQ8WinogradPoints * count};
  for (int64_t pair = 0; pair < (p.channels + 1) / 2; ++pair) {
    for (int h = 0; h < 2; ++h) {
      const int64_t c = 2 * pair + h;
      if (c < p.channels)
        transform_channel(p, x + c * plane, static_cast<int16_t>(x_zero_point), tile_begin, count, scratch.data(), t[h]);
      else std::fill(t[h], t[h] + kQ8WinogradPoints * count, int16_t{0});  // the odd channel count's zero channel
    }
    // Interleave the pair into each (point, block) panel: tile l of the block, channel h at
    // panel[pair * 2 L + 2 l + h].
    for (int64_t xi = 0; xi < kQ8WinogradPoints; ++xi)
      for (int64_t b = 0; b < blocks; ++b)
        interleave(t[0] + xi * count + b * L, t[1] + xi * count + b * L, v + (xi * blocks + b) * point_values + pair * 2 * L);
  }
}

void q8_winograd_output(const Q8WinogradParams& p, const int32_t* m, int64_t point_stride, int64_t rows, int64_t oc0,
                        int64_t t0, const Q8WinogradEpilogue& e, uint8_t* y) {
  const int64_t tiles = p.tiles(), tiles_w = p.tiles_w(), plane = p.out_h * p.out_w;
  const int64_t lanes = std::min(L, tiles - t0);
  alignas(64) uint32_t points[16 * L], t[8 * L], y4[4 * L];
  alignas(64) int32_t acc[4 * L];  // output (i, j) of lane l at acc[(i * 2 + j) * L + l]
  alignas(64) uint8_t q[4 * L], out_rows[2][2 * L];
  for (int64_t r = 0; r < rows; ++r) {
    for (int64_t xi = 0; xi < kQ8WinogradPoints; ++xi)
      std::memcpy(points + xi * L, m + xi * point_stride + r * L, L * sizeof(int32_t));
    // Columns of the 4x4, then rows: t = A^T M, 4 Y = t A (modulo 2^32).
    for (int64_t j = 0; j < 4; ++j)
      combine_outputs(points + j * L, points + (4 + j) * L, points + (8 + j) * L, points + (12 + j) * L, t + j * L,
                      t + (4 + j) * L);
    for (int64_t i = 0; i < 2; ++i)
      combine_outputs(t + i * 4 * L, t + (i * 4 + 1) * L, t + (i * 4 + 2) * L, t + (i * 4 + 3) * L, y4 + i * 2 * L,
                      y4 + (i * 2 + 1) * L);
    const int64_t oc = oc0 + r;
    const uint32_t bias = e.bias ? static_cast<uint32_t>(e.bias[oc]) : 0u;
    // 4 Y fits an int32 (see the header), so the shift is an exact division.
    for (int64_t k = 0; k < 4 * L; ++k)
      acc[k] = static_cast<int32_t>(bias + static_cast<uint32_t>(static_cast<int32_t>(y4[k]) >> 2));
    requantize_u8_block(acc, q, 4 * L, e.scale[oc], e.zero_point, e.qmin, e.qmax);
    // Output row i of lane l's tile: (q[i][0][l], q[i][1][l]), so consecutive lanes of one row of
    // tiles are consecutive output columns.
    for (int64_t i = 0; i < 2; ++i)
      for (int64_t l = 0; l < L; ++l) {
        out_rows[i][2 * l] = q[(i * 2) * L + l];
        out_rows[i][2 * l + 1] = q[(i * 2 + 1) * L + l];
      }
    uint8_t* yc = y + oc * plane;
    for (int64_t l = 0; l < lanes;) {  // one run of lanes per row of tiles
      const int64_t tile = t0 + l, ty = tile / tiles_w, tx = tile % tiles_w;
      const int64_t run = std::min(lanes - l, tiles_w - tx);
      const int64_t x0 = 2 * tx, columns = std::min(2 * run, p.out_w - x0);
      for (int64_t i = 0; i < 2 && 2 * ty + i < p.out_h; ++i)
        std::memcpy(yc + (2 * ty + i) * p.out_w + x0, out_rows[i] + 2 * l, static_cast<size_t>(columns));
      l += run;
    }
  }
}

}  // namespace kite
