// One run of an im2col matrix row, shared by the fp32 (im2col.cpp) and uint8 (q8_im2col.cpp)
// versions, both compiled for the baseline ISA: `left` padding values, `inside` values gathered
// from the input row at a stride, `right` padding values.
#pragma once
#include <algorithm>
#include <cstdint>
#include <cstring>

namespace kite {

// dst[i] = src[i * stride] for i in [0, n). The stride is a local and the pointers restrict: a
// uint8 store may alias anything, so a loop that read the stride from its parameters reloaded it
// after every byte (the int8 stem's stride-2 gather was 6% of ResNet-50's int8 time). Stride 2,
// the common one, has its own loop, which the compiler vectorizes (with a run-time stride the fp32
// one copied a float at a time: a quarter of a 7x7 stride-2 stem's time).
template <typename T>
void im2col_gather(const T* __restrict src, int64_t stride, int64_t n, T* __restrict dst) {
  if (stride == 2) {
    for (int64_t i = 0; i < n; ++i) dst[i] = src[2 * i];
  } else {
    for (int64_t i = 0; i < n; ++i) dst[i] = src[i * stride];
  }
}

// dst[0, left + inside + right): pad, then src[0], src[stride], .. (inside of them; src is not read
// when inside is 0), then pad.
template <typename T>
void im2col_write_run(const T* src, int64_t stride, int64_t left, int64_t inside, int64_t right, T pad, T* dst) {
  // Runs this short (the rows of 7x7 and 14x14 outputs) go as three plain loops: memset and memcpy
  // calls cost more than a few values, and one loop with a test per element mispredicted at every
  // run's edge (im2col took a fifth of a 3x3 layer on 8x8 maps).
  constexpr int64_t kShortRun = 16;
  if (left + inside + right <= kShortRun) {
    for (int64_t i = 0; i < left; ++i) dst[i] = pad;
    if (inside > 0) im2col_gather(src, stride, inside, dst + left);
    for (int64_t i = 0; i < right; ++i) dst[left + inside + i] = pad;
    return;
  }
  std::fill(dst, dst + left, pad);
  std::fill(dst + left + inside, dst + left + inside + right, pad);
  if (inside == 0) return;
  if (stride == 1) std::memcpy(dst + left, src, static_cast<size_t>(inside) * sizeof(T));
  else im2col_gather(src, stride, inside, dst + left);
}

}  // namespace kite
