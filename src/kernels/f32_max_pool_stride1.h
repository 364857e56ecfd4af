// fp32 max pooling of stride 1 with output rows as wide as the input's (GoogLeNet's 3x3 pooling
// branches, YOLO's SPP): passes over whole planes instead of row by row, as the uint8 kernel does
// (kernels/generic/u8_maxpool_stride1.cpp). For planes without a NaN only: the caller checks, and
// sends a plane with one to the row-by-row kernel, whose NaN rule (a NaN wins only as its window's
// first element) this one does not implement. Without NaNs both give the same bits: each window's
// maximum, the first in row-major order among equal ones (-0 before +0 keeps -0), -inf for a
// window of padding alone.
#pragma once
#include <cstdint>
#include <vector>

namespace kite {

struct Stride1Window {
  int64_t in_h = 0, width = 0;  // the input's rows and columns; the output has as many columns
  int64_t out_h = 0;
  int64_t kernel_h = 1, kernel_w = 1;
  int64_t pad_top = 0, pad_left = 0;
};

// Stride 1 both ways, out_w == in_w with pad_left < kernel_w, windows up to 64 on a side.
bool f32_max_pool_stride1_applies(const Stride1Window& w);

// What the passes need besides the planes: the row maxima, and each position's room to its row's
// ends (which depends only on the plane's shape, so it is built once per shape and kept).
struct Stride1Scratch {
  std::vector<float> row_maxima;
  std::vector<uint8_t> room_left, room_right;
  int64_t width = -1, plane = -1;  // the shape the rooms were built for
};

// One plane: x [in_h][width] -> y [out_h][width].
void f32_max_pool_stride1(const Stride1Window& w, const float* x, float* y, Stride1Scratch& scratch);

}  // namespace kite
