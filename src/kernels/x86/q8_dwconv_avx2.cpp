// AVX2 quantized depthwise convolution, 3x3 and 5x5 filters, stride 1 and 2, uint8 NCHW.
//
// The multiplies are vpmaddwd: sixteen int16 inputs times sixteen int16 weights, each adjacent
// pair summed into an int32 lane. Inputs are (x - x_zero_point), in [-255, 255], and weights int8,
// so a pair sums to at most 2 * 128 * 255 in magnitude: nothing saturates and every sum is exact.
// (vpmaddubsw, which multiplies bytes directly, would saturate its int16 pair sums.)
//
// Widening: per channel and strip of up to 256 output columns, each input row is copied once into
// a small int16 row with the zero point subtracted and the padding written as 0 (a padding tap
// reads x_zero_point, which contributes 0), kept in a ring of 16 rows while the blocks of output
// rows that read it are computed. The kernel then has no edges: every tile reads its taps straight
// from these rows. Rows in the top or bottom padding point to a row of zeros.
//
// Pairs of taps: lane i of a register loaded at offset b of a widened row holds inputs b + 2i and
// b + 2i + 1, which vpmaddwd multiplies by the weight pair of taps (kx, kx + 1) (the last tap of an
// odd K pairs with a zero weight).
//  - Stride 2: output t + i reads inputs 2t + 2i + kx, so a load at 2t + kx gives eight
//    consecutive outputs, and a tile of 16 outputs is two such registers.
//  - Stride 1: output t + 2i reads t + 2i + kx: a load at t + kx gives the even outputs of a tile
//    of 16, a load at t + kx + 1 the odd ones; they are interleaved back at the store.
// A tile is R output rows by those two registers, 2 R independent accumulators, and each loaded
// register feeds every row of the tile whose window holds that input row. A row's last tile is
// shifted left to end at the row's end, overlapping its neighbour, and the last block of rows
// likewise: the sums are exact, so recomputed outputs are the same bytes.
//
// Requantization is kernels/requantize.h's, lane by lane: cvtdq2ps, mulps, maxps, minps against
// float(qmin - zero_point) and float(qmax - zero_point), cvtps2dq (round to nearest even, the
// default rounding mode) and the zero point added. The packs to bytes never saturate, as the
// values are already in [qmin, qmax].
//
// This file alone is compiled with -mavx2 -mfma, so it instantiates nothing shared with other
// files (no standard library templates, no inline functions with external linkage, requantize()
// included): the linker could otherwise keep an AVX2 copy for callers on any CPU.
#include <immintrin.h>

#include <cstdint>

#include "kernels/q8_dwconv_kernels.h"

namespace kite {
namespace {

constexpr int kTile = 16;               // outputs per tile column: two registers of eight int32
constexpr int64_t kStripOutputs = 256;  // output columns widened at once
constexpr int kBlockRows = 4;           // output rows per tile: 8 accumulators

// Widened row length for a strip: stride 1 reads up to offset (outputs - 16) + K + 15, stride 2 up
// to 2 (outputs - 16) + K + 30.
constexpr int64_t row_length(int64_t strip_outputs, int K, int S) {
  return S * (strip_outputs < kTile ? kTile : strip_outputs) + K;
}
constexpr int64_t kRowCapacity = 528;  // >= row_length(kStripOutputs, 5, 2), a multiple of 16
static_assert(row_length(kStripOutputs, 5, 2) <= kRowCapacity, "widened rows too short");

// Rows in the top or bottom padding. Never written, so its pages stay the shared zero page.
alignas(64) const int16_t kZeroRow[kRowCapacity] = {};

int64_t min64(int64_t a, int64_t b) { return a < b ? a : b; }
int64_t max64(int64_t a, int64_t b) { return a > b ? a : b; }

// An empty asm that claims to change v: the compiler must keep the loaded inputs in a register
// instead of folding the load into each of the up to R vpmaddwd that use them.
void keep_in_register(__m256i& v) { __asm__("" : "+x"(v)); }

void zero_fill(int16_t* out, int64_t n) {
  int64_t i = 0;
  for (; i + 16 <= n; i += 16) _mm256_storeu_si256(reinterpret_cast<__m256i*>(out + i), _mm256_setzero_si256());
  for (; i < n; ++i) out[i] = 0;
}

// dst[k] = src[k] - zero_point for k in [0, n).
__attribute__((always_inline)) inline void widen(const uint8_t* src, int64_t n, int16_t zero_point, int16_t* dst) {
  if (n >= 16) {
    const __m256i zp = _mm256_set1_epi16(zero_point);
    for (int64_t k = 0; k < n; k += 16) {
      k = min64(k, n - 16);  // the last load overlaps its neighbour instead of reading past the row
      __m256i v = _mm256_cvtepu8_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(src + k)));
      _mm256_storeu_si256(reinterpret_cast<__m256i*>(dst + k), _mm256_sub_epi16(v, zp));
    }
  } else if (n >= 8) {
    const __m128i zp = _mm_set1_epi16(zero_point);
    for (int part = 0; part < 2; ++part) {  // the first and the last eight, overlapping
      const int64_t k = part == 0 ? 0 : n - 8;
      __m128i v = _mm_cvtepu8_epi16(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(src + k)));
      _mm_storeu_si128(reinterpret_cast<__m128i*>(dst + k), _mm_sub_epi16(v, zp));
    }
  } else {
    for (int64_t k = 0; k < n; ++k) dst[k] = static_cast<int16_t>(src[k] - zero_point);
  }
}

