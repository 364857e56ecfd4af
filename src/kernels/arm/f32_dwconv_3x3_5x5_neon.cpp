// NEON depthwise convolution, 3x3 and 5x5 filters, stride 1 and 2, fp32 NCHW.
//
// A tile is R output rows by V registers of 4 consecutive outputs: R * V independent FMA chains,
// and each input register loaded feeds the R rows whose windows overlap on it. The filter stays in
// registers, four taps to a register, and each tap is multiplied from its lane (FMLA by element):
// a 5x5 filter takes 7 registers instead of 25. Along a row, interior tiles (every tap inside the
// input row) load straight from the input. Edge tiles, which reach into the left or right padding,
// first copy the few input columns they read into a small zero-padded window (NEON has no masked
// loads) and then run the same code on it. Rows in the top or bottom padding read a row of zeros
// (rows wider than it, 4096, go to the portable kernel). The walk along rows and down the plane is
// the x86 kernels' (kernels/dwconv_rows.h).
// A row's last tile is shifted left to end at the row's end, overlapping its neighbour rather
// than storing part of a register, and the last block of rows likewise. Every output lane
// computes bias + taps in row-major order, one FMA per tap (padding taps add w * 0), whatever
// tile it lands in, so recomputed outputs come out bitwise the same.
//
// Stride 2 loads with LD2, which splits eight consecutive inputs into the even and the odd ones:
// one load gives two taps.
//
// Plain ARMv8.0-A: Advanced SIMD is always there on AArch64, so this file needs no extra flags.
#include <arm_neon.h>

#include <cstdint>
#include <utility>

#include "kernels/dwconv_kernels.h"
#include "kernels/output_range.h"

namespace kite {
namespace {

constexpr int kLanes = 4;

#include "kernels/dwconv_common.h"  // min64, kZeroRow

// Calls f(std::integral_constant<int, 0>()), ..., f(std::integral_constant<int, N - 1>()): inside
// f the index is a constant expression, as the lane argument of an FMLA by element must be (also
// in a build without optimization), and the loop is unrolled.
template <typename F, int... I>
void for_each_index(F&& f, std::integer_sequence<int, I...>) {
  (f(std::integral_constant<int, I>()), ...);
}
template <int N, typename F>
void for_each_index(F&& f) {
  for_each_index(f, std::make_integer_sequence<int, N>());
}

// --- Loading the inputs of one input row for 4 outputs: tap kx of lane i is x[kx + S i] ---

// Stride 1: one load per tap. Stride 2: LD2 at x[j] gives taps j (even elements) and j + 1 (odd
// elements) for even j; the last tap, K - 1, is the odd half of LD2 at x[K - 2], so that nothing
// past the last input a lane needs is read. Lane 3's last tap is the furthest input read: x[K - 1
// + 3 S].
template <int K, int S>
void load_taps(const float* x, float32x4_t (&taps)[K]) {
  if constexpr (S == 1) {
    for_each_index<K>([&](auto index) {
      constexpr int kx = decltype(index)::value;
      taps[kx] = vld1q_f32(x + kx);
    });
  } else {
    for_each_index<K / 2>([&](auto index) {
      constexpr int kx = 2 * decltype(index)::value;
      const float32x4x2_t even_odd = vld2q_f32(x + kx);
      taps[kx] = even_odd.val[0];
      taps[kx + 1] = even_odd.val[1];
    });
    taps[K - 1] = vld2q_f32(x + K - 2).val[1];
  }
}

// The inputs of one tile column reach from its first output's first tap to its last output's last
// tap.
template <int K, int S>
constexpr int kTileInputs = (kLanes - 1) * S + K;

// --- Filter and epilogue of one channel ---

template <int K>
struct Filter {
  static constexpr int kRegisters = (K * K + kLanes - 1) / kLanes;
  float32x4_t taps[kRegisters];  // tap ky * K + kx in lane (ky * K + kx) % 4 of register / 4
  float32x4_t bias;
  float32x4_t lo, hi;  // the fused clamp

