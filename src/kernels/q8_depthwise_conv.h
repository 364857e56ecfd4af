// Depthwise 2-D convolution on quantized tensors, NCHW, one image at a time: uint8 activations
// with a per-tensor zero point, int8 weights with per-channel symmetric scales (zero point 0),
// int32 bias, uint8 output. The geometry is depthwise_conv_f32's (kernels/depthwise_conv.h):
// 3x3 or 5x5, stride 1 or 2, padding before the first row and column given, the rest implied by
// out_h and out_w.
//
// Every output is, exactly:
//     acc = bias[c] + sum over taps (ky, kx) of w[c][ky][kx] * (x[tap] - x_zero_point)
//     y   = requantize(acc, scale[c], y_zero_point, qmin, qmax)      (kernels/requantize.h)
// where a tap in the padding reads x_zero_point, so that it adds exactly 0. The sum is integer
// arithmetic: its order does not matter, and the portable, AVX2, AVX512_VNNI and NEON kernels give the same
// bytes for any split of the channels between threads.
//
// Ranges: |w * (x - x_zero_point)| <= 128 * 255, so 25 taps add at most 816,000 < 2^20 to the bias,
// and a bias in [-2^30, 2^30] keeps acc inside an int32. Weights may be any int8 (symmetric
// quantization gives [-127, 127]).
//
// Recipe, QLinearConv with X [N, C, H, W] uint8, W [C, 1, k, k] int8 (zero point 0), group = C,
// pads [top, left, bottom, right], strides [s, s], dilations [1, 1] (depthwise_supported): per
// image n, depthwise_conv_q8(p, x + n*C*H*W, w, b, scale, y + n*C*OH*OW, c_begin, c_end) with
// scale[c] = product_requant_scale(x_scale, w_scale[c], y_scale), and a fused ReLU as
// qmin = y_zero_point (ReLU6 also narrows qmax).
#pragma once
#include <cstdint>

namespace kite {

struct Q8DepthwiseParams {
  int64_t channels = 0;  // planes in the input and the output
  int64_t in_h = 0, in_w = 0;
  int64_t out_h = 0, out_w = 0;
  int64_t kernel = 3;  // square: 3 or 5
  int64_t stride = 1;  // both dims: 1 or 2
  // Padding before the first row and column; taps past the last row or column are padding too.
  int64_t pad_top = 0, pad_left = 0;
  int32_t x_zero_point = 0;      // in [0, 255]; also the value every padding tap reads
  int32_t y_zero_point = 0;      // in [0, 255]
  int32_t qmin = 0, qmax = 255;  // output range, 0 <= qmin <= qmax <= 255
};

// output[c] = requantize(bias[c] + conv(input[c] - x_zero_point, weights[c]), scale[c], ...) for
// channels c in [c_begin, c_end). input: [channels, in_h, in_w]; weights: [channels, kernel, kernel]
// (ONNX's [channels, 1, k, k]); bias: [channels] int32 or nullptr (0); scale: [channels],
// positive and finite; output: [channels, out_h, out_w], not overlapping the input. Reads and
// writes nothing outside those tensors (and only the channels of the range).
// Throws kite::Error when depthwise_supported(kernel, stride) is false, a size is not positive, a
// size or a padding exceeds 2^28 (or a padding is negative), [c_begin, c_end) is not inside
// [0, channels], a zero point or the range is outside [0, 255] (or qmin > qmax), or a channel of
// the range has a bias outside [-2^30, 2^30] or a scale that is not positive and finite.
void depthwise_conv_q8(const Q8DepthwiseParams& p, const uint8_t* input, const int8_t* weights, const int32_t* bias,
                       const float* scale, uint8_t* output, int64_t c_begin, int64_t c_end);

// The kernel depthwise_conv_q8 runs now ("q8_dwconv_avx512_vnni", "q8_dwconv_avx2", "q8_dwconv_neon" or
// "q8_dwconv_generic").
const char* depthwise_q8_kernel_name();

}  // namespace kite
