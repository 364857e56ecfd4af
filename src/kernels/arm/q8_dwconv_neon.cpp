// NEON quantized depthwise convolution, 3x3 and 5x5 filters, stride 1 and 2, uint8 NCHW.
//
// The multiplies are SMLAL / SMLAL2 by element: eight int16 inputs times one int16 weight, each
// product added to an int32 lane. Inputs are (x - x_zero_point), in [-255, 255], and weights int8,
// so every product and every sum is exact (nothing saturates).
//
// Widening: per channel and strip of up to 256 output columns, each input row is copied once into
// a small int16 row with the zero point subtracted and the padding written as 0 (a padding tap
// reads x_zero_point, which contributes 0), kept in a ring of 16 rows while the blocks of output
// rows that read it are computed. The kernel then has no edges: every tile reads its taps straight
// from these rows. Rows in the top or bottom padding point to a row of zeros.
//
// A tile is R output rows by eight outputs (two int32 registers each), and each loaded register
// of inputs feeds every row of the tile whose window holds that input row. Stride 1 loads the
// eight inputs of tap kx at column + kx; stride 2 loads with LD2, which splits sixteen inputs into
// the even ones (tap kx) and the odd ones (tap kx + 1). The filter stays in registers, eight taps
// to a register. A row's last tile is shifted left to end at the row's end, overlapping its
// neighbour, and the last block of rows likewise: the sums are exact, so recomputed outputs are
// the same bytes.
//
// Requantization is kernels/requantize.h's, lane by lane: SCVTF, FMUL, FMAX / FMIN against
// float(qmin - zero_point) and float(qmax - zero_point), FCVTNS (round to nearest, ties to even)
// and the zero point added. The narrowing to bytes never saturates, as the values are already in
// [qmin, qmax].
//
// Plain ARMv8.0-A: Advanced SIMD is always there on AArch64, so this file needs no extra flags.
#include <arm_neon.h>

#include <cstdint>
#include <utility>

#include "kernels/q8_dwconv_kernels.h"

