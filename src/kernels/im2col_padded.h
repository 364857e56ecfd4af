// im2col without the matrix, for the int8 and fp32 convolutions: the input is copied once into
// planes that hold the padding too (and, for a stride s > 1, split into s x s phases: phase (py,
// px) holds the padded input's rows py, py + s, .. and columns px, px + s, ..). Then every row of
// the im2col matrix, one tap (c, ky, kx), is the planes read from an offset on: output (oy, ox) of
// the tap is element (oy + ky * DH / s, ox + kx * DW / s) of phase (ky * DH % s, kx * DW % s) of
// channel c, so that along a row of output pixels a tap reads consecutive values at the planes'
// pitch.
//
// The int8 product (gemm_q8_rows) reads its B rows there in place, over out_h * pitch columns:
// "pitched pixels", column j being output (j / pitch, j % pitch), of which the pitch - out_w
// columns past out_w in each row are computed and discarded (compact_pitched_columns). For the
// int8 product's 32-column tiles that costs no more tiles on 14x14 and 7x7 maps (196 and 49
// columns already take 224 and 64; 14 x 16 = 224, 7 x 9 = 63), 4% to 7% more columns on 56x56
// and 28x28 ones, and saves the matrix of kernel_h * kernel_w times the input's values (with
// it, im2col was 9% of ResNet-50's int8 time). The fp32 one (gemm_rows, or pack_b_rows for B
// shared by threads, with BColumnRows) packs its B blocks from them pixel by pixel, skipping the
// columns past out_w: no im2col matrix, and no column computed for nothing.
//
// A template over the element type, compiled for the baseline ISA (a fixed-size memcpy is a few
// vector moves there).
#pragma once
#include <algorithm>
#include <cstdint>
#include <cstring>

#include "kernels/im2col.h"

