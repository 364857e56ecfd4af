// Shared by the flat stride-1 max-pooling kernels (uint8: kernels/generic/u8_maxpool_stride1.cpp,
// fp32: kernels/f32_max_pool_stride1.cpp): they run each window tap as one pass over a whole
// plane, and a tap `d` columns away counts only where the position's row has that much room on
// its side. Internal linkage (static), so each kernel file keeps its own copy.
#pragma once
#include <algorithm>
#include <cstdint>

namespace kite {

// Windows up to this size on a side take the flat path; rooms are clamped to it, so a byte holds
// them.
constexpr int64_t kStride1MaxWindow = 64;
static_assert(kStride1MaxWindow <= 255, "a room, clamped to the widest window, is one byte");

// For rows x width positions: left[i] = min(column, kStride1MaxWindow), right[i] = min(width - 1 -
// column, kStride1MaxWindow). Row by row, so that there is no division per element.
static inline void fill_row_rooms(int64_t rows, int64_t width, uint8_t* left, uint8_t* right) {
  for (int64_t row = 0; row < rows; ++row)
    for (int64_t u = 0; u < width; ++u) {
      left[row * width + u] = static_cast<uint8_t>(std::min(u, kStride1MaxWindow));
      right[row * width + u] = static_cast<uint8_t>(std::min(width - 1 - u, kStride1MaxWindow));
    }
}

}  // namespace kite
