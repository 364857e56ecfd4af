// Flat stride-1 fp32 pooling (kernels/f32_pool_stride1.h), a chunk of planes at a time.
// Horizontal: H[i] = the window's combine of x[i + d] over its columns d in [-pad_left, kernel_w -
// 1 - pad_left], all taps in increasing d in one pass over the chunk (pool_taps_f32), a tap
// counting as nothing (-inf for the maximum, +0 for the sum) where it would cross its row's end
// (each position's room to the row's ends against the tap's distance); the few positions at the
// chunk's two ends, where a tap would read outside it, go one by one. Vertical: each output row
// combines the H rows of its window inside the input, in increasing ky: where the output has as
// many rows as the input, one pass over the chunk likewise, with each position's room to its
// plane's top and bottom rows; otherwise plane by plane, the rows whose window lies inside the
// input in one pass and the others a window row at a time.
// The maximum keeps the value it has unless the new one is strictly greater, so the first maximum
// in row-major order wins, as in the reference.
#include "kernels/f32_pool_stride1.h"

#include <algorithm>
#include <limits>

#include "kernels/stride1_row_rooms.h"

namespace kite {
namespace {

// A chunk's input, row results and output (16 KiB each) stay in the L2 cache, most of them in
// L1, between the passes; 8x8 maps go 64 planes at a time.
constexpr int64_t kChunkFloats = 4096;

bool same_rows(const Stride1Window& w) { return w.out_h == w.in_h; }

void build_rooms(const Stride1Window& w, Stride1Scratch& s) {
  if (s.width == w.width && s.in_h == w.in_h) return;
  const int64_t positions = f32_pool_stride1_chunk_planes(w) * w.in_h * w.width;
  for (auto* room : {&s.room_left, &s.room_right, &s.room_top, &s.room_bottom})
    room->resize(static_cast<size_t>(positions));
  fill_row_rooms(positions / w.width, w.width, s.room_left.data(), s.room_right.data());
  fill_plane_rooms(w.in_h, w.width, positions, s.room_top.data(), s.room_bottom.data());
  s.width = w.width;
  s.in_h = w.in_h;
}

// One pass over positions [0, n) of src (as pool_taps_f32, taps d in [-before, after] `step`
// apart): the middle in one call, the ends, where a tap would read outside [0, n), one by one.
void taps_pass(PoolCombine op, float* h, const float* src, int64_t step, const uint8_t* room_before,
               const uint8_t* room_after, int64_t before, int64_t after, int64_t n) {
  const int64_t flat_begin = std::min(before * step, n), flat_end = std::max(n - after * step, flat_begin);
  pool_taps_f32(op, h + flat_begin, src + flat_begin, step, room_before + flat_begin, room_after + flat_begin, before,
                after, flat_end - flat_begin);
  auto one = [&](int64_t i) {  // the taps within the position's rooms, in order
    const bool sum = op == PoolCombine::kSum;
    float v = sum ? 0.f : -std::numeric_limits<float>::infinity();
    for (int64_t d = -std::min<int64_t>(before, room_before[i]); d <= std::min<int64_t>(after, room_after[i]); ++d) {
      const float t = src[i + d * step];
      v = sum ? v + t : (t > v ? t : v);
    }
    h[i] = v;
  };
  for (int64_t i = 0; i < flat_begin; ++i) one(i);
  for (int64_t i = flat_end; i < n; ++i) one(i);
}

// The vertical pass of one plane whose output rows are not its input's: h [in_h][width] -> y
// [out_h][width].
void vertical_plane(PoolCombine op, const Stride1Window& w, const float* h, float* y) {
  const float nothing = op == PoolCombine::kSum ? 0.f : -std::numeric_limits<float>::infinity();
  const int64_t width = w.width;
  // Output rows [inner_begin, inner_end) have all their window's rows inside the input: one pass
  // over all of them (pool_window_f32: the first row, then the others combined in order, the same
  // bits as from nothing, as H holds no -0 sum). The rows above and below take one pass per row
  // of the window, over the outputs that row reaches.
  const int64_t inner_begin = std::min(w.out_h, w.pad_top);
  const int64_t inner_end = std::max(inner_begin, std::min(w.out_h, w.in_h - w.kernel_h + 1 + w.pad_top));
  if (inner_end > inner_begin)
    pool_window_f32(op, y + inner_begin * width, h + (inner_begin - w.pad_top) * width, 1, w.kernel_h, width,
                    (inner_end - inner_begin) * width);
  auto border_rows = [&](int64_t row_begin, int64_t row_end) {
    if (row_end <= row_begin) return;
    std::fill(y + row_begin * width, y + row_end * width, nothing);
    for (int64_t ky = 0; ky < w.kernel_h; ++ky) {
      const int64_t shift = ky - w.pad_top;  // output row oy reads H row oy + shift
      const int64_t oy_begin = std::max({row_begin, -shift}), oy_end = std::min(row_end, w.in_h - shift);
      if (oy_end > oy_begin)
        pool_combine_f32(op, y + oy_begin * width, h + (oy_begin + shift) * width, 1, (oy_end - oy_begin) * width);
    }
  };
  border_rows(0, inner_begin);
  border_rows(inner_end, w.out_h);
}

}  // namespace

int64_t f32_pool_stride1_chunk_planes(const Stride1Window& w) {
  return std::max<int64_t>(1, kChunkFloats / (w.in_h * w.width));
}

bool f32_pool_stride1_applies(const Stride1Window& w) {
  return w.pad_left < w.kernel_w && w.kernel_w <= kStride1MaxWindow && w.kernel_h <= kStride1MaxWindow && w.width > 0 &&
         w.in_h > 0 && w.out_h > 0;
}

void f32_pool_stride1(PoolCombine op, const Stride1Window& w, int64_t planes, const float* x, float* y,
                      Stride1Scratch& scratch) {
  build_rooms(w, scratch);
  const int64_t width = w.width, in_plane = w.in_h * width, out_plane = w.out_h * width;
  const int64_t chunk = f32_pool_stride1_chunk_planes(w);
  scratch.row_results.resize(static_cast<size_t>(chunk * in_plane));
  float* h = scratch.row_results.data();
  for (int64_t p0 = 0; p0 < planes; p0 += chunk) {
    const int64_t count = std::min(chunk, planes - p0), n = count * in_plane;
    const float* xc = x + p0 * in_plane;
    float* yc = y + p0 * out_plane;
    taps_pass(op, h, xc, 1, scratch.room_left.data(), scratch.room_right.data(), w.pad_left,
              w.kernel_w - 1 - w.pad_left, n);
    if (same_rows(w)) {  // pad_top + pad_bottom = kernel_h - 1
      taps_pass(op, yc, h, width, scratch.room_top.data(), scratch.room_bottom.data(), w.pad_top,
                w.kernel_h - 1 - w.pad_top, n);
    } else {
      for (int64_t p = 0; p < count; ++p) vertical_plane(op, w, h + p * in_plane, yc + p * out_plane);
    }
  }
}

}  // namespace kite