namespace kite {

// The padded planes' shape: per channel, phases_h x phases_w phase planes of padded_rows rows of
// pitch values, phase (py, px)'s first row holding input row py - pad_top (then every stride_h-th
// row) from input column px - pad_left on (then every stride_w-th column). Only the phases that
// some tap reads are kept: min(stride, extent of the dilated kernel) of each (a 1x1 stride-2
// convolution reads phase (0, 0) alone).
struct PaddedPlanes {
  int64_t pitch = 0;        // out_w + (kernel_w - 1) * dilation_w / stride_w
  int64_t padded_rows = 0;  // out_h + (kernel_h - 1) * dilation_h / stride_h
  int64_t phases_h = 1, phases_w = 1;
  int64_t plane() const { return pitch * padded_rows; }
  int64_t planes_per_channel() const { return phases_h * phases_w; }
};

// Values past the last plane that a tap's row of pitched columns may read (the int8 product's;
// the fp32 one reads the pixels alone, inside the planes), and that the copies in 64-byte pieces
// may read past their source.
constexpr int64_t kPaddedSpillBytes = 64;

inline PaddedPlanes padded_planes(const Im2colParams& p) {
  const int64_t extent_h = (p.kernel_h - 1) * p.dilation_h, extent_w = (p.kernel_w - 1) * p.dilation_w;
  return {p.out_w + extent_w / p.stride_w, p.out_h + extent_h / p.stride_h, std::min(p.stride_h, extent_h + 1),
          std::min(p.stride_w, extent_w + 1)};
}

inline int64_t pitched_columns(const Im2colParams& p) { return p.out_h * padded_planes(p).pitch; }

// Whether the int8 product can read the planes in place: a tap's row of pitched columns reads up to
// (kernel_w - 1) * dilation_w / stride_w values past the last plane, which the spill must cover.
template <typename T>
bool pitched_taps_fit(const Im2colParams& p) {
  return (p.kernel_w - 1) * p.dilation_w / p.stride_w * static_cast<int64_t>(sizeof(T)) <= kPaddedSpillBytes;
}

// The first output pixel at or after pitched column j (oy * out_w + ox for j = oy * pitch + ox,
// the next row's first past out_w): where a range of pitched columns starts or ends in pixels.
inline int64_t pitched_pixel(const Im2colParams& p, int64_t j) {
  const int64_t pitch = padded_planes(p).pitch;
  return j / pitch * p.out_w + std::min(j % pitch, p.out_w);
}

// The values the padded planes take: all channels' planes and the spill, in T.
template <typename T>
int64_t padded_values(const Im2colParams& p) {
  const PaddedPlanes pp = padded_planes(p);
  return p.channels * pp.planes_per_channel() * pp.plane() + kPaddedSpillBytes / static_cast<int64_t>(sizeof(T));
}

// rows() offsets into the planes, in im2col's row order (channel, then ky, then kx).
inline void pitched_tap_offsets(const Im2colParams& p, int64_t* tap_offsets) {
  const PaddedPlanes pp = padded_planes(p);
  for (int64_t c = 0; c < p.channels; ++c)
    for (int64_t ky = 0; ky < p.kernel_h; ++ky)
      for (int64_t kx = 0; kx < p.kernel_w; ++kx) {
        const int64_t y = ky * p.dilation_h, x = kx * p.dilation_w;
        const int64_t phase = (c * pp.phases_h + y % p.stride_h) * pp.phases_w + x % p.stride_w;
        *tap_offsets++ = phase * pp.plane() + y / p.stride_h * pp.pitch + x / p.stride_w;
      }
}

// dst[j] = src[2 * j] for j < n: a loop the compiler vectorizes (a stride it cannot see is a
// scalar loop, which took 4% of int8 ResNet-50).
template <typename T>
inline void copy_every_second(const T* __restrict src, int64_t n, T* __restrict dst) {
  for (int64_t j = 0; j < n; ++j) dst[j] = src[2 * j];
}

// Channels [c_begin, c_end) of the input into their padded planes, the padding set to `pad` (0,
// or the input's zero point). Threads may split the channels; the spill past the last plane is
// set by the call that holds the last channel.
template <typename T>
void pad_input_planes(const Im2colParams& p, const T* input, T pad, int64_t c_begin, int64_t c_end, T* padded) {
  const PaddedPlanes pp = padded_planes(p);
  const int64_t stride_w = p.stride_w;
  for (int64_t c = c_begin; c < c_end; ++c) {
    const T* x = input + c * p.in_h * p.in_w;
    for (int64_t py = 0; py < pp.phases_h; ++py)
      for (int64_t px = 0; px < pp.phases_w; ++px) {
        T* plane = padded + ((c * pp.phases_h + py) * pp.phases_w + px) * pp.plane();
        // Plane column j reads input column j * stride_w + px - pad_left: those inside the input
        // are [first, last).
        const int64_t shift = px - p.pad_left;
        const int64_t first = std::clamp<int64_t>((-shift + p.stride_w - 1) / p.stride_w, 0, pp.pitch);
        const int64_t last =
            std::clamp<int64_t>(p.in_w - shift <= 0 ? 0 : (p.in_w - shift + p.stride_w - 1) / p.stride_w, first, pp.pitch);
        for (int64_t r = 0; r < pp.padded_rows; ++r) {
          T* row = plane + r * pp.pitch;
          const int64_t iy = r * p.stride_h + py - p.pad_top;
          if (iy < 0 || iy >= p.in_h || first == last) {
            std::fill(row, row + pp.pitch, pad);
            continue;
          }
          std::fill(row, row + first, pad);
          const T* src = x + iy * p.in_w + first * p.stride_w + shift;
          if (stride_w == 1) std::memcpy(row + first, src, static_cast<size_t>(last - first) * sizeof(T));
          else if (stride_w == 2) copy_every_second(src, last - first, row + first);
          else for (int64_t j = first; j < last; ++j) row[j] = src[(j - first) * stride_w];
          std::fill(row + last, row + pp.pitch, pad);
        }
      }
  }
  if (c_end == p.channels) std::fill(padded + padded_values<T>(p) - kPaddedSpillBytes / static_cast<int64_t>(sizeof(T)),
                                     padded + padded_values<T>(p), pad);
}

// n values from src to dst in 64-byte pieces; up to 64 bytes past dst + n and src + n are touched.
template <typename T>
inline void copy_run_spilling(const T* src, int64_t n, T* dst) {
  constexpr int64_t kPiece = kPaddedSpillBytes / static_cast<int64_t>(sizeof(T));
  for (int64_t i = 0; i < n; i += kPiece) std::memcpy(dst + i, src + i, kPaddedSpillBytes);
}

// Rows [0, rows) of pitched columns [col_begin, col_end), at src[r * src_stride + (j - col_begin)],
// to their output pixels, dst[r * dst_stride + pixel]. A row's pixels in the range are consecutive
// in dst, so each output row's run is copied in 64-byte pieces that spill into the runs after it
// where those cover the spill, and exactly where not: nothing past the range's last pixel is
// written (another thread may own it). src needs kPaddedSpillBytes to spare past its last row.
template <typename T>
void compact_pitched_columns(const Im2colParams& p, const T* src, int64_t src_stride, int64_t rows, int64_t col_begin,
                             int64_t col_end, T* dst, int64_t dst_stride) {
  if (col_begin >= col_end) return;
  constexpr int64_t kPiece = kPaddedSpillBytes / static_cast<int64_t>(sizeof(T));
  const int64_t pitch = padded_planes(p).pitch;
  const int64_t first_oy = col_begin / pitch, last_oy = (col_end - 1) / pitch;
  const int64_t end_pixel = pitched_pixel(p, col_end);
  for (int64_t r = 0; r < rows; ++r) {
    const T* s = src + r * src_stride;
    T* d = dst + r * dst_stride;
    for (int64_t oy = first_oy; oy <= last_oy; ++oy) {
      const int64_t j0 = std::max(col_begin, oy * pitch), j1 = std::min(col_end, oy * pitch + p.out_w);
      if (j0 >= j1) continue;
      const int64_t pixel = oy * p.out_w + (j0 - oy * pitch), n = j1 - j0;
      if (pixel + (n + kPiece - 1) / kPiece * kPiece <= end_pixel) copy_run_spilling(s + (j0 - col_begin), n, d + pixel);
      else std::memcpy(d + pixel, s + (j0 - col_begin), static_cast<size_t>(n) * sizeof(T));
    }
  }
}

}  // namespace kite
