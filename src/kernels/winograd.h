// Winograd F(4x4, 3x3) for 3x3 stride-1 convolutions (Lavin & Gray): each 4x4 block of outputs
// comes from a 6x6 input tile with 36 multiplications per input/output channel pair instead of
// 144. The products are 36 independent GEMMs, one per point of the transformed tile:
//     M[xi] [OC x tiles] = U[xi] [OC x IC] * V[xi] [IC x tiles]
// with U = G g G^T the transformed weights (once, at load), V = B^T d B the transformed input
// tiles and the output Y = A^T M A. The transforms run on blocks of kWinogradLanes tiles at a
// time, laid out so that the tiles are the innermost (vectorized) dimension and each V[xi] block
// is directly a GEMM B operand (ldb = kWinogradLanes).
//
// Accuracy: the transforms multiply by up to 8 and add up to 36 terms, so the result differs
// from a direct convolution by a few float roundings of the partial sums' magnitude: within
// 1e-4 relative of the output range for the layers of the CNNs kite runs (tested).
// Determinism: every output depends only on its tile's values, whatever block or thread
// computes it.
#pragma once
#include <cstdint>

#include "kernels/im2col.h"

namespace kite {

constexpr int64_t kWinogradPoints = 36;  // a 6x6 transformed tile
constexpr int64_t kWinogradLanes = 16;   // tiles per block: one GEMM tile's width

// The convolution's geometry as im2col describes it (kernel 3x3, stride 1 and no dilation are
// implied and not read), with the 4x4 output tiles it is cut into.
struct WinogradParams : Im2colParams {
  explicit WinogradParams(const Im2colParams& window) : Im2colParams(window) {}

  int64_t tiles_h() const { return (out_h + 3) / 4; }
  int64_t tiles_w() const { return (out_w + 3) / 4; }
  int64_t tiles() const { return tiles_h() * tiles_w(); }
};

// weights [oc][ic][3][3] -> u [36][oc][ic] (u + xi * oc * ic is the row-major A of GEMM xi).
void winograd_weights_f32(const float* weights, int64_t oc, int64_t ic, float* u);

// The input tiles [t0, t0 + kWinogradLanes) of one image x [channels, in_h, in_w] (tiles past
// tiles() are zeros) -> v [36][channels][kWinogradLanes].
void winograd_input_f32(const WinogradParams& p, const float* x, int64_t t0, float* v);

// The GEMM results for output channels [oc0, oc0 + rows) and tiles [t0, t0 + kWinogradLanes):
// point xi of channel oc0 + r at m[xi * point_stride + r * kWinogradLanes + lane] -> y [oc][out_h]
// [out_w] of one image, each value + bias[oc] (if given) + residual at the same position (if
// given), then clamped to [lo, hi]. Only positions inside the output are written.
void winograd_output_f32(const WinogradParams& p, const float* m, int64_t point_stride, int64_t rows, int64_t oc0, int64_t t0,
                         const float* bias, const float* residual, float lo, float hi, float* y);

// "f32_winograd_avx512", "f32_winograd_fma3", "f32_winograd_neon" or "f32_winograd_generic": the transforms' implementation for this CPU.
const char* winograd_kernel_name();

}  // namespace kite
