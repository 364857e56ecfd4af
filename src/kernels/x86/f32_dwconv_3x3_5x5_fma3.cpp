// AVX2 + FMA depthwise convolution, 3x3 and 5x5 filters, stride 1 and 2, fp32 NCHW.
//
// A tile is R output rows by V registers of 8 consecutive outputs: R * V independent FMA chains
// (Zen3 needs 8 to cover its two 4-cycle FMA pipes), and each input register loaded feeds the R
// rows whose windows overlap on it. Along a row, interior tiles (every tap inside the input row)
// load without checks; edge tiles, which reach into the left or right padding, load through lane
// masks (a masked-off lane reads no memory and yields zero). Rows in the top or bottom padding
// read a row of zeros. A row's last tile is shifted left to end at the row's end, overlapping its
// neighbour rather than storing part of a register, and the last block of rows likewise. Every
// output lane computes bias + taps in row-major order, one FMA per tap (padding taps add w * 0),
// whatever tile it lands in, so recomputed outputs come out bitwise the same.
//
// Stride 2 loads 15 consecutive inputs as two overlapping registers and keeps the even ones.
//
// This file alone is compiled with -mavx2 -mfma, so it instantiates nothing shared with other
// files (no standard library templates, no inline functions with external linkage): the linker
// could otherwise keep an AVX2 copy for callers on any CPU. Helpers below are its own.
#include <immintrin.h>

#include <cstdint>

#include "kernels/dwconv_kernels.h"
#include "kernels/output_range.h"

namespace kite {
namespace {

constexpr int kLanes = 8;

int64_t min64(int64_t a, int64_t b) { return a < b ? a : b; }

// Rows in the top or bottom padding point here: wide enough for any row the kernel accepts (wider
// rows go to the portable kernel). Never written, so its pages stay the shared zero page.
constexpr int64_t kZeroRowLength = 4096;
alignas(64) const float kZeroRow[kZeroRowLength] = {};

// --- Loading the inputs of one tap for 8 outputs: x[0], x[S], ..., x[7 S] ---

// The even elements of a = x[0..7], b = x[7..14] (b overlaps a by one so that nothing past x[14]
// is read). A 128-bit-lane shuffle leaves them in output order 0 1 4 5 2 3 6 7; every tap gets
// the same order, so accumulators are put back in order once, at the store (in_output_order).
__m256 even_elements(__m256 a, __m256 b) { return _mm256_shuffle_ps(a, b, _MM_SHUFFLE(3, 1, 2, 0)); }

template <int S>
__m256 in_output_order(__m256 acc) {
  if constexpr (S == 1) return acc;
  return _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(acc), _MM_SHUFFLE(3, 1, 2, 0)));
}

template <int S>
__m256 load_taps(const float* x) {
  if constexpr (S == 1) return _mm256_loadu_ps(x);
  return even_elements(_mm256_loadu_ps(x), _mm256_loadu_ps(x + 7));
}

