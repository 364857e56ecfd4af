// AVX-512 depthwise convolution, 3x3 and 5x5 filters, stride 1, fp32 NCHW: the AVX2 kernel's
// tiling (kernels/x86/f32_dwconv_3x3_5x5_fma3.cpp) on zmm registers of 16 outputs. Stride 2 stays
// with the AVX2 kernel (its even / odd split is a different shuffle on zmm, and the 3x3 stride-2
// layers are at par with ONNX Runtime already), and so do rows of 8 outputs or fewer.
//
// A tile is R output rows by V registers of 16 consecutive outputs; each input register loaded
// feeds the R rows whose windows overlap on it. Interior tiles load without checks; edge tiles,
// which reach into the left or right padding, load through lane masks (a masked-off lane reads no
// memory and yields zero). Rows in the top or bottom padding read a row of zeros. A row's last
// tile is shifted left to end at the row's end (rows of 16 outputs or more), and the last block of
// rows likewise; rows shorter than a register store through a lane mask. Every output lane
// computes bias + taps in row-major order, one FMA per tap (padding taps add w * 0): the same
// bits as the AVX2 kernel, lane for lane, whatever tile it lands in.
//
// This file alone is compiled with -mavx512f -mavx512bw: everything it defines or includes has
// internal linkage (the shared pieces come in through dwconv_common.h and dwconv_rows.h inside its
// anonymous namespace), so no AVX-512 copy of a function can be linked into code for other CPUs.
#include <immintrin.h>

#include <cstdint>

#include "kernels/dwconv_kernels.h"
#include "kernels/output_range.h"
#include "kernels/x86/avx512_lanes.h"

namespace kite {
namespace {

#include "kernels/dwconv_common.h"  // min64, kZeroRow, outside_ok

constexpr int kLanes = 16;

int64_t max64(int64_t a, int64_t b) { return a > b ? a : b; }

// An empty asm that claims to change v: the compiler must hold v in a register rather than fold
// the load into each of the R FMAs that use it (as the AVX2 kernel does, for the same reason).
void keep_in_register(__m512& v) { __asm__("" : "+v"(v)); }

// Lanes i whose input position q + i lies in [0, width).
__mmask16 lanes_inside(int64_t q, int64_t width) {
  const int64_t lo = max64(0, -q), hi = min64(kLanes, width - q);
  return hi <= lo ? 0 : static_cast<__mmask16>(first_lanes(hi - lo) << lo);
}

// Loads for a tile whose taps all lie inside the input row; lane 0's first tap is at x0. S is the
// stride, 1 here (the row walk, dwconv_rows.h, names both).
template <int K, int S>
struct InteriorLoads {
  static_assert(S == 1, "stride 2 runs on the AVX2 kernel");
  int64_t x0;
  void operator()(const float* row, int v, __m512 (&taps)[K]) const {
    for (int kx = 0; kx < K; ++kx) {
      taps[kx] = _mm512_loadu_ps(row + x0 + v * kLanes + kx);
      keep_in_register(taps[kx]);
    }
  }
};

// Loads for a one-register tile that reaches into the padding; lane 0's first tap is at q. The
// masks depend on the column only, so they are built once per tile for all its rows.
template <int K, int S>
struct EdgeLoads {
  static_assert(S == 1, "stride 2 runs on the AVX2 kernel");
  int64_t q;
  __mmask16 masks[K];
  EdgeLoads(int64_t first, int64_t width) : q(first) {
    for (int kx = 0; kx < K; ++kx) masks[kx] = lanes_inside(q + kx, width);
  }
  void operator()(const float* row, int /*v*/, __m512 (&taps)[K]) const {
    for (int kx = 0; kx < K; ++kx) taps[kx] = _mm512_maskz_loadu_ps(masks[kx], outside_ok(row, q + kx));
  }
};

template <int K>
struct Filter {
  __m512 taps[K * K];  // each weight in all lanes
  __m512 bias;
  __m512 lo, hi;  // the fused clamp
  Filter(const float* w, float b, float min, float max)
      : bias(_mm512_set1_ps(b)), lo(_mm512_set1_ps(min)), hi(_mm512_set1_ps(max)) {
    for (int i = 0; i < K * K; ++i) taps[i] = _mm512_set1_ps(w[i]);
  }
};

// R output rows x V registers; `rows` are the R - 1 + K input rows they read, `y` the first
// output row at the tile's first column; `count` outputs of each register are stored.
template <int K, int S, int R, int V, typename Loads>
void conv_tile(const float* const* rows, const Loads& load, const Filter<K>& f, float* y, int64_t out_w, int count) {
  __m512 acc[R][V];
  for (int r = 0; r < R; ++r)
    for (int v = 0; v < V; ++v) acc[r][v] = f.bias;
#pragma GCC unroll 16
  for (int i = 0; i < R - 1 + K; ++i) {
#pragma GCC unroll 4
    for (int v = 0; v < V; ++v) {
      __m512 x[K];
      load(rows[i], v, x);
#pragma GCC unroll 8
      for (int kx = 0; kx < K; ++kx) {
#pragma GCC unroll 8
        for (int r = 0; r < R; ++r) {
          const int ky = i - r;  // a constant once unrolled
          if (ky >= 0 && ky < K) acc[r][v] = _mm512_fmadd_ps(x[kx], f.taps[ky * K + kx], acc[r][v]);
        }
      }
    }
  }
  const __mmask16 stored = first_lanes(count);
  for (int r = 0; r < R; ++r)
    for (int v = 0; v < V; ++v) {
      _mm512_mask_storeu_ps(y + r * out_w + v * kLanes, stored, clamp_keep_nan(acc[r][v], f.lo, f.hi));
    }
}

#include "kernels/dwconv_rows.h"  // ChannelConv and conv_channels, over the definitions above

}  // namespace

void f32_dwconv_3x3_5x5_avx512(const DepthwiseParams& p, const float* input, const float* weights, const float* bias,
                               float* output, int64_t c_begin, int64_t c_end) {
  // Rows of 8 outputs or fewer fill an AVX2 register, where a zmm one would be half masked off
  // (1152 x 7 x 7, 5x5: 0.09 ms on AVX2, 0.12 on zmm).
  if (p.stride != 1 || p.in_w > kZeroRowLength || p.out_w <= 8)
    return f32_dwconv_3x3_5x5_fma3(p, input, weights, bias, output, c_begin, c_end);
  if (p.kernel == 3) return conv_channels<3, 1>(p, input, weights, bias, output, c_begin, c_end);
  conv_channels<5, 1>(p, input, weights, bias, output, c_begin, c_end);  // depthwise_conv_f32 accepts no other
}

}  // namespace kite