namespace kite {
namespace {

constexpr int kLanes = 8;               // outputs per tile column
constexpr int64_t kStripOutputs = 256;  // output columns widened at once
constexpr int kBlockRows = 4;           // output rows per tile: 8 accumulators

// Widened row length for a strip: stride 1 reads up to offset (outputs - 8) + K + 6, stride 2 (LD2
// of 16 at the last tap) up to 2 (outputs - 8) + K + 14.
constexpr int64_t row_length(int64_t strip_outputs, int K, int S) {
  return S * (strip_outputs < kLanes ? kLanes : strip_outputs) + K;
}
constexpr int64_t kRowCapacity = 528;  // >= row_length(kStripOutputs, 5, 2)
static_assert(row_length(kStripOutputs, 5, 2) <= kRowCapacity, "widened rows too short");

// Rows in the top or bottom padding. Never written, so its pages stay the shared zero page.
alignas(64) const int16_t kZeroRow[kRowCapacity] = {};

int64_t min64(int64_t a, int64_t b) { return a < b ? a : b; }
int64_t max64(int64_t a, int64_t b) { return a > b ? a : b; }

// Calls f(std::integral_constant<int, 0>()), ..., f(std::integral_constant<int, N - 1>()): inside
// f the index is a constant expression, as the lane argument of a multiply by element must be,
// and the loop is unrolled.
template <typename F, int... I>
void for_each_index(F&& f, std::integer_sequence<int, I...>) {
  (f(std::integral_constant<int, I>()), ...);
}
template <int N, typename F>
void for_each_index(F&& f) {
  for_each_index(f, std::make_integer_sequence<int, N>());
}

// dst[k] = src[k] - zero_point for k in [0, n). x - zero_point of two bytes, taken modulo 2^16, is
// the signed difference.
void widen(const uint8_t* src, int64_t n, uint8_t zero_point, int16_t* dst) {
  if (n >= 8) {
    const uint8x8_t zp = vdup_n_u8(zero_point);
    for (int64_t k = 0; k < n; k += 8) {
      k = min64(k, n - 8);  // the last load overlaps its neighbour instead of reading past the row
      vst1q_s16(dst + k, vreinterpretq_s16_u16(vsubl_u8(vld1_u8(src + k), zp)));
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
      for (int64_t b = 0; b < begin_; ++b) row[b] = 0;
      for (int64_t b = end_; b < length; ++b) row[b] = 0;
    }
  }

  // rows[i] = input row first + i of the plane x (in_h rows of in_w) for i in [0, count), a row
  // of zeros in the padding.
  void get(const uint8_t* x, int64_t in_w, int64_t in_h, int64_t first, int count, uint8_t zero_point,
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
  alignas(16) int16_t rows_[kSlots][kRowCapacity];
  int64_t next_ = 0;  // input rows [0, next_) have been widened
  int64_t u0_ = -1, length_ = -1, begin_ = 0, end_ = 0;
};

// --- Filter and requantization of one channel ---

template <int K>
struct Filter {
  static constexpr int kRegisters = (K * K + kLanes - 1) / kLanes;
  int16x8_t taps[kRegisters];  // tap ky * K + kx in lane (ky * K + kx) % 8 of register / 8
  int32x4_t bias;
  float32x4_t scale;
  float32x4_t lo, hi;  // float(qmin - zero_point), float(qmax - zero_point)
  int32x4_t zero_point;

  Filter(const Q8DepthwiseParams& p, const int8_t* w, int32_t b, float s)
      : bias(vdupq_n_s32(b)),
        scale(vdupq_n_f32(s)),
        lo(vdupq_n_f32(static_cast<float>(p.qmin - p.y_zero_point))),
        hi(vdupq_n_f32(static_cast<float>(p.qmax - p.y_zero_point))),
        zero_point(vdupq_n_s32(p.y_zero_point)) {
    int16_t padded[kRegisters * kLanes] = {};
    for (int i = 0; i < K * K; ++i) padded[i] = w[i];
    for (int i = 0; i < kRegisters; ++i) taps[i] = vld1q_s16(padded + i * kLanes);
  }

  int32x4_t requantize(int32x4_t acc) const {
    float32x4_t y = vmulq_f32(vcvtq_f32_s32(acc), scale);
    y = vminq_f32(vmaxq_f32(y, lo), hi);
    return vaddq_s32(vcvtnq_s32_f32(y), zero_point);
  }
};

// The eight inputs of each tap of one widened row, for outputs whose first tap is at x[0]: tap kx
// of output i is x[kx + S i].
template <int K, int S>
void load_taps(const int16_t* x, int16x8_t (&taps)[K]) {
  if constexpr (S == 1) {
    for_each_index<K>([&](auto index) {
      constexpr int kx = decltype(index)::value;
      taps[kx] = vld1q_s16(x + kx);
    });
  } else {
    for_each_index<K / 2>([&](auto index) {
      constexpr int kx = 2 * decltype(index)::value;
      const int16x8x2_t even_odd = vld2q_s16(x + kx);
      taps[kx] = even_odd.val[0];
      taps[kx + 1] = even_odd.val[1];
    });
    taps[K - 1] = vld2q_s16(x + K - 1).val[0];
  }
}

void store_bytes(uint8_t* y, uint8x8_t v, int count) {
  if (count == kLanes) {
    vst1_u8(y, v);
    return;
  }
  uint8_t lanes[kLanes];
  vst1_u8(lanes, v);
  for (int i = 0; i < count; ++i) y[i] = lanes[i];
}

// R output rows x 8 outputs. rows[i] is the widened input row i of the block ((R - 1) S + K of
// them); column the tile's first input in them; y the first output row at the tile's column.
// Flattened (everything it calls inlined into it), so that the accumulators stay in registers.
template <int K, int S, int R>
__attribute__((flatten)) void conv_tile(const int16_t* const* rows, int64_t column, const Filter<K>& f, uint8_t* y,
                                        int64_t out_w, int count) {
  constexpr int kInputRows = (R - 1) * S + K;
  int32x4_t low[R], high[R];
  for (int r = 0; r < R; ++r) low[r] = high[r] = f.bias;
  for_each_index<kInputRows>([&](auto row_index) {
    constexpr int i = decltype(row_index)::value;
    int16x8_t x[K];
    load_taps<K, S>(rows[i] + column, x);
    for_each_index<K>([&](auto tap_index) {
      constexpr int kx = decltype(tap_index)::value;
      for_each_index<R>([&](auto output_row_index) {
        constexpr int r = decltype(output_row_index)::value;
        constexpr int ky = i - r * S;
        if constexpr (ky >= 0 && ky < K) {
          constexpr int tap = ky * K + kx;
          low[r] = vmlal_laneq_s16(low[r], vget_low_s16(x[kx]), f.taps[tap / kLanes], tap % kLanes);
          high[r] = vmlal_high_laneq_s16(high[r], x[kx], f.taps[tap / kLanes], tap % kLanes);
        }
      });
    });
  });
  for (int r = 0; r < R; ++r) {
    const int16x8_t words = vcombine_s16(vmovn_s32(f.requantize(low[r])), vmovn_s32(f.requantize(high[r])));
    store_bytes(y + r * out_w, vqmovun_s16(words), count);
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
      const int64_t start = end - first < kLanes ? max64(end - kLanes, 0) : first;
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
    rows_.get(x_plane, p_.in_w, p_.in_h, oy * S - p_.pad_top, kRows, static_cast<uint8_t>(p_.x_zero_point), rows);
    uint8_t* y = y_plane + oy * p_.out_w + start;
    const int64_t outputs = end - start;
    if (outputs < kLanes) {  // a row narrower than a tile
      conv_tile<K, S, R>(rows, 0, f, y, p_.out_w, static_cast<int>(outputs));
      return;
    }
    for (int64_t t = 0; t < outputs; t += kLanes) {
      t = min64(t, outputs - kLanes);
      conv_tile<K, S, R>(rows, t * S, f, y + t, p_.out_w, kLanes);
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

void q8_dwconv_neon(const Q8DepthwiseParams& p, const uint8_t* input, const int8_t* weights, const int32_t* bias,
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
