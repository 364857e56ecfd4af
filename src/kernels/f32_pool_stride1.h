// fp32 pooling of stride 1 with output rows as wide as the input's (GoogLeNet's 3x3 max pooling
// branches, Inception v3's 3x3 average pooling branches, YOLO's SPP): passes over whole planes
// instead of row by row, as the uint8 kernel does (kernels/generic/u8_maxpool_stride1.cpp), and
// where the output has as many rows as the input, over several planes at once. On small maps
// (Inception v3's 17x17 and 8x8) the row-by-row kernel's two calls per row cost more than the
// arithmetic.
//
// The maximum (PoolCombine::kMaxNoNan) is for planes without a NaN only: the caller checks, and
// sends a plane with one to the row-by-row kernel, whose NaN rule (a NaN wins only as its window's
// first element) this one does not implement. Without NaNs both give the same bits: each window's
// maximum, the first in row-major order among equal ones (-0 before +0 keeps -0), -inf for a
// window of padding alone.
// The sum (PoolCombine::kSum) takes any plane: each window's sum of the inputs inside it, by rows
// (each row's taps left to right from +0, then the rows top to bottom from +0), 0 for a window of
// padding alone; the average's division is the caller's.
#pragma once
#include <cstdint>
#include <vector>

#include "kernels/pool_combine.h"

namespace kite {

struct Stride1Window {
  int64_t in_h = 0, width = 0;  // the input's rows and columns; the output has as many columns
  int64_t out_h = 0;
  int64_t kernel_h = 1, kernel_w = 1;
  int64_t pad_top = 0, pad_left = 0;
};

// Stride 1 both ways, out_w == in_w with pad_left < kernel_w, windows up to 64 on a side.
bool f32_pool_stride1_applies(const Stride1Window& w);

// What the passes need besides the planes: the row results, and each position's room to its row's
// ends and to its plane's top and bottom rows (which depend only on the planes' shape, so they
// are built once per shape and kept).
struct Stride1Scratch {
  std::vector<float> row_results;
  std::vector<uint8_t> room_left, room_right, room_top, room_bottom;
  int64_t width = -1, in_h = -1;  // the shape the rooms were built for
};

// `planes` consecutive planes: x [planes][in_h][width] -> y [planes][out_h][width]; op is
// kMaxNoNan or kSum. Several small planes are reduced in each pass (up to 4096 floats of them).
void f32_pool_stride1(PoolCombine op, const Stride1Window& w, int64_t planes, const float* x, float* y,
                      Stride1Scratch& scratch);
// How many planes one pass takes: a caller that reads the planes first (the maximum's NaN scan)
// does it this many at a time, so that they are still in cache for the passes.
int64_t f32_pool_stride1_chunk_planes(const Stride1Window& w);

}  // namespace kite
