// Shared by the flat stride-1 pooling kernels (uint8: kernels/generic/u8_maxpool_stride1.cpp,
// fp32: kernels/f32_pool_stride1.cpp): they run each window tap as one pass over a whole
// plane, and a tap `d` columns away counts only where the position's row has that much room on
// its side. Internal linkage (static), so each kernel file keeps its own copy.
#pragma once
#include <algorithm>
#include <cstdint>
#include <cstring>

namespace kite {

// Windows up to this size on a side take the flat path; rooms are clamped to it, so a byte holds
// them.
constexpr int64_t kStride1MaxWindow = 64;
static_assert(kStride1MaxWindow <= 255, "a room, clamped to the widest window, is one byte");

// data[period .. total) repeats data[0 .. period): copies that double what is done, so that a
// pattern of a few bytes fills a block in a few memcpy calls, not a loop per byte.
static inline void repeat_pattern(uint8_t* data, int64_t period, int64_t total) {
  for (int64_t done = std::min(period, total); done < total; done *= 2)
    std::memcpy(data + done, data, static_cast<size_t>(std::min(done, total - done)));
}

// For rows x width positions: left[i] = min(column, kStride1MaxWindow), right[i] = min(width - 1 -
// column, kStride1MaxWindow). The first row, then repeated.
static inline void fill_row_rooms(int64_t rows, int64_t width, uint8_t* left, uint8_t* right) {
  if (rows <= 0) return;
  for (int64_t u = 0; u < width; ++u) {
    left[u] = static_cast<uint8_t>(std::min(u, kStride1MaxWindow));
    right[u] = static_cast<uint8_t>(std::min(width - 1 - u, kStride1MaxWindow));
  }
  repeat_pattern(left, width, rows * width);
  repeat_pattern(right, width, rows * width);
}

// For planes of rows x width, over `positions` positions (whole planes): top[i] = min(row,
// kStride1MaxWindow), bottom[i] = min(rows - 1 - row, kStride1MaxWindow), row being the
// position's row in its plane. One plane row by row, then repeated.
static inline void fill_plane_rooms(int64_t rows, int64_t width, int64_t positions, uint8_t* top, uint8_t* bottom) {
  for (int64_t r = 0; r < rows; ++r) {
    std::fill(top + r * width, top + (r + 1) * width, static_cast<uint8_t>(std::min(r, kStride1MaxWindow)));
    std::fill(bottom + r * width, bottom + (r + 1) * width,
              static_cast<uint8_t>(std::min(rows - 1 - r, kStride1MaxWindow)));
  }
  repeat_pattern(top, rows * width, positions);
  repeat_pattern(bottom, rows * width, positions);
}

}  // namespace kite
