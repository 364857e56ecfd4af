// Portable depthwise convolution, fp32 NCHW, 3x3 and 5x5, stride 1 and 2: the kernel for CPUs
// without a SIMD one. Each output row is written once. Its interior outputs (every tap inside the
// input row) are one loop over the outputs whose body is the whole filter, unrolled: plain C++
// that compilers vectorize across outputs (4 per SSE or NEON register). The few outputs at the
// row's ends skip the taps that fall into the padding. Rows in the top or bottom padding read a
// row of zeros, so every output sums bias + taps in row-major order.
#include <algorithm>
#include <vector>

#include "kernels/dwconv_kernels.h"
#include "kernels/output_range.h"

namespace kite {
namespace {

template <int K>
struct RowWindow {
  const float* rows[K];  // the input rows of one output row; a row of zeros for padding rows
};

// max before min, value second: a NaN stays NaN, as without a clamp.
float clamp(float v, float lo, float hi) { return std::min(std::max(v, lo), hi); }

// One output whose window reaches past the row's left or right end: only its taps in
// [kx_begin, kx_end) lie inside the row.
template <int K, int S>
float edge_output(const DepthwiseParams& p, const RowWindow<K>& win, const float* w, float bias, int64_t o) {
  const int64_t ix = o * S - p.pad_left;
  const int64_t kx_begin = std::max<int64_t>(0, -ix), kx_end = std::min<int64_t>(K, p.in_w - ix);
  float acc = bias;
  for (int ky = 0; ky < K; ++ky)
    for (int64_t kx = kx_begin; kx < kx_end; ++kx) acc += w[ky * K + kx] * win.rows[ky][ix + kx];
  return clamp(acc, p.min, p.max);
}

// The outputs of a row whose every tap lies inside the input row.
template <int K, int S>
OutputRange interior_outputs(const DepthwiseParams& p) {
  OutputRange r{outputs_inside(p.in_w, p.out_w, S, -p.pad_left).begin,
                outputs_inside(p.in_w, p.out_w, S, K - 1 - p.pad_left).end};
  r.end = std::max(r.begin, r.end);
  return r;
}

template <int K, int S>
void conv_row(const DepthwiseParams& p, OutputRange interior, const RowWindow<K>& win, const float* w, float bias,
              float* __restrict y) {
  const int64_t begin = interior.begin, end = interior.end;
  for (int64_t o = 0; o < begin; ++o) y[o] = edge_output<K, S>(p, win, w, bias, o);
  const float lo = p.min, hi = p.max;
  for (int64_t o = begin; o < end; ++o) {
    const int64_t ix = o * S - p.pad_left;
    float acc = bias;
    for (int ky = 0; ky < K; ++ky)
      for (int kx = 0; kx < K; ++kx) acc += w[ky * K + kx] * win.rows[ky][ix + kx];
    y[o] = clamp(acc, lo, hi);
  }
  for (int64_t o = end; o < p.out_w; ++o) y[o] = edge_output<K, S>(p, win, w, bias, o);
}

template <int K, int S>
void conv_channels(const DepthwiseParams& p, const float* input, const float* weights, const float* bias,
                   float* output, int64_t c_begin, int64_t c_end) {
  const std::vector<float> zeros(static_cast<size_t>(p.in_w), 0.f);
  const OutputRange interior = interior_outputs<K, S>(p);
  for (int64_t c = c_begin; c < c_end; ++c) {
    const float* x = input + c * p.in_h * p.in_w;
    for (int64_t oy = 0; oy < p.out_h; ++oy) {
      RowWindow<K> win;
      for (int ky = 0; ky < K; ++ky) {
        int64_t iy = oy * S - p.pad_top + ky;
        win.rows[ky] = iy >= 0 && iy < p.in_h ? x + iy * p.in_w : zeros.data();
      }
      conv_row<K, S>(p, interior, win, weights + c * K * K, bias ? bias[c] : 0.f, output + (c * p.out_h + oy) * p.out_w);
    }
  }
}

}  // namespace

void f32_dwconv_generic(const DepthwiseParams& p, const float* input, const float* weights, const float* bias,
                        float* output, int64_t c_begin, int64_t c_end) {
  switch (p.kernel * 10 + p.stride) {  // depthwise_conv_f32 accepts no other
    case 31: return conv_channels<3, 1>(p, input, weights, bias, output, c_begin, c_end);
    case 32: return conv_channels<3, 2>(p, input, weights, bias, output, c_begin, c_end);
    case 51: return conv_channels<5, 1>(p, input, weights, bias, output, c_begin, c_end);
    case 52: return conv_channels<5, 2>(p, input, weights, bias, output, c_begin, c_end);
  }
}

}  // namespace kite
