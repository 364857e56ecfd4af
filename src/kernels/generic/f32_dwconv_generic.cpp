// Portable depthwise convolution, fp32 NCHW, any square kernel and stride: the fallback where no
// SIMD kernel exists. Each output row is built in place (bias, then one pass per tap over the
// outputs that tap reaches inside the input, then the clamp), so the inner loops are plain
// strided multiply-adds without bounds checks that the compiler can vectorize, and each output
// sums bias + taps in row-major order, the reference Conv's order.
#include <algorithm>

#include "kernels/dwconv_kernels.h"
#include "kernels/output_range.h"

namespace kite {
namespace {

// y[o] += w * x[o * stride + offset] for the outputs o whose input lies inside the row.
template <int64_t kStride>
void accumulate_tap(const float* x, int64_t in_w, int64_t stride, int64_t offset, float w, float* y,
                    int64_t out_w) {
  const int64_t s = kStride > 0 ? kStride : stride;  // a constant stride lets the loop vectorize
  OutputRange r = outputs_inside(in_w, out_w, s, offset);
  for (int64_t o = r.begin; o < r.end; ++o) y[o] += w * x[o * s + offset];
}

template <int64_t kStride>
void conv_row(const DepthwiseParams& p, const float* x_plane, const float* w, float bias, int64_t oy, float* y) {
  std::fill(y, y + p.out_w, bias);
  int64_t iy0 = oy * p.stride - p.pad_top;
  int64_t ky_begin = std::max<int64_t>(0, -iy0), ky_end = std::min(p.kernel, p.in_h - iy0);
  for (int64_t ky = ky_begin; ky < ky_end; ++ky) {
    const float* x = x_plane + (iy0 + ky) * p.in_w;
    for (int64_t kx = 0; kx < p.kernel; ++kx)
      accumulate_tap<kStride>(x, p.in_w, p.stride, kx - p.pad_left, w[ky * p.kernel + kx], y, p.out_w);
  }
  // max before min, value second: a NaN output stays NaN, as without a clamp.
  for (int64_t o = 0; o < p.out_w; ++o) y[o] = std::min(std::max(y[o], p.min), p.max);
}

template <int64_t kStride>
void conv_channels(const DepthwiseParams& p, const float* input, const float* weights, const float* bias,
                   float* output, int64_t c_begin, int64_t c_end) {
  const int64_t in_plane = p.in_h * p.in_w, out_plane = p.out_h * p.out_w, taps = p.kernel * p.kernel;
  for (int64_t c = c_begin; c < c_end; ++c)
    for (int64_t oy = 0; oy < p.out_h; ++oy)
      conv_row<kStride>(p, input + c * in_plane, weights + c * taps, bias ? bias[c] : 0.f, oy,
                        output + c * out_plane + oy * p.out_w);
}

}  // namespace

void f32_dwconv_generic(const DepthwiseParams& p, const float* input, const float* weights, const float* bias,
                        float* output, int64_t c_begin, int64_t c_end) {
  if (p.stride == 1) return conv_channels<1>(p, input, weights, bias, output, c_begin, c_end);
  if (p.stride == 2) return conv_channels<2>(p, input, weights, bias, output, c_begin, c_end);
  conv_channels<0>(p, input, weights, bias, output, c_begin, c_end);
}

}  // namespace kite
