// Pooling on quantized uint8 tensors, NCHW.
//
// Global average pooling, [channels, plane] -> [channels], into another quantization:
//     acc = sum over the plane of (x - x_zero_point)                     (exact int32)
//     y   = requantize(acc, scale, y_zero_point, qmin, qmax)             (kernels/requantize.h)
// with scale = average_requant_scale(x_scale, y_scale, plane) (requantize.h): x_scale /
// (y_scale * plane), computed once, in float, by the caller, so that every kernel multiplies by
// the same number. A plane holds at most 2^23 elements, which keeps |acc| <= 255 * 2^23 < 2^31.
//
// Max pooling with the same scale and zero point in and out: quantization is monotonic, so the
// maximum of the quantized values is the quantized maximum, and no arithmetic is involved. Only
// taps inside the input count (the padding never wins); a window with none gives 0, the lowest
// uint8 value, as the reference MaxPool does.
#pragma once
#include <cstdint>

namespace kite {

struct Q8GlobalAveragePoolParams {
  int32_t x_zero_point = 0, y_zero_point = 0;  // each in [0, 255]
  float scale = 1.f;                           // average_requant_scale(x_scale, y_scale, plane): positive, finite
  int32_t qmin = 0, qmax = 255;                // output range, 0 <= qmin <= qmax <= 255
};

// y[c] = requantize(sum of (x[c * plane + i] - x_zero_point), scale, y_zero_point, qmin, qmax) for
// c in [0, channels). Threads split the channels by offsetting x and y. Throws kite::Error when
// channels is negative, plane is not in [1, 2^23], a zero point or the range is outside [0, 255]
// (or qmin > qmax), or scale is not positive and finite.
void global_average_pool_q8(const uint8_t* x, uint8_t* y, int64_t channels, int64_t plane,
                            const Q8GlobalAveragePoolParams& p);

// The kernel global_average_pool_q8 runs now ("q8_avgpool_avx2", "q8_avgpool_neon" or
// "q8_avgpool_generic").
const char* global_average_pool_q8_kernel_name();

struct Q8PoolParams {
  int64_t channels = 0;  // planes in the input and the output
  int64_t in_h = 0, in_w = 0;
  // Given by the caller: ONNX's floor or ceil_mode sizes; a window may reach past the input.
  int64_t out_h = 0, out_w = 0;
  int64_t kernel_h = 1, kernel_w = 1;
  int64_t stride_h = 1, stride_w = 1;
  int64_t pad_top = 0, pad_left = 0;  // padding before the first row and column
};

// y[c][oy][ox] = max of x[c][iy][ix] over iy in [oy * stride_h - pad_top, + kernel_h), ix in
// [ox * stride_w - pad_left, + kernel_w), both inside the input (0 when none is), for channels c in
// [c_begin, c_end). x: [channels, in_h, in_w]; y: [channels, out_h, out_w], not overlapping x.
// Throws kite::Error when a size, kernel or stride is not positive, a size, kernel, stride or
// padding exceeds 2^28 (or a padding is negative), or [c_begin, c_end) is not inside [0, channels].
void max_pool_u8(const Q8PoolParams& p, const uint8_t* x, uint8_t* y, int64_t c_begin, int64_t c_end);

// The kernel max_pool_u8 runs now: "u8_maxpool_avx2" or "u8_maxpool_neon" (3x3 and 2x2 windows of
// stride 2; stride 1 with rows as wide as the input's goes to a flat portable kernel that the
// compiler vectorizes, the rest to the portable kernel), or "u8_maxpool_generic".
const char* max_pool_u8_kernel_name();

}  // namespace kite