// Lanes i whose input position q + i lies in [0, width).
__m256i lanes_inside(int64_t q, int64_t width) {
  __m256i position = _mm256_add_epi32(_mm256_set1_epi32(static_cast<int32_t>(q)), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
  __m256i below_end = _mm256_cmpgt_epi32(_mm256_set1_epi32(static_cast<int32_t>(width)), position);
  __m256i negative = _mm256_cmpgt_epi32(_mm256_setzero_si256(), position);
  return _mm256_andnot_si256(negative, below_end);
}

// `row + q` may point outside the row (into the padding): the address is formed as an integer,
// and only masked loads, which read no memory in masked-off lanes, go through it.
const float* outside_ok(const float* row, int64_t q) {
  return reinterpret_cast<const float*>(reinterpret_cast<uintptr_t>(row) + static_cast<uintptr_t>(q) * sizeof(float));
}

// Loads for a tile whose taps all lie inside the input row; lane 0's first tap is at x0.
template <int S>
struct InteriorLoads {
  int64_t x0;

  __m256 operator()(const float* row, int kx, int v) const { return load_taps<S>(row + x0 + kx + v * kLanes * S); }
};

// Loads for a one-register tile that reaches into the padding; lane 0's first tap is at q.
// The masks depend on the column only, so they are built once per tile for all its rows.
template <int K, int S>
struct EdgeLoads {
  int64_t q;
  __m256i masks[K][S];  // stride 2: the loads at q + kx and at q + kx + 7

  EdgeLoads(int64_t first, int64_t width) : q(first) {
    for (int kx = 0; kx < K; ++kx)
      for (int i = 0; i < S; ++i) masks[kx][i] = lanes_inside(q + kx + 7 * i, width);
  }
  __m256 operator()(const float* row, int kx, int /*v*/) const {
    __m256 a = _mm256_maskload_ps(outside_ok(row, q + kx), masks[kx][0]);
    if constexpr (S == 1) return a;
    return even_elements(a, _mm256_maskload_ps(outside_ok(row, q + kx + 7), masks[kx][S - 1]));
  }
};

// --- Filter and epilogue of one channel ---

template <int K>
struct Filter {
  __m256 taps[K * K];  // each weight in all lanes
  __m256 bias;
  __m256 lo, hi;       // the fused clamp

  Filter(const float* w, float b, float min, float max)
      : bias(_mm256_set1_ps(b)), lo(_mm256_set1_ps(min)), hi(_mm256_set1_ps(max)) {
    for (int i = 0; i < K * K; ++i) taps[i] = _mm256_set1_ps(w[i]);
  }
};

// Fewer than 8 outputs (a row shorter than a register): through a buffer, since Zen3 executes
// masked stores slowly.
void store_first(float* y, __m256 v, int count) {
  alignas(32) float lanes[kLanes];
  _mm256_store_ps(lanes, v);
  for (int i = 0; i < count; ++i) y[i] = lanes[i];
}

// R output rows x V registers; `rows` are the (R - 1) * S + K input rows they read, `y` the first
// output row at the tile's first column.
template <int K, int S, int R, int V, typename Loads>
void conv_tile(const float* const* rows, const Loads& load, const Filter<K>& f, float* y, int64_t out_w, int count) {
  __m256 acc[R][V];
  for (int r = 0; r < R; ++r)
    for (int v = 0; v < V; ++v) acc[r][v] = f.bias;
#pragma GCC unroll 16
  for (int i = 0; i < (R - 1) * S + K; ++i) {
#pragma GCC unroll 8
    for (int kx = 0; kx < K; ++kx) {
#pragma GCC unroll 4
      for (int v = 0; v < V; ++v) {
        __m256 x = load(rows[i], kx, v);
#pragma GCC unroll 8
        for (int r = 0; r < R; ++r) {
          const int ky = i - r * S;  // a constant once unrolled
          if (ky >= 0 && ky < K) acc[r][v] = _mm256_fmadd_ps(x, f.taps[ky * K + kx], acc[r][v]);
        }
      }
    }
  }
  for (int r = 0; r < R; ++r)
    for (int v = 0; v < V; ++v) {
      // max then min with the value second: a NaN stays NaN, as it would without a clamp.
      __m256 out = _mm256_min_ps(f.hi, _mm256_max_ps(f.lo, in_output_order<S>(acc[r][v])));
      float* dst = y + r * out_w + v * kLanes;
      if (count == kLanes) {
        _mm256_storeu_ps(dst, out);
      } else {
        store_first(dst, out, count);
      }
    }
}

// Rows per tile and registers per interior tile: enough chains for both FMA pipes, while a 3x3
// filter's 9 taps stay in registers.
template <int K>
constexpr int kBlockRows = 4;
template <int K>
constexpr int kWideVectors = 2;

template <int K, int S>
class ChannelConv {
 public:
  explicit ChannelConv(const DepthwiseParams& p)
      : p_(p),
        interior_begin_(outputs_inside(p.in_w, p.out_w, S, -p.pad_left).begin),
        interior_end_(outputs_inside(p.in_w, p.out_w, S, K - 1 - p.pad_left).end) {}

  void run(const float* x_plane, const Filter<K>& f, float* y_plane) const {
    constexpr int R = kBlockRows<K>;
    if (p_.out_h < R) {
      for (int64_t oy = 0; oy < p_.out_h; ++oy) conv_rows<1>(x_plane, oy, f, y_plane);
      return;
    }
    for (int64_t oy = 0; oy < p_.out_h; oy += R) conv_rows<R>(x_plane, min64(oy, p_.out_h - R), f, y_plane);
  }

 private:
  bool is_interior(int64_t ox, int64_t outputs) const {
    return ox >= interior_begin_ && ox + outputs <= interior_end_;
  }

  // Output rows [oy, oy + R).
  template <int R>
  void conv_rows(const float* x_plane, int64_t oy, const Filter<K>& f, float* y_plane) const {
    constexpr int V = kWideVectors<K>;
    const float* rows[(R - 1) * S + K];
    for (int i = 0; i < (R - 1) * S + K; ++i) {
      int64_t iy = oy * S - p_.pad_top + i;
      rows[i] = iy >= 0 && iy < p_.in_h ? x_plane + iy * p_.in_w : kZeroRow;
    }
    float* y = y_plane + oy * p_.out_w;
    for (int64_t ox = 0; ox < p_.out_w;) {
      if (ox + kLanes > p_.out_w && p_.out_w >= kLanes) ox = p_.out_w - kLanes;
      const int64_t x0 = ox * S - p_.pad_left;
      if (is_interior(ox, V * kLanes)) {
        conv_tile<K, S, R, V>(rows, InteriorLoads<S>{x0}, f, y + ox, p_.out_w, kLanes);
        ox += V * kLanes;
      } else if (is_interior(ox, kLanes)) {
        conv_tile<K, S, R, 1>(rows, InteriorLoads<S>{x0}, f, y + ox, p_.out_w, kLanes);
        ox += kLanes;
      } else {
        int count = static_cast<int>(min64(kLanes, p_.out_w - ox));
        conv_tile<K, S, R, 1>(rows, EdgeLoads<K, S>(x0, p_.in_w), f, y + ox, p_.out_w, count);
        ox += kLanes;
      }
    }
  }

  const DepthwiseParams& p_;
  const int64_t interior_begin_, interior_end_;  // outputs whose every tap lies inside the row
};

template <int K, int S>
void conv_channels(const DepthwiseParams& p, const float* input, const float* weights, const float* bias,
                   float* output, int64_t c_begin, int64_t c_end) {
  ChannelConv<K, S> conv(p);
  for (int64_t c = c_begin; c < c_end; ++c) {
    Filter<K> f(weights + c * K * K, bias ? bias[c] : 0.f, p.min, p.max);
    conv.run(input + c * p.in_h * p.in_w, f, output + c * p.out_h * p.out_w);
  }
}

}  // namespace

void f32_dwconv_3x3_5x5_fma3(const DepthwiseParams& p, const float* input, const float* weights, const float* bias,
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
