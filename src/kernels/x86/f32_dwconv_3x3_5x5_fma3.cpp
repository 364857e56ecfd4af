// AVX2 + FMA depthwise convolution, 3x3 and 5x5 filters, stride 1 and 2, fp32 NCHW.
//
// One ymm register holds 8 consecutive outputs of a row. A row is cut into tiles: interior tiles
// (4 registers where the row allows, for 4 independent FMA chains, else 1), whose taps all lie
// inside the input row, load without checks; edge tiles, which reach into the left or right
// padding or end the row, load through lane masks (a masked-off lane reads no memory and counts
// as zero) and store only their valid lanes. Rows of taps in the top or bottom padding are
// skipped. Every lane computes bias + taps in row-major order with one rounding per FMA, whether
// it sits in an interior or an edge tile, so the tiling never changes a result.
//
// Stride 2 loads 15 consecutive inputs as two overlapping registers and keeps the even ones.
#include <immintrin.h>

#include <algorithm>
#include <cstdint>

#include "kernels/dwconv_kernels.h"
#include "kernels/output_range.h"
#include "kite/error.h"

namespace kite {
namespace {

constexpr int kLanes = 8;
constexpr int kWideTile = 4;  // registers per interior tile: hides the 4-cycle FMA latency

// --- Loading the inputs of one tap for 8 outputs: x[0], x[S], ..., x[7 S] ---

// The even elements of a = x[0..7], b = x[7..14] (b overlaps a by one so that nothing past x[14]
// is read). A 128-bit-lane shuffle leaves them in output order 0 1 4 5 2 3 6 7; every tap gets
// the same order, so accumulators are put back in order once, at the store (in_output_order).
inline __m256 even_elements(__m256 a, __m256 b) { return _mm256_shuffle_ps(a, b, _MM_SHUFFLE(3, 1, 2, 0)); }

template <int S>
inline __m256 in_output_order(__m256 acc) {
  if constexpr (S == 1) return acc;
  return _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(acc), _MM_SHUFFLE(3, 1, 2, 0)));
}

template <int S>
inline __m256 load_taps(const float* x) {
  if constexpr (S == 1) return _mm256_loadu_ps(x);
  return even_elements(_mm256_loadu_ps(x), _mm256_loadu_ps(x + 7));
}

