// Winograd F(2x2, 3x3) for int8 3x3 stride-1 convolutions, exact: the same bytes as the direct
// sum (ops/qlinear_conv.cpp), not an approximation of it.
//
// Each 2x2 block of outputs comes from a 4x4 input tile with 16 multiplications per input/output
// channel pair instead of 36: per point xi of the transformed tile, one product
//     M[xi] [OC x tiles] = U[xi] [OC x IC] * V[xi] [IC x tiles]
// with V = B^T d B (d = x - x_zero_point, so padding, which reads the zero point, is 0) and
// U = G' g G'^T, where G' = 2 G = [2 0 0; 1 1 1; 1 -1 1; 0 0 2] keeps the weights' transform in
// integers (U = 4 times Lavin & Gray's). Then Y' = A^T M A = 4 Y, Y the direct sum.
//
// Why it is exact: |d| <= 255 gives |V| <= 4 * 255 = 1020, |g| <= 128 gives |U| <= 9 * 128 = 1152,
// both int16, and the products are int16 x int16 pairs summed into int32 (kernels/q8_gemm.h,
// gemm_s16_panel). Every step is a ring operation, so Y' is right modulo 2^32 even where a partial
// sum wraps; and with |Y| <= 9 * IC * 128 * 255 < 2^29 (IC at most 1024, checked by the caller),
// 4 Y fits an int32, so Y' is 4 Y itself and Y = Y' / 4 exactly (an arithmetic shift). The bias
// and the requantization (kernels/requantize.h) are then the direct path's.
#pragma once
#include <cstdint>
#include <vector>

#include "kernels/im2col.h"
#include "kernels/q8_gemm.h"

namespace kite {

constexpr int64_t kQ8WinogradPoints = 16;                // a 4x4 transformed tile
constexpr int64_t kQ8WinogradLanes = kS16PanelColumns;  // tiles per block: one B panel
constexpr int64_t kQ8WinogradMaxChannels = 1024;        // input channels: keeps 4 Y inside an int32

// The convolution's geometry as im2col describes it (kernel 3x3, stride 1 and no dilation are
// implied and not read), with the 2x2 output tiles it is cut into.
struct Q8WinogradParams : Im2colParams {
  explicit Q8WinogradParams(const Im2colParams& window) : Im2colParams(window) {}

  int64_t tiles_h() const { return (out_h + 1) / 2; }
  int64_t tiles_w() const { return (out_w + 1) / 2; }
  int64_t tiles() const { return tiles_h() * tiles_w(); }
  // int16 values in one point's B panel: the input channels in pairs (the last one completed with
  // a zero channel), 16 tiles each.
  int64_t point_values() const { return (channels + 1) / 2 * kQ8WinogradLanes * 2; }
};

// weights [oc][ic][3][3] -> U[xi] packed for gemm_s16_panel, one per point. ic at most
// kQ8WinogradMaxChannels (kite::Error otherwise).
std::vector<PackedQ8A> q8_winograd_weights(const int8_t* weights, int64_t oc, int64_t ic);

inline int64_t q8_winograd_blocks(const Q8WinogradParams& p) {
  return (p.tiles() + kQ8WinogradLanes - 1) / kQ8WinogradLanes;
}

// The transformed input of `blocks` blocks of kQ8WinogradLanes tiles, laid out as the products
// read it: for point xi and block b, one B panel of gemm_s16_panel (the input channels in pairs,
// the last one completed with a zero channel) at q8_winograd_panel(p, v, blocks, xi, b).
inline int64_t q8_winograd_input_values(const Q8WinogradParams& p, int64_t blocks) {
  return kQ8WinogradPoints * blocks * p.point_values();
}
inline const int16_t* q8_winograd_panel(const Q8WinogradParams& p, const int16_t* v, int64_t blocks, int64_t xi,
                                        int64_t block) {
  return v + (xi * blocks + block) * p.point_values();
}

// Transforms the tiles [tile_begin, tile_begin + blocks * kQ8WinogradLanes) of one image x
// [channels, in_h, in_w] (tiles past tiles() are zeros) into v (q8_winograd_input_values(p,
// blocks) int16, 64-byte aligned): x - x_zero_point, 0 in the padding. Reads the input only
// inside its bounds.
void q8_winograd_input(const Q8WinogradParams& p, const uint8_t* x, int32_t x_zero_point, int64_t tile_begin,
                       int64_t blocks, int16_t* v);

// What the output transform requantizes with (per output channel: bias and scale).
struct Q8WinogradEpilogue {
  const int32_t* bias;  // null: no bias
  const float* scale;
  int32_t zero_point, qmin, qmax;
};

// The products for output channels [oc0, oc0 + rows) and tiles [t0, t0 + kQ8WinogradLanes):
// point xi of channel oc0 + r at m[xi * point_stride + r * kQ8WinogradLanes + lane] -> y [oc]
// [out_h][out_w] of one image, requantize(bias + Y) per element. Only positions inside the output
// are written.
void q8_winograd_output(const Q8WinogradParams& p, const int32_t* m, int64_t point_stride, int64_t rows, int64_t oc0,
                        int64_t t0, const Q8WinogradEpilogue& e, uint8_t* y);

}  // namespace kite
