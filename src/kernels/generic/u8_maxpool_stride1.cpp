// uint8 max pooling of stride 1 with output rows as wide as the input's (GoogLeNet's 3x3 pooling
// branches, YOLO's SPP 5x5 / 9x9 / 13x13): each pass runs over a whole plane as one flat array,
// not row by row, so the loops stay long on the small planes (28x28, 14x14, 7x7) these layers
// have, where a row-by-row kernel spends its time on row ends.
//
// Separable. Horizontal: H[i] = max over the window's columns of x[i + d], d in [-pad_left,
// kernel_w - 1 - pad_left], computed for the whole plane at once, one pass per tap. A tap that
// would cross a row end reads a neighbouring row's byte; it counts as 0 there (each position's
// room to the row's left and right end, computed once per call, against the tap's distance),
// which changes no maximum. Only the few positions at
// the plane's two ends, where a tap would read outside the plane, are done one by one. Vertical:
// each output row is the maximum of the H rows inside the input, and a tap's rows form one
// contiguous range of the plane, so it too is one flat pass per tap. Starting from 0, the lowest
// uint8 value, changes no maximum and gives 0 to a window of padding alone, as the contract says.
//
// Plain loops over consecutive bytes, which the compiler vectorizes for the baseline ISA (SSE2 on
// x86-64, NEON on AArch64); the AVX2 kernel passes its own versions of the two inner loops
// (U8MaxLoops), twice as wide.
#include <algorithm>
#include <vector>

#include "kernels/q8_pool_kernels.h"
#include "kernels/stride1_row_rooms.h"

namespace kite {
namespace {


// dst[i] = max(dst[i], src[i]) for i in [0, n).
void max_into(uint8_t* __restrict dst, const uint8_t* __restrict src, int64_t n) {
  for (int64_t i = 0; i < n; ++i) dst[i] = std::max(dst[i], src[i]);
}

// dst[i] = max(dst[i], src[i]) where room[i] >= reach, for i in [0, n): a tap `reach` columns
// away is inside the row only where the row has that much room on its side.
void max_into_where(uint8_t* __restrict dst, const uint8_t* __restrict src, const uint8_t* __restrict room,
                    uint8_t reach, int64_t n) {
  for (int64_t i = 0; i < n; ++i) {
    // A mask, not a conditional read: src[i] is always inside the plane, and a load that the
    // condition guarded would keep the loop scalar.
    const uint8_t keep = static_cast<uint8_t>(-static_cast<int>(room[i] >= reach));
    dst[i] = std::max(dst[i], static_cast<uint8_t>(src[i] & keep));
  }
}

}  // namespace

bool u8_maxpool_stride1_applies(const Q8PoolParams& p) {
  return p.stride_h == 1 && p.stride_w == 1 && p.out_w == p.in_w && p.pad_left < p.kernel_w &&
         p.kernel_w <= kStride1MaxWindow && p.kernel_h <= kStride1MaxWindow;
}

void u8_maxpool_stride1(const Q8PoolParams& p, const uint8_t* x, uint8_t* y, int64_t c_begin, int64_t c_end,
                        const U8MaxLoops* loops) {
  const U8MaxLoops portable{max_into, max_into_where};
  if (!loops) loops = &portable;
  const int64_t in_h = p.in_h, width = p.in_w, out_h = p.out_h;
  const int64_t left = p.pad_left, right = p.kernel_w - 1 - p.pad_left;  // taps d in [-left, right]
  const int64_t in_plane = in_h * width, out_plane = out_h * width;
  // The row maxima H; then, per position, the columns its row has to the left and to the right
  // (kernels/stride1_row_rooms.h), against which each tap's distance is compared.
  std::vector<uint8_t> scratch(static_cast<size_t>(3 * in_plane));
  uint8_t* h = scratch.data();
  uint8_t* room_left = h + in_plane;
  uint8_t* room_right = room_left + in_plane;
  fill_row_rooms(in_h, width, room_left, room_right);
  // Positions [flat_begin, flat_end) read only inside the plane.
  const int64_t flat_begin = std::min(left, in_plane), flat_end = std::max(in_plane - right, flat_begin);
  for (int64_t c = c_begin; c < c_end; ++c) {
    const uint8_t* xc = x + c * in_plane;
    uint8_t* yc = y + c * out_plane;
    std::copy(xc, xc + in_plane, h);  // tap 0, inside the row for every column
    for (int64_t d = -left; d <= right && flat_end > flat_begin; ++d) {
      if (d == 0) continue;
      const uint8_t* room = (d < 0 ? room_left : room_right) + flat_begin;
      loops->max_into_where(h + flat_begin, xc + flat_begin + d, room, static_cast<uint8_t>(d < 0 ? -d : d),
                            flat_end - flat_begin);
    }
    auto clipped = [&](int64_t i) {  // one position, its window clipped to its row
      const int64_t row_start = i - i % width;
      for (int64_t ix = std::max(i - left, row_start); ix <= std::min(i + right, row_start + width - 1); ++ix)
        h[i] = std::max(h[i], xc[ix]);
    };
    for (int64_t i = 0; i < flat_begin; ++i) clipped(i);
    for (int64_t i = flat_end; i < in_plane; ++i) clipped(i);
    // Vertical: output row oy takes H rows oy + ky - pad_top inside the input.
    std::fill(yc, yc + out_plane, uint8_t{0});
    for (int64_t ky = 0; ky < p.kernel_h; ++ky) {
      const int64_t shift = ky - p.pad_top;  // output row oy reads H row oy + shift
      const int64_t oy_begin = std::max<int64_t>(0, -shift), oy_end = std::min(out_h, in_h - shift);
      if (oy_end > oy_begin)
        loops->max_into(yc + oy_begin * width, h + (oy_begin + shift) * width, (oy_end - oy_begin) * width);
    }
  }
}

}  // namespace kite
