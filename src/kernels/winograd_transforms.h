// The Winograd F(4x4, 3x3) input and output transforms, written once as plain loops over
// kWinogradLanes tiles so that each ISA's file compiles them with its own flags (the compiler
// vectorizes the lane loops: 8 tiles per AVX2 instruction). Included only by
// kernels/<isa>/f32_winograd_<isa>.cpp; everything here is in an unnamed namespace so that the
// copies compiled for different instruction sets can never be merged by the linker. Every ISA's
// file is compiled with -ffp-contract=off (CMakeLists.txt): no multiply and add fused where the ISA
// has FMA, so all of them give the same bits. AVX-512 CPUs
// run x86/f32_winograd_avx512.cpp's transforms instead, which repeat input_rows' and
// output_rows' expressions on zmm registers: a change here must be made there too (its test
// compares the two bit for bit).
#pragma once
#include <algorithm>
#include <cstring>

#include "kernels/winograd.h"

namespace kite {
namespace {

constexpr int64_t L = kWinogradLanes;

// The clamp's min and max, as std::min / std::max compute them, defined here: a standard template
// instantiated in a file compiled for one ISA could be the copy the linker keeps for all.
inline float min_of(float a, float b) { return b < a ? b : a; }
inline float max_of(float a, float b) { return a < b ? b : a; }

// out[i] = (B^T in)[i] for the six rows of one transformed column, each row L lanes:
// B^T = [4 0 -5 0 1 0; 0 -4 -4 1 1 0; 0 4 -4 -1 1 0; 0 -2 -1 2 1 0; 0 2 -1 -2 1 0; 0 4 0 -5 0 1].
inline void input_rows(const float* in, int64_t in_step, float* out, int64_t out_step) {
  const float *d0 = in, *d1 = in + in_step, *d2 = in + 2 * in_step, *d3 = in + 3 * in_step, *d4 = in + 4 * in_step,
              *d5 = in + 5 * in_step;
  for (int64_t l = 0; l < L; ++l) {
    float a = d4[l] - 4.f * d2[l], b = d3[l] - 4.f * d1[l], c = d4[l] - d2[l], e = 2.f * (d3[l] - d1[l]);
    out[0 * out_step + l] = 4.f * d0[l] - 5.f * d2[l] + d4[l];
    out[1 * out_step + l] = a + b;
    out[2 * out_step + l] = a - b;
    out[3 * out_step + l] = c + e;
    out[4 * out_step + l] = c - e;
    out[5 * out_step + l] = 4.f * d1[l] - 5.f * d3[l] + d5[l];
  }
}

// out[i] = (A^T in)[i] for four output rows from six: A^T = [1 1 1 1 1 0; 0 1 -1 2 -2 0;
// 0 1 1 4 4 0; 0 1 -1 8 -8 1].
inline void output_rows(const float* in, int64_t in_step, float* out, int64_t out_step) {
  const float *m0 = in, *m1 = in + in_step, *m2 = in + 2 * in_step, *m3 = in + 3 * in_step, *m4 = in + 4 * in_step,
              *m5 = in + 5 * in_step;
  for (int64_t l = 0; l < L; ++l) {
    float s12 = m1[l] + m2[l], d12 = m1[l] - m2[l], s34 = m3[l] + m4[l], d34 = m3[l] - m4[l];
    out[0 * out_step + l] = m0[l] + s12 + s34;
    out[1 * out_step + l] = d12 + 2.f * d34;
    out[2 * out_step + l] = s12 + 4.f * s34;
    out[3 * out_step + l] = d12 + 8.f * d34 + m5[l];
  }
}

// Where each lane's tile lies: its first row and column (in the input, padding counted, for
// the input transform; in the output for the output one), and whether its whole patch is inside.
struct TilePlaces {
  int64_t y0[L], x0[L];
  bool valid[L], interior[L];
};

TilePlaces input_places(const WinogradParams& p, int64_t t0) {
  TilePlaces at;
  const int64_t tiles = p.tiles(), tiles_w = p.tiles_w();
  for (int64_t l = 0; l < L; ++l) {
    const int64_t tile = t0 + l;
    at.y0[l] = tile / tiles_w * 4 - p.pad_top;
    at.x0[l] = tile % tiles_w * 4 - p.pad_left;
    at.valid[l] = tile < tiles;
    at.interior[l] = at.valid[l] && at.y0[l] >= 0 && at.y0[l] + 6 <= p.in_h && at.x0[l] >= 0 && at.x0[l] + 6 <= p.in_w;
  }
  return at;
}

void input_transform(const WinogradParams& p, const float* x, int64_t t0, float* v) {
  alignas(64) float d[36 * L], t[36 * L];
  int64_t plane = p.in_h * p.in_w, c_step = p.channels * L;
  // The tiles' places once per block, not per channel (a division per lane each).
  const TilePlaces at = input_places(p, t0);
  for (int64_t c = 0; c < p.channels; ++c) {
    const float* xc = x + c * plane;
    // Gather the 6x6 patch of every tile, zeros where it lies in the padding or past the last tile.
    for (int64_t l = 0; l < L; ++l) {
      const int64_t y0 = at.y0[l], x0 = at.x0[l];
      if (at.interior[l]) {  // most tiles: no bounds to test
        for (int64_t i = 0; i < 6; ++i)
          for (int64_t j = 0; j < 6; ++j) d[(i * 6 + j) * L + l] = xc[(y0 + i) * p.in_w + x0 + j];
        continue;
      }
      for (int64_t i = 0; i < 6; ++i)
        for (int64_t j = 0; j < 6; ++j) {
          int64_t yy = y0 + i, xx = x0 + j;
          bool in = at.valid[l] && yy >= 0 && yy < p.in_h && xx >= 0 && xx < p.in_w;
          d[(i * 6 + j) * L + l] = in ? xc[yy * p.in_w + xx] : 0.f;
        }
    }
    // Columns, then rows: t = B^T d, v = t B.
    for (int64_t j = 0; j < 6; ++j) input_rows(d + j * L, 6 * L, t + j * L, 6 * L);
    for (int64_t i = 0; i < 6; ++i) {
      alignas(64) float row[6 * L];
      input_rows(t + i * 6 * L, L, row, L);
      for (int64_t j = 0; j < 6; ++j) std::memcpy(v + (i * 6 + j) * c_step + c * L, row + j * L, L * sizeof(float));
    }
  }
}

void output_transform(const WinogradParams& p, const float* m, int64_t point_stride, int64_t rows, int64_t oc0, int64_t t0,
                      const float* bias, const float* residual, float lo, float hi, float* y) {
  alignas(64) float t[24 * L], out[16 * L];
  int64_t tiles = p.tiles(), tiles_w = p.tiles_w(), plane = p.out_h * p.out_w, point_step = point_stride;
  // The tiles' places once per block, not per output channel.
  int64_t tile_y0[L], tile_x0[L];
  for (int64_t l = 0; l < L; ++l) {
    tile_y0[l] = (t0 + l) / tiles_w * 4;
    tile_x0[l] = (t0 + l) % tiles_w * 4;
  }
  for (int64_t r = 0; r < rows; ++r) {
    const float* mr = m + r * L;
    // Columns of the 6x6 (each point xi = i * 6 + j at mr + xi * point_step), then rows.
    for (int64_t j = 0; j < 6; ++j) output_rows(mr + j * point_step, 6 * point_step, t + j * L, 6 * L);
    for (int64_t i = 0; i < 4; ++i) output_rows(t + i * 6 * L, L, out + i * 4 * L, L);
    int64_t oc = oc0 + r;
    float b = bias ? bias[oc] : 0.f;
    float* yc = y + oc * plane;
    const float* rc = residual ? residual + oc * plane : nullptr;
    for (int64_t l = 0; l < L && t0 + l < tiles; ++l) {
      const int64_t y0 = tile_y0[l], x0 = tile_x0[l];
      for (int64_t i = 0; i < 4 && y0 + i < p.out_h; ++i)
        for (int64_t j = 0; j < 4 && x0 + j < p.out_w; ++j) {
          int64_t at = (y0 + i) * p.out_w + x0 + j;
          float v = out[(i * 4 + j) * L + l] + b;
          if (rc) v += rc[at];
          yc[at] = min_of(max_of(v, lo), hi);
        }
    }
  }
}

}  // namespace
}  // namespace kite
