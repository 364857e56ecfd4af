// Flat stride-1 fp32 max pooling (kernels/f32_max_pool_stride1.h). Horizontal: H[i] = the maximum
// of x[i + d] over the window's columns d in [-pad_left, kernel_w - 1 - pad_left], one pass per
// tap in increasing d over the whole plane, a tap counting as -inf where it would cross its row's
// end (each position's room to the row's ends against the tap's distance); the few positions at
// the plane's two ends, where a tap would read outside the plane, go one by one. Vertical: each
// output row is the maximum of the H rows inside the input, in increasing ky (pool_combine_f32;
// the planes hold no NaN, so kMaxNoNan).
// Every comparison keeps the value it has unless the new one is strictly greater, so the first
// maximum in row-major order wins, as in the reference.
#include "kernels/f32_max_pool_stride1.h"

#include <algorithm>
#include <limits>

#include "kernels/pool_combine.h"
#include "kernels/stride1_row_rooms.h"

namespace kite {
namespace {

constexpr float kLowest = -std::numeric_limits<float>::infinity();

}  // namespace

bool f32_max_pool_stride1_applies(const Stride1Window& w) {
  return w.pad_left < w.kernel_w && w.kernel_w <= kStride1MaxWindow && w.kernel_h <= kStride1MaxWindow && w.width > 0 &&
         w.in_h > 0 && w.out_h > 0;
}

void f32_max_pool_stride1(const Stride1Window& w, const float* x, float* y, Stride1Scratch& scratch) {
  const int64_t width = w.width, in_plane = w.in_h * width, out_plane = w.out_h * width;
  const int64_t left = w.pad_left, right = w.kernel_w - 1 - w.pad_left;  // taps d in [-left, right]
  if (scratch.width != width || scratch.plane != in_plane) {
    scratch.room_left.resize(static_cast<size_t>(in_plane));
    scratch.room_right.resize(static_cast<size_t>(in_plane));
    fill_row_rooms(w.in_h, width, scratch.room_left.data(), scratch.room_right.data());
    scratch.width = width;
    scratch.plane = in_plane;
  }
  scratch.row_maxima.resize(static_cast<size_t>(in_plane));
  float* h = scratch.row_maxima.data();
  const uint8_t* room_left = scratch.room_left.data();
  const uint8_t* room_right = scratch.room_right.data();
  std::fill(h, h + in_plane, kLowest);
  // Positions [flat_begin, flat_end) read only inside the plane.
  const int64_t flat_begin = std::min(left, in_plane), flat_end = std::max(in_plane - right, flat_begin);
  for (int64_t d = -left; d <= right && flat_end > flat_begin; ++d) {
    const uint8_t* room = (d < 0 ? room_left : room_right) + flat_begin;
    max_tap_f32(h + flat_begin, x + flat_begin + d, room, static_cast<uint8_t>(d < 0 ? -d : d), flat_end - flat_begin);
  }
  auto clipped = [&](int64_t i) {  // one position, its window clipped to its row, taps in order
    const int64_t row_start = i - i % width;
    float best = kLowest;
    for (int64_t ix = std::max(i - left, row_start); ix <= std::min(i + right, row_start + width - 1); ++ix)
      best = x[ix] > best ? x[ix] : best;
    h[i] = best;
  };
  for (int64_t i = 0; i < flat_begin; ++i) clipped(i);
  for (int64_t i = flat_end; i < in_plane; ++i) clipped(i);
  std::fill(y, y + out_plane, kLowest);
  for (int64_t ky = 0; ky < w.kernel_h; ++ky) {
    const int64_t shift = ky - w.pad_top;  // output row oy reads H row oy + shift
    const int64_t oy_begin = std::max<int64_t>(0, -shift), oy_end = std::min(w.out_h, w.in_h - shift);
    if (oy_end > oy_begin)
      pool_combine_f32(PoolCombine::kMaxNoNan, y + oy_begin * width, h + (oy_begin + shift) * width, 1,
                       (oy_end - oy_begin) * width);
  }
}

}  // namespace kite