// The widened input rows of one channel and strip: input columns [u0, u0 + length), x -
// x_zero_point inside the row, 0 in the padding. Blocks of output rows go down the plane, so each
// input row is widened once, in order, into slot iy % kSlots, where it stays while the next blocks
// read it: a block reads at most kSlots consecutive rows, the last block (shifted up over its
// neighbour) included.
class WidenedRows {
 public:
  static constexpr int kSlots = 16;  // a power of two above the 11 rows of the tallest block

  // A new channel or strip. The padding columns are the same for every row, and for every channel
  // of a strip: they are zeroed only when the strip changes (once per call when a row fits one).
  void start(int64_t in_w, int64_t u0, int64_t length) {
    next_ = 0;
    if (u0 == u0_ && length == length_) return;
    u0_ = u0;
    length_ = length;
    begin_ = min64(max64(-u0, 0), length);           // first column inside the input row
    end_ = max64(min64(in_w - u0, length), begin_);  // first column past its end
    for (auto& row : rows_) {
      zero_fill(row, begin_);
      zero_fill(row + end_, length - end_);
    }
  }

  // rows[i] = input row first + i of the plane x (in_h rows of in_w) for i in [0, count), a row
  // of zeros in the padding.
  void get(const uint8_t* x, int64_t in_w, int64_t in_h, int64_t first, int count, int16_t zero_point,
           const int16_t** rows) {
    const int64_t end = min64(first + count, in_h);
    for (int64_t iy = max64(next_, first); iy < end; ++iy)
      if (end_ > begin_) widen(x + iy * in_w + (u0_ + begin_), end_ - begin_, zero_point, rows_[iy % kSlots] + begin_);
    next_ = max64(next_, end);
    for (int i = 0; i < count; ++i) {
      const int64_t iy = first + i;
      rows[i] = iy >= 0 && iy < in_h ? rows_[iy % kSlots] : kZeroRow;
    }
  }

 private:
  alignas(32) int16_t rows_[kSlots][kRowCapacity];
  int64_t next_ = 0;  // input rows [0, next_) have been widened
  int64_t u0_ = -1, length_ = -1, begin_ = 0, end_ = 0;
};

// --- Filter and requantization of one channel ---

template <int K>
struct Filter {
  static constexpr int kPairs = (K + 1) / 2;
  __m256i pairs[K][kPairs];  // row ky, taps (2q, 2q + 1) as two int16 in every int32 lane
  __m256i bias;
  __m256 scale;
  __m256 lo, hi;  // float(qmin - zero_point), float(qmax - zero_point)
  __m256i zero_point;

  Filter(const Q8DepthwiseParams& p, const int8_t* w, int32_t b, float s)
      : bias(_mm256_set1_epi32(b)),
        scale(_mm256_set1_ps(s)),
        lo(_mm256_set1_ps(static_cast<float>(p.qmin - p.y_zero_point))),
        hi(_mm256_set1_ps(static_cast<float>(p.qmax - p.y_zero_point))),
        zero_point(_mm256_set1_epi32(p.y_zero_point)) {
    for (int ky = 0; ky < K; ++ky)
      for (int q = 0; q < kPairs; ++q) {
        const int kx = 2 * q;
        const uint16_t first = static_cast<uint16_t>(w[ky * K + kx]);
        const uint16_t second = kx + 1 < K ? static_cast<uint16_t>(w[ky * K + kx + 1]) : 0;
        pairs[ky][q] = _mm256_set1_epi32(static_cast<int32_t>(first | (static_cast<uint32_t>(second) << 16)));
      }
  }

