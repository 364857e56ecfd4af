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
// Stride 2 loads pairs of registers and splits them into even and odd elements.
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

#include "kernels/dwconv_common.h"  // min64, kZeroRow, outside_ok

constexpr int kLanes = 8;

// --- Loading the inputs of one input row for 8 outputs: tap kx of lane i is x[kx + S i] ---

// Stride 2 deinterleaves register pairs. A 128-bit-lane shuffle of a = x[0..7], b = x[8..15]
// gives the even or the odd elements in output order 0 1 4 5 2 3 6 7; every tap gets the same
// order, so accumulators are put back in order once, at the store (in_output_order).
__m256 even_elements(__m256 a, __m256 b) { return _mm256_shuffle_ps(a, b, _MM_SHUFFLE(2, 0, 2, 0)); }
__m256 odd_elements(__m256 a, __m256 b) { return _mm256_shuffle_ps(a, b, _MM_SHUFFLE(3, 1, 3, 1)); }
// The even elements of a = x[0..7], b = x[7..14], for the last (even) tap: b overlaps a by one
// so that nothing past the last input a lane needs is read.
__m256 even_elements_overlapped(__m256 a, __m256 b) { return _mm256_shuffle_ps(a, b, _MM_SHUFFLE(3, 1, 2, 0)); }

template <int S>
__m256 in_output_order(__m256 acc) {
  if constexpr (S == 1) return acc;
  return _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(acc), _MM_SHUFFLE(3, 1, 2, 0)));
}

// The registers one input row's taps are built from, as offsets from lane 0's first tap: stride 1
// loads x[kx..kx+7] per tap; stride 2 loads a pair per two taps (x[2j..2j+15] gives taps 2j and
// 2j+1) and the overlapped pair x[K-1..K+13] for the last tap: K + 1 loads instead of 2 K.
template <int K, int S>
constexpr int kRowLoads = S == 1 ? K : K + 1;

template <int K, int S>
constexpr int64_t row_load_offset(int load) {
  if constexpr (S == 1) return load;
  if (load < K - 1) return (load / 2) * 2 + (load % 2) * 8;
  return K - 1 + (load - (K - 1)) * 7;
}

// Tap registers of one row from its loaded registers.
template <int K, int S>
void taps_from_loads(const __m256 (&loaded)[kRowLoads<K, S>], __m256 (&taps)[K]) {
  if constexpr (S == 1) {
    for (int kx = 0; kx < K; ++kx) taps[kx] = loaded[kx];
  } else {
    for (int j = 0; j + 1 < K; j += 2) {
      taps[j] = even_elements(loaded[j], loaded[j + 1]);
      taps[j + 1] = odd_elements(loaded[j], loaded[j + 1]);
    }
    taps[K - 1] = even_elements_overlapped(loaded[K - 1], loaded[K]);
  }
}

// An empty asm that claims to change v: the compiler must hold v in a register. Without it GCC
// folds the load into each of the up to R FMAs that use the value, so memory (often a load that
// splits a cache line) is read R times; keeping it measured 10-15% faster on 3x3 stride 1.
void keep_in_register(__m256& v) { __asm__("" : "+x"(v)); }

// Lanes i whose input position q + i lies in [0, width).
__m256i lanes_inside(int64_t q, int64_t width) {
  __m256i position = _mm256_add_epi32(_mm256_set1_epi32(static_cast<int32_t>(q)), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
  __m256i below_end = _mm256_cmpgt_epi32(_mm256_set1_epi32(static_cast<int32_t>(width)), position);
  __m256i negative = _mm256_cmpgt_epi32(_mm256_setzero_si256(), position);
  return _mm256_andnot_si256(negative, below_end);
}

// Loads for a tile whose taps all lie inside the input row; lane 0's first tap is at x0.
template <int K, int S>
struct InteriorLoads {
  int64_t x0;

  void operator()(const float* row, int v, __m256 (&taps)[K]) const {
    __m256 loaded[kRowLoads<K, S>];
    for (int l = 0; l < kRowLoads<K, S>; ++l) {
      loaded[l] = _mm256_loadu_ps(row + x0 + v * kLanes * S + row_load_offset<K, S>(l));
      keep_in_register(loaded[l]);
    }
    taps_from_loads<K, S>(loaded, taps);
  }
};

// Loads for a one-register tile that reaches into the padding; lane 0's first tap is at q.
// The masks depend on the column only, so they are built once per tile for all its rows.
template <int K, int S>
struct EdgeLoads {
  int64_t q;
  __m256i masks[kRowLoads<K, S>];

  EdgeLoads(int64_t first, int64_t width) : q(first) {
    for (int l = 0; l < kRowLoads<K, S>; ++l) masks[l] = lanes_inside(q + row_load_offset<K, S>(l), width);
  }
  void operator()(const float* row, int /*v*/, __m256 (&taps)[K]) const {
    __m256 loaded[kRowLoads<K, S>];
    for (int l = 0; l < kRowLoads<K, S>; ++l)
      loaded[l] = _mm256_maskload_ps(outside_ok(row, q + row_load_offset<K, S>(l)), masks[l]);
    taps_from_loads<K, S>(loaded, taps);
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

// Lanes [0, count) of v, count < 8 (a row shorter than a register), in 4-, 2- and 1-float
// pieces: Zen3 executes masked stores slowly.
void store_first(float* y, __m256 v, int count) {
  __m128 part = _mm256_castps256_ps128(v);
  if (count & 4) {
    _mm_storeu_ps(y, part);
    part = _mm256_extractf128_ps(v, 1);
    y += 4;
  }
  if (count & 2) {
    _mm_storel_pi(reinterpret_cast<__m64*>(y), part);
    part = _mm_movehl_ps(part, part);
    y += 2;
  }
  if (count & 1) _mm_store_ss(y, part);
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
#pragma GCC unroll 4
    for (int v = 0; v < V; ++v) {
      __m256 x[K];
      load(rows[i], v, x);
#pragma GCC unroll 8
      for (int kx = 0; kx < K; ++kx) {
#pragma GCC unroll 8
        for (int r = 0; r < R; ++r) {
          const int ky = i - r * S;  // a constant once unrolled
          if (ky >= 0 && ky < K) acc[r][v] = _mm256_fmadd_ps(x[kx], f.taps[ky * K + kx], acc[r][v]);
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

#include "kernels/dwconv_rows.h"  // ChannelConv and conv_channels, over the definitions above

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