// Lanes i whose input position q + i lies in [0, width).
inline __m256i lanes_inside(int64_t q, int64_t width) {
  __m256i position = _mm256_add_epi32(_mm256_set1_epi32(static_cast<int32_t>(q)), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
  __m256i below_end = _mm256_cmpgt_epi32(_mm256_set1_epi32(static_cast<int32_t>(width)), position);
  __m256i negative = _mm256_cmpgt_epi32(_mm256_setzero_si256(), position);
  return _mm256_andnot_si256(negative, below_end);
}

// Masks for the register loads of one tap of an edge tile, computed once per tile and row.
template <int S>
struct TapMasks {
  __m256i load[S];  // stride 2: the loads at q and at q + 7

  TapMasks() = default;
  TapMasks(int64_t q, int64_t width) {
    for (int i = 0; i < S; ++i) load[i] = lanes_inside(q + 7 * i, width);
  }
};

// `row + q` may point outside the row (into the padding): the address is formed as an integer,
// and only masked loads, which read no memory in masked-off lanes, go through it.
inline const float* outside_ok(const float* row, int64_t q) {
  return reinterpret_cast<const float*>(reinterpret_cast<uintptr_t>(row) + static_cast<uintptr_t>(q) * sizeof(float));
}

template <int S>
inline __m256 load_taps_masked(const float* row, int64_t q, const TapMasks<S>& m) {
  __m256 a = _mm256_maskload_ps(outside_ok(row, q), m.load[0]);
  if constexpr (S == 1) return a;
  return even_elements(a, _mm256_maskload_ps(outside_ok(row, q + 7), m.load[1]));
}

// --- One channel ---

template <int K, int S>
class ChannelConv {
 public:
  explicit ChannelConv(const DepthwiseParams& p)
      : p_(p),
        interior_begin_(outputs_inside(p.in_w, p.out_w, S, -p.pad_left).begin),
        interior_end_(outputs_inside(p.in_w, p.out_w, S, K - 1 - p.pad_left).end),
        lo_(_mm256_set1_ps(p.min)),
        hi_(_mm256_set1_ps(p.max)) {}

  void run(const float* x_plane, const float* weights, float bias, float* y_plane) {
    for (int i = 0; i < K * K; ++i) taps_[i] = _mm256_set1_ps(weights[i]);
    bias_ = _mm256_set1_ps(bias);
    for (int64_t oy = 0; oy < p_.out_h; ++oy) {
      int64_t iy0 = oy * S - p_.pad_top;
      int ky_begin = static_cast<int>(std::max<int64_t>(0, -iy0));
      int ky_end = static_cast<int>(std::clamp<int64_t>(p_.in_h - iy0, 0, K));
      int count = std::max(0, ky_end - ky_begin);
      // With no row inside (all padding), x is never read; it only has to be a valid pointer.
      Rows rows{count > 0 ? x_plane + (iy0 + ky_begin) * p_.in_w : x_plane, count, taps_ + std::min(ky_begin, K - 1) * K};
      conv_row(rows, y_plane + oy * p_.out_w);
    }
  }

 private:
  // The input rows one output row reads (those inside the input) and their filter rows.
  struct Rows {
    const float* x;  // first row
    int count;
    const __m256* taps;  // K taps per row
  };

  bool is_interior(int64_t ox, int64_t outputs) const {
    return ox >= interior_begin_ && ox + outputs <= interior_end_;
  }

  void conv_row(const Rows& rows, float* y) const {
    for (int64_t ox = 0; ox < p_.out_w;) {
      if (is_interior(ox, kWideTile * kLanes)) {
        interior_tile<kWideTile>(rows, ox, y + ox);
        ox += kWideTile * kLanes;
      } else if (is_interior(ox, kLanes)) {
        interior_tile<1>(rows, ox, y + ox);
        ox += kLanes;
      } else {
        edge_tile(rows, ox, y + ox);
        ox += kLanes;
      }
    }
  }

  __m256 finish(__m256 acc) const {
    // max then min with the value second: a NaN stays NaN, as it would without a clamp.
    return _mm256_min_ps(hi_, _mm256_max_ps(lo_, in_output_order<S>(acc)));
  }

  template <int V>
  void interior_tile(const Rows& rows, int64_t ox, float* y) const {
    __m256 acc[V];
    for (int v = 0; v < V; ++v) acc[v] = bias_;
    const float* x = rows.x + ox * S - p_.pad_left;
    for (int r = 0; r < rows.count; ++r, x += p_.in_w) {
      const __m256* w = rows.taps + r * K;
      for (int kx = 0; kx < K; ++kx)
        for (int v = 0; v < V; ++v) acc[v] = _mm256_fmadd_ps(load_taps<S>(x + kx + v * kLanes * S), w[kx], acc[v]);
    }
    for (int v = 0; v < V; ++v) _mm256_storeu_ps(y + v * kLanes, finish(acc[v]));
  }

  void edge_tile(const Rows& rows, int64_t ox, float* y) const {
    const int64_t q = ox * S - p_.pad_left;  // input position of lane 0's first tap
    TapMasks<S> masks[K];
    for (int kx = 0; kx < K; ++kx) masks[kx] = TapMasks<S>(q + kx, p_.in_w);
    __m256 acc = bias_;
    const float* x = rows.x;
    for (int r = 0; r < rows.count; ++r, x += p_.in_w) {
      const __m256* w = rows.taps + r * K;
      for (int kx = 0; kx < K; ++kx) acc = _mm256_fmadd_ps(load_taps_masked<S>(x, q + kx, masks[kx]), w[kx], acc);
    }
    _mm256_maskstore_ps(y, lanes_inside(0, std::min<int64_t>(kLanes, p_.out_w - ox)), finish(acc));
  }

  const DepthwiseParams& p_;
  const int64_t interior_begin_, interior_end_;  // outputs whose every tap lies inside the row
  const __m256 lo_, hi_;
  __m256 taps_[K * K];
  __m256 bias_;
};

template <int K, int S>
void conv_channels(const DepthwiseParams& p, const float* input, const float* weights, const float* bias,
                   float* output, int64_t c_begin, int64_t c_end) {
  ChannelConv<K, S> conv(p);
  for (int64_t c = c_begin; c < c_end; ++c)
    conv.run(input + c * p.in_h * p.in_w, weights + c * K * K, bias ? bias[c] : 0.f, output + c * p.out_h * p.out_w);
}

}  // namespace

void f32_dwconv_3x3_5x5_fma3(const DepthwiseParams& p, const float* input, const float* weights, const float* bias,
                             float* output, int64_t c_begin, int64_t c_end) {
  switch (p.kernel * 10 + p.stride) {
    case 31: return conv_channels<3, 1>(p, input, weights, bias, output, c_begin, c_end);
    case 32: return conv_channels<3, 2>(p, input, weights, bias, output, c_begin, c_end);
    case 51: return conv_channels<5, 1>(p, input, weights, bias, output, c_begin, c_end);
    case 52: return conv_channels<5, 2>(p, input, weights, bias, output, c_begin, c_end);
  }
  fail("f32_dwconv_3x3_5x5_fma3: kernel ", p.kernel, " stride ", p.stride, " is not supported");
}

}  // namespace kite
