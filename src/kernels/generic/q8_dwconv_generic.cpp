// Portable quantized depthwise convolution, 3x3 and 5x5, stride 1 and 2: the kernel for CPUs
// without a SIMD one, and the plainest statement of the contract in kernels/q8_depthwise_conv.h.
//
// One output row at a time, into a row of int32 sums started at the bias: each tap adds its
// weight times (x - x_zero_point) to the outputs whose tap lies inside the input, a loop over
// consecutive outputs that compilers vectorize. Taps in the padding would add exactly 0, so they
// are skipped. Then each sum is requantized. The sums are exact, so the order of the taps does not
// matter.
#include <vector>

#include "kernels/output_range.h"
#include "kernels/q8_dwconv_kernels.h"
#include "kernels/requantize.h"

namespace kite {
namespace {

template <int K, int S>
void conv_channels(const Q8DepthwiseParams& p, const uint8_t* input, const int8_t* weights, const int32_t* bias,
                   const float* scale, uint8_t* output, int64_t c_begin, int64_t c_end) {
  // For each column of the filter, the outputs whose tap in that column lies inside the input row.
  OutputRange inside[K];
  for (int kx = 0; kx < K; ++kx) inside[kx] = outputs_inside(p.in_w, p.out_w, S, kx - p.pad_left);
  const int32_t zx = p.x_zero_point;
  std::vector<int32_t> acc(static_cast<size_t>(p.out_w));
  for (int64_t c = c_begin; c < c_end; ++c) {
    const uint8_t* x = input + c * p.in_h * p.in_w;
    const int8_t* w = weights + c * K * K;
    uint8_t* y = output + c * p.out_h * p.out_w;
    for (int64_t oy = 0; oy < p.out_h; ++oy) {
      for (int32_t& a : acc) a = bias ? bias[c] : 0;
      for (int ky = 0; ky < K; ++ky) {
        const int64_t iy = oy * S - p.pad_top + ky;
        if (iy < 0 || iy >= p.in_h) continue;
        const uint8_t* row = x + iy * p.in_w;
        for (int kx = 0; kx < K; ++kx) {
          const int16_t wk = w[ky * K + kx];
          const int64_t shift = kx - p.pad_left;  // output o's tap kx is row[o * S + shift]
          // |wk * (x - zx)| <= 128 * 255 fits an int16: said so, the product vectorizes as a 16-bit
          // multiply (SSE2 has none for 32 bits).
          for (int64_t o = inside[kx].begin; o < inside[kx].end; ++o)
            acc[o] += static_cast<int16_t>(wk * static_cast<int16_t>(row[o * S + shift] - zx));
        }
      }
      // The parameters in locals: stores through a uint8_t pointer may alias anything, and would
      // make the compiler reload them for every output instead of vectorizing the loop.
      const float s = scale[c];
      const int32_t zy = p.y_zero_point, qmin = p.qmin, qmax = p.qmax;
      const int64_t out_w = p.out_w;
      uint8_t* out = y + oy * out_w;
      for (int64_t o = 0; o < out_w; ++o) out[o] = static_cast<uint8_t>(requantize(acc[o], s, zy, qmin, qmax));
    }
  }
}

}  // namespace

void q8_dwconv_generic(const Q8DepthwiseParams& p, const uint8_t* input, const int8_t* weights, const int32_t* bias,
                       const float* scale, uint8_t* output, int64_t c_begin, int64_t c_end) {
  switch (p.kernel * 10 + p.stride) {  // depthwise_conv_q8 accepts no other
    case 31:
      return conv_channels<3, 1>(p, input, weights, bias, scale, output, c_begin, c_end);
    case 32:
      return conv_channels<3, 2>(p, input, weights, bias, scale, output, c_begin, c_end);
    case 51:
      return conv_channels<5, 1>(p, input, weights, bias, scale, output, c_begin, c_end);
    case 52:
      return conv_channels<5, 2>(p, input, weights, bias, scale, output, c_begin, c_end);
  }
}

}  // namespace kite
