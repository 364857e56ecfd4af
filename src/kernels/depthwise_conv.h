// Depthwise 2-D convolution, fp32, NCHW: every channel is convolved with its own k x k filter
// (ONNX Conv with group == channels and one output channel per group), one image at a time.
//
// Depthwise layers do little arithmetic per byte (9 or 25 multiply-adds per output), so the
// kernels sweep each input plane once, top to bottom, and write each output once, with the bias
// and the clamp (ReLU: min 0; ReLU6: min 0, max 6) fused into the store.
//
// Threads split the channels with [c_begin, c_end): channels are independent, so the result is
// bitwise identical for any split. Every output is computed as
//     v = bias[c]; for ky, for kx (row-major): v = v + w * x     (x = 0 in the padding)
//     output = min(max(v, min), max)                               (NaN stays NaN)
// The AVX-512, AVX2 and NEON paths fuse each multiply-add (one rounding), the portable one rounds twice as
// the reference Conv does; they differ from it in the last bits only. Padding taps add w * 0, which
// changes nothing for finite weights (the reference skips them; an infinite weight next to the
// padding gives NaN here).
//
// Recipe, ONNX Conv with X [N, C, H, W], W [C, 1, k, k], group = C, pads [top, left, bottom,
// right], strides [s, s], dilations [1, 1] (check depthwise_supported): per image n,
//     depthwise_conv_f32(p, x + n*C*H*W, w, b, y + n*C*OH*OW, c_begin, c_end)
// with p = {C, H, W, OH, OW, k, s, top, left} and the fused activation's clamp.
#pragma once
#include <cmath>
#include <cstdint>

namespace kite {

struct DepthwiseParams {
  int64_t channels = 0;  // planes in the input and the output
  int64_t in_h = 0, in_w = 0;
  int64_t out_h = 0, out_w = 0;
  int64_t kernel = 3;  // square: 3 or 5
  int64_t stride = 1;  // both dims: 1 or 2
  // Padding before the first row and column. The bottom and right padding are whatever out_h and
  // out_w imply: taps that fall outside the input read zeros.
  int64_t pad_top = 0, pad_left = 0;
  // Fused clamp of every output, applied after the bias.
  float min = -INFINITY;
  float max = INFINITY;
};

// Whether depthwise_conv_f32 implements this filter: kernel 3 or 5, stride 1 or 2, no dilation.
bool depthwise_supported(int64_t kernel, int64_t stride, int64_t dilation = 1);

// output[c] = clamp(bias[c] + conv(input[c], weights[c])) for channels c in [c_begin, c_end).
// input: [channels, in_h, in_w]; weights: [channels, kernel, kernel] (ONNX's [channels, 1, k, k]);
// bias: [channels] or nullptr; output: [channels, out_h, out_w], not overlapping the input. Runs the AVX-512 kernel (stride 1)
// or the AVX2+FMA one where the CPU has them, the NEON one on AArch64 (kernels/cpu_features.h), the portable one otherwise.
// Throws kite::Error when depthwise_supported(kernel, stride) is false, a size is not positive, a
// size or a padding exceeds 2^28 (or a padding is negative), or [c_begin, c_end) is not inside
// [0, channels].
void depthwise_conv_f32(const DepthwiseParams& p, const float* input, const float* weights, const float* bias,
                        float* output, int64_t c_begin, int64_t c_end);

// The kernel depthwise_conv_f32 runs now ("f32_dwconv_3x3_5x5_avx512", "f32_dwconv_3x3_5x5_fma3",
// "f32_dwconv_3x3_5x5_neon" or "f32_dwconv_generic"), so that tests and benchmarks can say which
// one they measured.
const char* depthwise_kernel_name();

}  // namespace kite