  Filter(const float* w, float b, float min, float max)
      : bias(vdupq_n_f32(b)), lo(vdupq_n_f32(min)), hi(vdupq_n_f32(max)) {
    float padded[kRegisters * kLanes] = {};
    for (int i = 0; i < K * K; ++i) padded[i] = w[i];
    for (int i = 0; i < kRegisters; ++i) taps[i] = vld1q_f32(padded + i * kLanes);
  }
};

// acc + x * (tap ky, kx), fused.
template <int K, int Ky, int Kx>
float32x4_t multiply_add_tap(float32x4_t acc, float32x4_t x, const Filter<K>& f) {
  constexpr int tap = Ky * K + Kx;
  return vfmaq_laneq_f32(acc, x, f.taps[tap / kLanes], tap % kLanes);
}

// max before min, value second, as compare and select: a NaN fails both compares and stays NaN,
// as it would without a clamp (FMAX would also turn max(-0, +0) into +0).
float32x4_t clamp(float32x4_t v, float32x4_t lo, float32x4_t hi) {
  v = vbslq_f32(vcltq_f32(v, lo), lo, v);
  return vbslq_f32(vcgtq_f32(v, hi), hi, v);
}

void store_first(float* y, float32x4_t v, int count) {
  float lanes[kLanes];
  vst1q_f32(lanes, v);
  for (int i = 0; i < count; ++i) y[i] = lanes[i];
}

// The input a tile reads: `rows` are the (R - 1) * S + K input rows of its R output rows, and
// lane 0 of register v reads its first tap at rows[i] + x0 + v * 4 * S.
struct TileInput {
  const float* const* rows;
  int64_t x0;
};

// R output rows x V registers; `y` is the first output row at the tile's first column, and
// `count` the outputs to store per row (4 unless the row is shorter than a register).
// Flattened (everything it calls inlined into it): left to its heuristics, GCC calls the loops'
// lambdas out of line and then keeps the accumulators in memory, storing them after every FMA.
template <int K, int S, int R, int V>
__attribute__((flatten)) void conv_input_tile(const TileInput& in, const Filter<K>& f, float* y, int64_t out_w,
                                              int count) {
  constexpr int kInputRows = (R - 1) * S + K;
  float32x4_t acc[R][V];
  for (int r = 0; r < R; ++r)
    for (int v = 0; v < V; ++v) acc[r][v] = f.bias;
  // Input row i is row ky = i - r * S of output row r's window; rows in ascending order and taps
  // in ascending order within a row keep each output's sum in row-major order.
  for_each_index<kInputRows>([&](auto row_index) {
    constexpr int i = decltype(row_index)::value;
    for_each_index<V>([&](auto vector_index) {
      constexpr int v = decltype(vector_index)::value;
      float32x4_t x[K];
      load_taps<K, S>(in.rows[i] + in.x0 + v * kLanes * S, x);
      for_each_index<K>([&](auto tap_index) {
        constexpr int kx = decltype(tap_index)::value;
        for_each_index<R>([&](auto output_row_index) {
          constexpr int r = decltype(output_row_index)::value;
          constexpr int ky = i - r * S;
          if constexpr (ky >= 0 && ky < K) acc[r][v] = multiply_add_tap<K, ky, kx>(acc[r][v], x[kx], f);
        });
      });
    });
  });
  for (int r = 0; r < R; ++r)
    for (int v = 0; v < V; ++v) {
      float32x4_t out = clamp(acc[r][v], f.lo, f.hi);
      float* dst = y + r * out_w + v * kLanes;
      if (count == kLanes) {
        vst1q_f32(dst, out);
      } else {
        store_first(dst, out, count);
      }
    }
}

// The input columns [x0, x0 + kTileInputs) of a tile's rows, zeros where they fall outside
// [0, width): an edge tile runs on this copy as an interior one.
template <int K, int S, int R>
class PaddedWindow {
 public:
  static constexpr int kInputRows = (R - 1) * S + K;

  PaddedWindow(const float* const* rows, int64_t x0, int64_t width) {
    for (int i = 0; i < kInputRows; ++i) {
      for (int j = 0; j < kTileInputs<K, S>; ++j) {
        const int64_t column = x0 + j;
        values_[i][j] = column >= 0 && column < width ? rows[i][column] : 0.0f;
      }
      rows_[i] = values_[i];
    }
  }
  TileInput input() const { return {rows_, 0}; }

 private:
  float values_[kInputRows][kTileInputs<K, S>];
  const float* rows_[kInputRows];
};

// What the row walk (dwconv_rows.h) hands a tile: interior tiles read the rows in place, edge
// tiles a zero-padded copy of the columns they reach.
template <int K, int S>
struct InteriorLoads {
  int64_t x0;
};
template <int K, int S>
struct EdgeLoads {
  EdgeLoads(int64_t first, int64_t row_width) : x0(first), width(row_width) {}
  int64_t x0, width;
};

template <int K, int S, int R, int V>
void conv_tile(const float* const* rows, InteriorLoads<K, S> at, const Filter<K>& f, float* y, int64_t out_w,
               int count) {
  conv_input_tile<K, S, R, V>({rows, at.x0}, f, y, out_w, count);
}
template <int K, int S, int R, int V>
void conv_tile(const float* const* rows, EdgeLoads<K, S> at, const Filter<K>& f, float* y, int64_t out_w, int count) {
  const PaddedWindow<K, S, R> window(rows, at.x0, at.width);
  conv_input_tile<K, S, R, V>(window.input(), f, y, out_w, count);
}

#include "kernels/dwconv_rows.h"  // ChannelConv and conv_channels, over the definitions above

}  // namespace

void f32_dwconv_3x3_5x5_neon(const DepthwiseParams& p, const float* input, const float* weights, const float* bias,
                             float* output, int64_t c_begin, int64_t c_end) {
  if (p.in_w > kZeroRowLength) return f32_dwconv_generic(p, input, weights, bias, output, c_begin, c_end);
  switch (p.kernel * 10 + p.stride) {  // depthwise_conv_f32 accepts no other
    case 31: return conv_channels<3, 1>(p, input, weights, bias, output, c_begin, c_end);
    case 32: return conv_channels<3, 2>(p, input, weights, bias, output, c_begin, c_end);
    case 51: return conv_channels<5, 1>(p, input, weights, bias, output, c_begin, c_end);
    case 52: return conv_channels<5, 2>(p, input, weights, bias, output, c_begin, c_end);
  }
}

}  // namespace kite
