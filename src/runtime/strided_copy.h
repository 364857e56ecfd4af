// Copies an N-d window of one buffer into an N-d window of another, each described by a start
// offset and per-dimension strides (in elements). Transpose, Slice, Split and Pad's interior are
// all this one operation with different strides, so they share one tuned, threaded loop.
#pragma once
#include <cstdint>
#include <vector>

#include "runtime/thread_pool.h"

namespace kite {

struct StridedCopy {
  std::vector<int64_t> shape;        // the window, in elements per dimension
  int64_t src_offset = 0;
  std::vector<int64_t> src_strides;  // may be negative (a Slice with a negative step)
  int64_t dst_offset = 0;
  std::vector<int64_t> dst_strides;
};

// Merges dimensions that are contiguous in both buffers and drops size-1 dimensions, so that the
// innermost loop is as long as possible (a channel split becomes one memcpy per image).
StridedCopy simplify(StridedCopy c);

// dst[window] = src[window] for elements of `element_size` bytes, rows split across the pool.
void strided_copy(const StridedCopy& c, const void* src, void* dst, size_t element_size, ThreadPool& pool);

}  // namespace kite
