// The Winograd F(4x4, 3x3) transforms on zmm registers: a block's 16 tiles are a register's 16
// lanes. The portable transforms (kernels/winograd_transforms.h) move every value of a tile
// through memory one float at a time (36 per tile and channel in, 16 out), which took as long as
// the GEMMs on layers of 64 channels; here they move by register:
//  - input: each of a tile's 36 values is one gather over the 16 tiles (per-lane offsets into
//    the channel's plane; where a tile reaches into the padding or past the last tile, a lane
//    mask reads nothing and gives 0);
//  - output: a 4x4 output tile's rows for the 16 lanes are transposed into rows of the output
//    (4 tiles of 4 columns per register) and stored through lane masks, split where a group of
//    4 tiles runs from one row of tiles into the next and clipped at the map's right and bottom
//    edges; a residual is read the same way.
// The arithmetic is the portable transforms' expressions, operation for operation, with no fused
// multiply-add (all of them are compiled without contraction, see CMakeLists.txt): the same bits
// as the portable ones on any CPU (tested).
//
// This file alone is compiled with -mavx512f -mavx512bw, and everything it defines has internal
// linkage, so no AVX-512 copy of a function can be linked into code for other CPUs; it calls no
// inline function from elsewhere (the tile counts are computed here, not by WinogradParams).
#include <immintrin.h>

#include <cstdint>

#include "kernels/winograd_kernels.h"
#include "kernels/x86/avx512_lanes.h"