  __m256i requantize(__m256i acc) const {
    __m256 y = _mm256_mul_ps(_mm256_cvtepi32_ps(acc), scale);
    y = _mm256_min_ps(_mm256_max_ps(y, lo), hi);
    return _mm256_add_epi32(_mm256_cvtps_epi32(y), zero_point);
  }
};

// 16 outputs in order from the two requantized registers of a tile row (values in [0, 255]).
template <int S>
__m128i to_bytes(__m256i first, __m256i second) {
  __m256i words;
  if constexpr (S == 1) {
    // first: outputs 0 2 4 6 | 8 10 12 14, second: 1 3 5 7 | 9 11 13 15.
    __m256i low = _mm256_unpacklo_epi32(first, second);   // 0 1 2 3 | 8 9 10 11
    __m256i high = _mm256_unpackhi_epi32(first, second);  // 4 5 6 7 | 12 13 14 15
    words = _mm256_packus_epi32(low, high);               // 0..7 | 8..15
  } else {
    // first: outputs 0..7, second: 8..15; the pack interleaves their halves.
    words = _mm256_permute4x64_epi64(_mm256_packus_epi32(first, second), _MM_SHUFFLE(3, 1, 2, 0));
  }
  return _mm_packus_epi16(_mm256_castsi256_si128(words), _mm256_extracti128_si256(words, 1));
}

// Bytes [0, count) of v: all 16, or count < 16 in 8-, 4-, 2- and 1-byte pieces (a row narrower
// than a tile).
void store_bytes(uint8_t* y, __m128i v, int count) {
  if (count == kTile) {
    _mm_storeu_si128(reinterpret_cast<__m128i*>(y), v);
    return;
  }
  if (count & 8) {
    _mm_storel_epi64(reinterpret_cast<__m128i*>(y), v);
    v = _mm_srli_si128(v, 8);
    y += 8;
  }
  uint32_t rest = static_cast<uint32_t>(_mm_cvtsi128_si32(v));
  if (count & 4) {
    __builtin_memcpy(y, &rest, 4);
    rest = static_cast<uint32_t>(_mm_cvtsi128_si32(_mm_srli_si128(v, 4)));
    y += 4;
  }
  if (count & 2) {
    __builtin_memcpy(y, &rest, 2);
    rest >>= 16;
    y += 2;
  }
  if (count & 1) *y = static_cast<uint8_t>(rest);
}

// Offset, from the tile's first input, of register h's load for the weight pair q.
template <int S>
constexpr int load_offset(int q, int h) {
  return S == 1 ? 2 * q + h : 2 * q + 8 * S * h;
}

// R output rows x 16 outputs (H = 2), or 8 of stride 2 (H = 1, rows of at most 8 outputs).
// rows[i] is the widened input row i of the block ((R - 1) S + K of them), column the tile's first
// input in them, y the first output row at the tile's column, count the outputs to store per row.
template <int K, int S, int R, int H>
void conv_tile(const int16_t* const* rows, int64_t column, const Filter<K>& f, uint8_t* y, int64_t out_w, int count) {
  static_assert(H == 2 || S == 2, "stride 1 needs both registers: the even and the odd outputs");
  constexpr int kPairs = Filter<K>::kPairs;
  __m256i acc[R][H];
  for (int r = 0; r < R; ++r)
    for (int h = 0; h < H; ++h) acc[r][h] = f.bias;
#pragma GCC unroll 16
  for (int i = 0; i < (R - 1) * S + K; ++i) {
#pragma GCC unroll 4
    for (int q = 0; q < kPairs; ++q) {
#pragma GCC unroll 2
      for (int h = 0; h < H; ++h) {
        __m256i v = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(rows[i] + column + load_offset<S>(q, h)));
        keep_in_register(v);
#pragma GCC unroll 8
        for (int r = 0; r < R; ++r) {
          const int ky = i - r * S;  // a constant once unrolled
          if (ky >= 0 && ky < K) {
            acc[r][h] = _mm256_add_epi32(acc[r][h], _mm256_madd_epi16(v, f.pairs[ky][q]));
            keep_in_register(acc[r][h]);
          }
        }
      }
    }
  }
  for (int r = 0; r < R; ++r) {
    const __m256i first = f.requantize(acc[r][0]);
    const __m256i second = H == 2 ? f.requantize(acc[r][H - 1]) : first;
    store_bytes(y + r * out_w, to_bytes<S>(first, second), count);
  }
}

