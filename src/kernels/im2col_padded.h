// im2col for stride-1 convolutions from a padded copy of the input: the input is copied once into
// planes that hold the padding too, after which every run of an im2col row (one output row's
// pixels for one tap) is a plain copy of consecutive values, with no bounds to test. The runs are
// copied in whole 64-byte pieces that may spill past the run's end: into the next run or the next
// matrix row, which are written after it, so the spill never survives. That makes a run of a 14-
// or 56-pixel output row one or two vector moves instead of a memcpy call and the padding's
// arithmetic (im2col_u8 took 12% of ResNet-50's int8 time, 17% of GoogLeNet's, that way).
//
// A template over the element type, compiled for the baseline ISA (a fixed-size memcpy is a few
// vector moves there). The int8 convolutions use it; fp32 ones measured no faster with it (runs of
// floats are four times as long, so the memcpy calls weigh less, and the copy costs a pass), and
// keep im2col_f32.
#pragma once
#include <algorithm>
#include <cstdint>
#include <cstring>

#include "kernels/im2col.h"

namespace kite {

// The padded planes' shape: per channel, padded_rows rows of pitch values, the first holding
// input row -pad_top and each starting at input column -pad_left. Only stride 1 has them.
struct PaddedPlanes {
  int64_t pitch = 0;        // out_w + (kernel_w - 1) * dilation_w
  int64_t padded_rows = 0;  // out_h + (kernel_h - 1) * dilation_h
  int64_t plane() const { return pitch * padded_rows; }
};

// Values past the last plane that a run's 64-byte pieces may read, and past the last element an
// im2col_from_padded call writes.
constexpr int64_t kPaddedSpillBytes = 64;

inline bool im2col_takes_padded(const Im2colParams& p) { return p.stride_h == 1 && p.stride_w == 1; }

inline PaddedPlanes padded_planes(const Im2colParams& p) {
  return {p.out_w + (p.kernel_w - 1) * p.dilation_w, p.out_h + (p.kernel_h - 1) * p.dilation_h};
}

// The values the padded planes take: channels * plane() and the spill, in T.
template <typename T>
int64_t padded_values(const Im2colParams& p) {
  return p.channels * padded_planes(p).plane() + kPaddedSpillBytes / static_cast<int64_t>(sizeof(T));
}

// Channels [c_begin, c_end) of the input into their padded planes, the padding set to `pad` (0,
// or the input's zero point). Threads may split the channels; the spill past the last plane is
// set by the call that holds the last channel.
template <typename T>
void pad_input_planes(const Im2colParams& p, const T* input, T pad, int64_t c_begin, int64_t c_end, T* padded) {
  const PaddedPlanes pp = padded_planes(p);
  const int64_t cols = std::clamp<int64_t>(std::min(p.in_w, pp.pitch - p.pad_left), 0, p.in_w);
  for (int64_t c = c_begin; c < c_end; ++c) {
    T* plane = padded + c * pp.plane();
    const T* x = input + c * p.in_h * p.in_w;
    for (int64_t r = 0; r < pp.padded_rows; ++r) {
      T* row = plane + r * pp.pitch;
      const int64_t iy = r - p.pad_top;
      if (iy < 0 || iy >= p.in_h || cols == 0) {
        std::fill(row, row + pp.pitch, pad);
        continue;
      }
      const int64_t left = std::min(p.pad_left, pp.pitch);
      std::fill(row, row + left, pad);
      std::memcpy(row + left, x + iy * p.in_w, static_cast<size_t>(cols) * sizeof(T));
      std::fill(row + left + cols, row + pp.pitch, pad);
    }
  }
  if (c_end == p.channels) std::fill(padded + p.channels * pp.plane(), padded + padded_values<T>(p), pad);
}

// n values from src to dst in 64-byte pieces; up to 64 bytes past dst + n and src + n are touched.
template <typename T>
inline void copy_run_spilling(const T* src, int64_t n, T* dst) {
  constexpr int64_t kPiece = kPaddedSpillBytes / static_cast<int64_t>(sizeof(T));
  for (int64_t i = 0; i < n; i += kPiece) std::memcpy(dst + i, src + i, kPaddedSpillBytes);
}

// im2col_f32's / im2col_u8's matrix columns [col_begin, col_end) from the padded planes, element
// (r, j) to columns[r * row_stride + (j - col_begin)], for a stride-1 convolution. `columns` must
// be the caller's own buffer, row_stride >= col_end - col_begin, with kPaddedSpillBytes to spare
// past the last row's last element: the pieces spill past each run into what is written after it.
template <typename T>
void im2col_from_padded(const Im2colParams& p, const T* padded, int64_t col_begin, int64_t col_end, T* columns,
                        int64_t row_stride) {
  if (col_begin >= col_end) return;
  const PaddedPlanes pp = padded_planes(p);
  const int64_t first_oy = col_begin / p.out_w, last_oy = (col_end - 1) / p.out_w;
  T* dst_row = columns;
  for (int64_t c = 0; c < p.channels; ++c) {
    const T* plane = padded + c * pp.plane();
    for (int64_t ky = 0; ky < p.kernel_h; ++ky) {
      for (int64_t kx = 0; kx < p.kernel_w; ++kx, dst_row += row_stride) {
        // Output (oy, ox) of this tap reads padded (oy + ky * DH, ox + kx * DW).
        const T* tap = plane + ky * p.dilation_h * pp.pitch + kx * p.dilation_w;
        T* dst = dst_row;
        for (int64_t oy = first_oy; oy <= last_oy; ++oy) {
          const int64_t ox_begin = oy == first_oy ? col_begin - oy * p.out_w : 0;
          const int64_t ox_end = oy == last_oy ? col_end - oy * p.out_w : p.out_w;
          copy_run_spilling(tap + oy * pp.pitch + ox_begin, ox_end - ox_begin, dst);
          dst += ox_end - ox_begin;
        }
      }
    }
  }
}

}  // namespace kite