namespace kite {
namespace {

constexpr int kLanes = 16;
static_assert(kWinogradLanes == kLanes, "a block's tiles are a zmm register's lanes");

// Each operation rounded on its own: this file is compiled without contraction (CMakeLists.txt),
// as the portable transforms are.
__m512 add(__m512 a, __m512 b) { return _mm512_add_ps(a, b); }
__m512 sub(__m512 a, __m512 b) { return _mm512_sub_ps(a, b); }
__m512 mul(float a, __m512 b) { return _mm512_mul_ps(_mm512_set1_ps(a), b); }
__m512 unpack_low(__m512 a, __m512 b) { return _mm512_maskz_unpacklo_ps(kAllLanes, a, b); }
__m512 unpack_high(__m512 a, __m512 b) { return _mm512_maskz_unpackhi_ps(kAllLanes, a, b); }
template <int kQuarters>
__m512 quarters(__m512 a, __m512 b) { return _mm512_maskz_shuffle_f32x4(kAllLanes, a, b, kQuarters); }

// out[i] = (B^T d)[i]: the portable input_rows, B^T = [4 0 -5 0 1 0; 0 -4 -4 1 1 0; 0 4 -4 -1 1 0;
// 0 -2 -1 2 1 0; 0 2 -1 -2 1 0; 0 4 0 -5 0 1].
void input_rows(const __m512 (&d)[6], __m512 (&out)[6]) {
  const __m512 a = sub(d[4], mul(4.f, d[2])), b = sub(d[3], mul(4.f, d[1]));
  const __m512 c = sub(d[4], d[2]), e = mul(2.f, sub(d[3], d[1]));
  out[0] = add(sub(mul(4.f, d[0]), mul(5.f, d[2])), d[4]);
  out[1] = add(a, b);
  out[2] = sub(a, b);
  out[3] = add(c, e);
  out[4] = sub(c, e);
  out[5] = add(sub(mul(4.f, d[1]), mul(5.f, d[3])), d[5]);
}

// out[i] = (A^T m)[i]: the portable output_rows, A^T = [1 1 1 1 1 0; 0 1 -1 2 -2 0; 0 1 1 4 4 0;
// 0 1 -1 8 -8 1].
void output_rows(const __m512 (&m)[6], __m512 (&out)[4]) {
  const __m512 s12 = add(m[1], m[2]), d12 = sub(m[1], m[2]);
  const __m512 s34 = add(m[3], m[4]), d34 = sub(m[3], m[4]);
  out[0] = add(add(m[0], s12), s34);
  out[1] = add(d12, mul(2.f, d34));
  out[2] = add(s12, mul(4.f, s34));
  out[3] = add(add(d12, mul(8.f, d34)), m[5]);
}

int64_t tiles_across(const WinogradParams& p) { return (p.out_w + 3) / 4; }
int64_t tile_count(const WinogradParams& p) { return (p.out_h + 3) / 4 * tiles_across(p); }

void input_transform(const WinogradParams& p, const float* x, int64_t t0, float* v) {
  const int64_t tiles = tile_count(p), tiles_w = tiles_across(p), plane = p.in_h * p.in_w;
  const int64_t c_step = p.channels * kLanes;
  // Per lane: its tile's patch's first value, as an offset into a channel's plane; and per patch
  // row i and column j, the lanes whose row / column lies inside the input.
  alignas(64) int32_t first[kLanes];
  __mmask16 row_in[6] = {}, column_in[6] = {};
  for (int l = 0; l < kLanes; ++l) {
    const int64_t tile = t0 + l;
    const int64_t y0 = tile / tiles_w * 4 - p.pad_top, x0 = tile % tiles_w * 4 - p.pad_left;
    first[l] = static_cast<int32_t>(tile < tiles ? y0 * p.in_w + x0 : 0);
    for (int k = 0; k < 6 && tile < tiles; ++k) {
      if (y0 + k >= 0 && y0 + k < p.in_h) row_in[k] = static_cast<__mmask16>(row_in[k] | (1u << l));
      if (x0 + k >= 0 && x0 + k < p.in_w) column_in[k] = static_cast<__mmask16>(column_in[k] | (1u << l));
    }
  }
  const __m512i first_v = _mm512_load_si512(first);
  const __m512 zero = _mm512_setzero_ps();
  for (int64_t c = 0; c < p.channels; ++c) {
    const float* xc = x + c * plane;
    // Columns, then rows, as the portable transform: t = B^T d, v = t B.
    __m512 t[6][6];
    for (int j = 0; j < 6; ++j) {
      __m512 d[6], column[6];
      for (int i = 0; i < 6; ++i) {
        const __m512i at = _mm512_add_epi32(first_v, _mm512_set1_epi32(static_cast<int32_t>(i * p.in_w + j)));
        d[i] = _mm512_mask_i32gather_ps(zero, static_cast<__mmask16>(row_in[i] & column_in[j]), at, xc, 4);
      }
      input_rows(d, column);
      for (int i = 0; i < 6; ++i) t[i][j] = column[i];
    }
    for (int i = 0; i < 6; ++i) {
      __m512 row[6];
      input_rows(t[i], row);
      for (int j = 0; j < 6; ++j) _mm512_storeu_ps(v + (i * 6 + j) * c_step + c * kLanes, row[j]);
    }
  }
}

// Where a group of 4 lanes (tiles 4g .. 4g + 3 of the block, 16 output values of a row of the
// tiles) goes: at most two runs of tiles, the second where the group reaches the next row of
// tiles. Run r's values are the lanes `lanes[r]` (columns past the map's right edge left out) of
// a register stored at offset[r] + i * out_w for row i of the tiles, when its tiles' row
// top[r] + i lies inside the map. offset[1] points 4 values per tile of the first run before the
// second run's first tile, which starts a row of tiles: still inside the plane.
struct GroupRuns {
  int runs = 0;
  int64_t top[2] = {}, offset[2] = {};
  __mmask16 lanes[2] = {};
};

GroupRuns group_runs(const WinogradParams& p, int64_t t0, int group) {
  const int64_t tiles = tile_count(p), tiles_w = tiles_across(p);
  GroupRuns g;
  int64_t last_row = -1;
  for (int k = 0; k < 4; ++k) {
    const int64_t tile = t0 + group * 4 + k;
    if (tile >= tiles) break;
    const int64_t y0 = tile / tiles_w * 4, x0 = tile % tiles_w * 4;
    if (y0 != last_row) {  // a new run
      g.top[g.runs] = y0;
      g.offset[g.runs] = y0 * p.out_w + x0 - 4 * k;
      ++g.runs;
      last_row = y0;
    }
    for (int j = 0; j < 4 && x0 + j < p.out_w; ++j)
      g.lanes[g.runs - 1] = static_cast<__mmask16>(g.lanes[g.runs - 1] | (1u << (4 * k + j)));
  }
  return g;
}

// The 4 x 16 values out[j][lane] (row i of each lane's tile) as 4 registers of 4 tiles' rows:
// register g holds tiles 4g .. 4g + 3, each its columns 0 .. 3.
void transpose_tiles(const __m512 (&out)[4], __m512 (&rows)[4]) {
  const __m512 lo01 = unpack_low(out[0], out[1]), hi01 = unpack_high(out[0], out[1]);
  const __m512 lo23 = unpack_low(out[2], out[3]), hi23 = unpack_high(out[2], out[3]);
  // q[k]'s 128-bit quarter h: tile 4h + k.
  const __m512 q0 = _mm512_shuffle_ps(lo01, lo23, 0x44), q1 = _mm512_shuffle_ps(lo01, lo23, 0xEE);
  const __m512 q2 = _mm512_shuffle_ps(hi01, hi23, 0x44), q3 = _mm512_shuffle_ps(hi01, hi23, 0xEE);
  const __m512 s0 = quarters<0x44>(q0, q1), s1 = quarters<0x44>(q2, q3);
  const __m512 s2 = quarters<0xEE>(q0, q1), s3 = quarters<0xEE>(q2, q3);
  rows[0] = quarters<0x88>(s0, s1);
  rows[1] = quarters<0xDD>(s0, s1);
  rows[2] = quarters<0x88>(s2, s3);
  rows[3] = quarters<0xDD>(s2, s3);
}

void output_transform(const WinogradParams& p, const float* m, int64_t point_stride, int64_t rows, int64_t oc0, int64_t t0,
                      const float* bias, const float* residual, float lo, float hi, float* y) {
  const int64_t plane = p.out_h * p.out_w;
  GroupRuns groups[4];
  for (int g = 0; g < 4; ++g) groups[g] = group_runs(p, t0, g);
  const __m512 low = _mm512_set1_ps(lo), high = _mm512_set1_ps(hi);
  for (int64_t r = 0; r < rows; ++r) {
    const float* mr = m + r * kLanes;
    // Columns of the 6x6 (point i * 6 + j at mr + (i * 6 + j) * point_stride), then rows.
    __m512 t[4][6];
    for (int j = 0; j < 6; ++j) {
      __m512 column[6], out[4];
      for (int i = 0; i < 6; ++i) column[i] = _mm512_loadu_ps(mr + (i * 6 + j) * point_stride);
      output_rows(column, out);
      for (int i = 0; i < 4; ++i) t[i][j] = out[i];
    }
    const int64_t oc = oc0 + r;
    const __m512 b = _mm512_set1_ps(bias ? bias[oc] : 0.f);
    float* yc = y + oc * plane;
    const float* rc = residual ? residual + oc * plane : nullptr;
    for (int i = 0; i < 4; ++i) {
      __m512 out[4], tiles[4];
      output_rows(t[i], out);
      for (int j = 0; j < 4; ++j) out[j] = add(out[j], b);
      transpose_tiles(out, tiles);
      for (int g = 0; g < 4; ++g) {
        const GroupRuns& runs = groups[g];
        __mmask16 lanes[2] = {};
        for (int k = 0; k < runs.runs; ++k)
          if (runs.top[k] + i < p.out_h) lanes[k] = runs.lanes[k];
        // (A run with no lanes is skipped, not handed to a masked load or store: its row may lie
        // past the plane, and so would its address.)
        __m512 value = tiles[g];
        if (rc) {
          __m512 at_tiles = _mm512_setzero_ps();
          for (int k = 0; k < runs.runs; ++k)
            if (lanes[k]) at_tiles = _mm512_mask_loadu_ps(at_tiles, lanes[k], rc + runs.offset[k] + i * p.out_w);
          value = add(value, at_tiles);
        }
        // As the portable min_of(max_of(v, lo), hi), a NaN kept.
        value = clamp_keep_nan(value, low, high);
        for (int k = 0; k < runs.runs; ++k)
          if (lanes[k]) _mm512_mask_storeu_ps(yc + runs.offset[k] + i * p.out_w, lanes[k], value);
      }
    }
  }
}

// A group of 4 tiles spans at most two rows of tiles where a row holds 3 or more (GroupRuns); 4 are
// asked for (13x13, the smallest map the convolutions send here, has 4). The gathers' offsets are
// 32-bit.
bool fits(const WinogradParams& p) {
  return tiles_across(p) >= 4 && p.in_h * p.in_w < (int64_t{1} << 31) - 8 * (p.in_w + 8);
}

}  // namespace

void f32_winograd_input_avx512(const WinogradParams& p, const float* x, int64_t t0, float* v) {
  if (fits(p)) input_transform(p, x, t0, v);
  else f32_winograd_input_fma3(p, x, t0, v);
}

void f32_winograd_output_avx512(const WinogradParams& p, const float* m, int64_t point_stride, int64_t rows, int64_t oc0,
                                int64_t t0, const float* bias, const float* residual, float lo, float hi, float* y) {
  if (fits(p)) output_transform(p, m, point_stride, rows, oc0, t0, bias, residual, lo, hi, y);
  else f32_winograd_output_fma3(p, m, point_stride, rows, oc0, t0, bias, residual, lo, hi, y);
}

}  // namespace kite