template <int K, int S>
class ChannelConv {
 public:
  ChannelConv(const Q8DepthwiseParams& p, WidenedRows& rows) : p_(p), rows_(rows) {}

  void run(const uint8_t* x_plane, const Filter<K>& f, uint8_t* y_plane) const {
    for (int64_t first = 0; first < p_.out_w; first += kStripOutputs) {
      const int64_t end = min64(first + kStripOutputs, p_.out_w);
      // A last strip narrower than a tile starts earlier, so that its tile ends at the row's end.
      const int64_t start = end - first < kTile ? max64(end - kTile, 0) : first;
      rows_.start(p_.in_w, start * S - p_.pad_left, row_length(end - start, K, S));
      constexpr int R = kBlockRows;
      if (p_.out_h < R) {
        for (int64_t oy = 0; oy < p_.out_h; ++oy) conv_rows<1>(x_plane, oy, start, end, f, y_plane);
        continue;
      }
      for (int64_t oy = 0; oy < p_.out_h; oy += R)
        conv_rows<R>(x_plane, min64(oy, p_.out_h - R), start, end, f, y_plane);
    }
  }

 private:
  // Output rows [oy, oy + R), columns [start, end) (the strip).
  template <int R>
  void conv_rows(const uint8_t* x_plane, int64_t oy, int64_t start, int64_t end, const Filter<K>& f,
                 uint8_t* y_plane) const {
    constexpr int kRows = (R - 1) * S + K;
    const int16_t* rows[kRows];
    rows_.get(x_plane, p_.in_w, p_.in_h, oy * S - p_.pad_top, kRows, static_cast<int16_t>(p_.x_zero_point), rows);
    uint8_t* y = y_plane + oy * p_.out_w + start;
    const int64_t outputs = end - start;
    if (outputs < kTile) {  // a row narrower than a tile
      const int count = static_cast<int>(outputs);
      if constexpr (S == 2) {
        if (count <= kTile / 2) return conv_tile<K, S, R, 1>(rows, 0, f, y, p_.out_w, count);
      }
      return conv_tile<K, S, R, 2>(rows, 0, f, y, p_.out_w, count);
    }
    for (int64_t t = 0; t < outputs; t += kTile) {
      t = min64(t, outputs - kTile);
      conv_tile<K, S, R, 2>(rows, t * S, f, y + t, p_.out_w, kTile);
    }
  }

  const Q8DepthwiseParams& p_;
  WidenedRows& rows_;
};

template <int K, int S>
void conv_channels(const Q8DepthwiseParams& p, const uint8_t* input, const int8_t* weights, const int32_t* bias,
                   const float* scale, uint8_t* output, int64_t c_begin, int64_t c_end) {
  static_assert((kBlockRows - 1) * S + K <= WidenedRows::kSlots, "a block's rows must fit the slots");
  WidenedRows rows;
  ChannelConv<K, S> conv(p, rows);
  for (int64_t c = c_begin; c < c_end; ++c) {
    Filter<K> f(p, weights + c * K * K, bias ? bias[c] : 0, scale[c]);
    conv.run(input + c * p.in_h * p.in_w, f, output + c * p.out_h * p.out_w);
  }
}

}  // namespace

void q8_dwconv_avx2(const Q8DepthwiseParams& p, const uint8_t* input, const int8_t* weights, const int32_t* bias,
                    const float* scale, uint8_t* output, int64_t c_begin, int64_t c_end) {
  switch (p.kernel * 10 + p.stride) {  // depthwise_conv_q8 accepts no other
    case 31:
      return conv_channels<3, 1>(p, input, weights, bias, scale, output, c_begin, c_end);
    case 32:
      return conv_channels<3, 2>(p, input, weights, bias, scale, output, c_begin, c_end);
    case 51:
      return conv_channels<5, 1>(p, input, weights, bias, scale, output, c_begin, c_end);
    case 52:
      return conv_channels<5, 2>(p, input, weights, bias, scale, output, c_begin, c_end);
  }
}

}  // namespace kite
