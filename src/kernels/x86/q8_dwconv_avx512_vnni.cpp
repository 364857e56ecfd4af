// AVX-512 quantized depthwise convolution, 3x3 and 5x5 filters, stride 1 and 2, uint8 NCHW, on
// AVX512_VNNI's vpdpbusd: sixteen int32 lanes, each the sum of four u8 x s8 products, in one
// instruction and exact (nothing is summed in int16, so nothing saturates).
//
// A lane's four bytes are four consecutive inputs of a row, multiplied by four consecutive taps
// of a filter row (a quad: taps 0-3, and for 5x5 a second quad, tap 4 and three zero weights).
// The inputs are the raw bytes: the zero point is taken out once per channel, as x_zero_point *
// sum(w) subtracted from the starting sum, and a padding tap reads x_zero_point, which adds
// exactly 0 to the sum, as the contract says.
//
// The flat plane. Per channel, the input is copied once into a plane padded with x_zero_point
// to every row and column the filter reaches, P bytes a row. Then the output may be computed as
// one long row: output (oy, ox) is flat output o = oy * Q + ox, and its taps are at bytes
// S * o + ky * P + kx of the plane, a 1-D convolution. Flat outputs with ox >= OW are computed
// and dropped (K - 1 per row for stride 1), but a 7x7 plane is one tile of 64 outputs instead of
// seven tiles of 7.
//  - Stride 1: Q = P. A tile of 64 outputs is four registers; lane i of register j holds output
//    o + 4i + j, loaded at byte o + j (+ 4 for the second quad, + ky * P per filter row).
//  - Stride 2: rows 2y and 2y + 1 of the padded input go to two planes (even and odd rows), P
//    even and Q = P / 2, so that flat output o reads byte 2o of the plane of row ky and its row
//    ky / 2. Register j (0, 1) holds outputs o + 2i + j, loaded at byte 2o + 2j; registers 2 and
//    3 the next 32 outputs, 64 bytes on.
// Each tile's 64 requantized bytes go to a flat buffer, whole; the output rows are copied out of
// it one channel later (emit_rows). Storing each tile's part of each row straight to the output
// with byte masks measured slower: 117 against 83 us for a 56 x 56 layer of 144 channels.
// The next channel's plane is copied in while this one computes, into a second set of planes:
// loads that read bytes just stored, across more than one store, wait for the stores to reach
// the cache instead of being forwarded from them.
//
// Requantization is kernels/requantize.h's, lane by lane: vcvtdq2ps, vmulps, vmaxps, vminps
// against float(qmin - zero_point) and float(qmax - zero_point), vcvtps2dq (round to nearest even,
// the default rounding mode) and the zero point added; the values are then bytes, gathered into
// output order with shifts (each int32 lane is one output in [0, 255]).
//
// Three tiles are computed at once: twelve independent sums, enough to keep vpdpbusd's latency
// (5 cycles, 2 a cycle) covered.
//
// This file alone is compiled with -mavx512f -mavx512bw -mavx512vnni (and only called when
// cpu_has_avx512_vnni()), so it instantiates nothing shared with other files: no standard
// library templates, no inline functions with external linkage; the linker could otherwise keep
// an AVX-512 copy for callers on any CPU.
#include <immintrin.h>

#include <cstdint>
#include <cstring>

#include "kernels/q8_dwconv_kernels.h"

// GCC 12's avx512fintrin.h starts some intrinsics from a self-initialized _mm512_undefined_*(),
// which -Wmaybe-uninitialized reports once the function is inlined: a false positive.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif

namespace kite {
namespace {

constexpr int64_t kTileOutputs = 64;
constexpr int kTilesAtOnce = 3;
// Bytes past the last plane row that a tile's loads may reach (at most 64 + 8 + 63 beyond the
// last row's start plus the rows it reads), zero-point filled so that every byte read is defined.
constexpr int64_t kPlaneSlack = 256;

int64_t min64(int64_t a, int64_t b) { return a < b ? a : b; }
int64_t max64(int64_t a, int64_t b) { return a > b ? a : b; }

// Where the padded planes of one call are, and how the flat outputs map onto the output.
struct Layout {
  int64_t pitch = 0;        // P: bytes a padded row
  int64_t flat_pitch = 0;   // Q: flat outputs an output row (P for stride 1, P / 2 for stride 2)
  int64_t padded_rows = 0;  // rows of the padded input the outputs read
  int64_t plane_bytes = 0;  // one plane, slack included, a multiple of 64
  int64_t tiles = 0;        // tiles of 64 flat outputs that cover the out_h * Q flat outputs

  explicit Layout(const Q8DepthwiseParams& p) {
    const int64_t K = p.kernel, S = p.stride;
    padded_rows = S * (p.out_h - 1) + K;
    const int64_t width = S * (p.out_w - 1) + K;
    pitch = S == 1 ? width : width + (width & 1);
    flat_pitch = pitch / S;
    const int64_t plane_rows = S == 1 ? padded_rows : (padded_rows + 1) / 2;
    plane_bytes = (plane_rows * pitch + kPlaneSlack + 63) / 64 * 64;
    tiles = (p.out_h * flat_pitch + kTileOutputs - 1) / kTileOutputs;
  }

  int64_t plane_count(const Q8DepthwiseParams& p) const { return p.stride == 1 ? 1 : 2; }
  // Two sets of planes (one channel is loaded while the one before it is computed), then two flat
  // output buffers (one channel's rows are copied out while the next one computes), each the
  // tiles and 64 bytes that emit_rows() may read past them.
  int64_t planes_bytes(const Q8DepthwiseParams& p) const { return plane_count(p) * plane_bytes; }
  int64_t flat_bytes() const { return (tiles + 1) * kTileOutputs; }
  int64_t scratch_bytes(const Q8DepthwiseParams& p) const { return 2 * (planes_bytes(p) + flat_bytes()); }
};

// The lowest n bits set, n in [0, 64].
__mmask64 low_bits(int64_t n) { return n >= 64 ? ~__mmask64{0} : (__mmask64{1} << n) - 1; }

// dst[0, n) = src[0, n), in 64-byte pieces, the last one masked (reads nothing past src + n).
void copy_row(const uint8_t* src, int64_t n, uint8_t* dst) {
  int64_t i = 0;
  for (; i + 64 <= n; i += 64) _mm512_storeu_si512(dst + i, _mm512_loadu_si512(src + i));
  if (i < n) {
    const __mmask64 m = low_bits(n - i);
    _mm512_mask_storeu_epi8(dst + i, m, _mm512_maskz_loadu_epi8(m, src + i));
  }
}

// The padded planes of one call, in the caller's scratch, in two sets: channel c + 1 is copied into
// one while channel c is computed from the other, so that the compute's loads never wait for the
// copy's stores (a load that spans stores still in flight is not forwarded: it waits for them to
// reach the cache). Both sets are filled with x_zero_point once; each channel's input rows are
// copied over the same places (the padding is the same for every channel).
class Planes {
 public:
  Planes(const Q8DepthwiseParams& p, const Layout& l, uint8_t* scratch) : p_(p), l_(l), bytes_(scratch) {
    std::memset(bytes_, p.x_zero_point, static_cast<size_t>(2 * l.planes_bytes(p)));
    // A padded row holds input columns [0, cols_), from byte pad_left on.
    cols_ = max64(min64(p.in_w, l.pitch - p.pad_left), 0);
  }

  // The channel plane x into set `set`.
  void load(int set, const uint8_t* x) {
    if (cols_ == 0) return;
    const int64_t last = min64(p_.in_h, l_.padded_rows - p_.pad_top);
    for (int64_t iy = 0; iy < last; ++iy)
      copy_row(x + iy * p_.in_w, cols_, row(set, iy + p_.pad_top) + p_.pad_left);
  }

  // Padded row r of set `set`: for stride 2, even rows in the first plane and odd rows in the second.
  const uint8_t* row(int set, int64_t r) const { return const_cast<Planes*>(this)->row(set, r); }

 private:
  uint8_t* row(int set, int64_t r) {
    uint8_t* planes = bytes_ + set * l_.planes_bytes(p_);
    if (p_.stride == 1) return planes + r * l_.pitch;
    return planes + (r & 1) * l_.plane_bytes + (r >> 1) * l_.pitch;
  }

  const Q8DepthwiseParams& p_;
  const Layout& l_;
  uint8_t* bytes_ = nullptr;
  int64_t cols_ = 0;
};

// One channel's filter as quads, and its requantization constants.
template <int K>
struct Filter {
  static constexpr int kQuads = (K + 3) / 4;
  int32_t quads[K][kQuads];  // filter row ky, taps 4q .. 4q + 3 as four int8 (0 past K)
  __m512i start;             // bias - x_zero_point * sum(w)
  __m512 scale, lo, hi;      // lo, hi: float(qmin - zero_point), float(qmax - zero_point)
  __m512i zero_point;

  Filter(const Q8DepthwiseParams& p, const int8_t* w, int32_t bias, float s)
      : scale(_mm512_set1_ps(s)),
        lo(_mm512_set1_ps(static_cast<float>(p.qmin - p.y_zero_point))),
        hi(_mm512_set1_ps(static_cast<float>(p.qmax - p.y_zero_point))),
        zero_point(_mm512_set1_epi32(p.y_zero_point)) {
    int32_t sum = 0;
    for (int ky = 0; ky < K; ++ky)
      for (int q = 0; q < kQuads; ++q) {
        uint32_t packed = 0;
        for (int h = 0; h < 4; ++h) {
          const int kx = 4 * q + h;
          const int8_t v = kx < K ? w[ky * K + kx] : 0;
          sum += v;
          packed |= static_cast<uint32_t>(static_cast<uint8_t>(v)) << (8 * h);
        }
        quads[ky][q] = static_cast<int32_t>(packed);
      }
    // |x_zero_point * sum| <= 255 * 25 * 128: with the bias's bound, the start fits an int32.
    start = _mm512_set1_epi32(bias - p.x_zero_point * sum);
  }

  __m512i requantize(__m512i acc) const {
    __m512 y = _mm512_mul_ps(_mm512_cvtepi32_ps(acc), scale);
    y = _mm512_min_ps(_mm512_max_ps(y, lo), hi);
    return _mm512_add_epi32(_mm512_cvtps_epi32(y), zero_point);
  }
};

// The 64 outputs of a tile in flat order, from its four requantized registers (see the top).
template <int S>
__m512i to_bytes(__m512i r0, __m512i r1, __m512i r2, __m512i r3) {
  if constexpr (S == 1) {
    // Lane i of register j is output 4i + j: byte j of the lane.
    const __m512i low = _mm512_or_si512(r0, _mm512_slli_epi32(r1, 8));
    return _mm512_ternarylogic_epi32(low, _mm512_slli_epi32(r2, 16), _mm512_slli_epi32(r3, 24), 0xFE);
  } else {
    // Lane i of register j (0, 1) is output 2i + j: a 16-bit pair per lane, narrowed to words.
    const __m256i first = _mm512_cvtepi32_epi16(_mm512_or_si512(r0, _mm512_slli_epi32(r1, 8)));
    const __m256i second = _mm512_cvtepi32_epi16(_mm512_or_si512(r2, _mm512_slli_epi32(r3, 8)));
    return _mm512_inserti64x4(_mm512_castsi256_si512(first), second, 1);
  }
}

// One channel's output rows from its flat outputs: row oy is flat[oy * Q, oy * Q + OW). Rows go
// in order in whole 64-byte stores, each free to spill past its row into the next ones, which are
// stored after it; only a store that would pass the channel's last output is masked.
void emit_rows(const uint8_t* flat, const Q8DepthwiseParams& p, const Layout& l, uint8_t* y) {
  const int64_t end = p.out_h * p.out_w;
  for (int64_t oy = 0; oy < p.out_h; ++oy) {
    const uint8_t* src = flat + oy * l.flat_pitch;
    const int64_t row = oy * p.out_w;
    for (int64_t i = 0; i < p.out_w; i += kTileOutputs) {
      const __m512i v = _mm512_loadu_si512(src + i);
      if (row + i + kTileOutputs <= end) {
        _mm512_storeu_si512(y + row + i, v);
      } else {
        _mm512_mask_storeu_epi8(y + row + i, low_bits(min64(p.out_w - i, kTileOutputs)), v);
      }
    }
  }
}

// T tiles from flat output o on.
template <int K, int S, int T>
void conv_tiles(const Planes& planes, int set, const Filter<K>& f, int64_t o, uint8_t* flat) {
  __m512i acc[T][4];
  for (int t = 0; t < T; ++t)
    for (int j = 0; j < 4; ++j) acc[t][j] = f.start;
#pragma GCC unroll 5
  for (int ky = 0; ky < K; ++ky) {
    // Stride 1: filter row ky reads padded row oy + ky, which is ky * P bytes on in the flat
    // plane. Stride 2: padded row 2 oy + ky, in plane ky & 1 at plane row oy + ky / 2.
    const uint8_t* base = planes.row(set, ky) + S * o;
#pragma GCC unroll 2
    for (int q = 0; q < Filter<K>::kQuads; ++q) {
      const __m512i w = _mm512_set1_epi32(f.quads[ky][q]);
#pragma GCC unroll 3
      for (int t = 0; t < T; ++t)
#pragma GCC unroll 4
        for (int j = 0; j < 4; ++j) {
          const int64_t offset = S == 1 ? t * kTileOutputs + j + 4 * q
                                        : 2 * t * kTileOutputs + 2 * (j & 1) + 64 * (j >> 1) + 4 * q;
          acc[t][j] = _mm512_dpbusd_epi32(acc[t][j], _mm512_loadu_si512(base + offset), w);
        }
    }
  }
  for (int t = 0; t < T; ++t) {
    const __m512i bytes = to_bytes<S>(f.requantize(acc[t][0]), f.requantize(acc[t][1]), f.requantize(acc[t][2]),
                                      f.requantize(acc[t][3]));
    _mm512_storeu_si512(flat + o + t * kTileOutputs, bytes);
  }
}

template <int K, int S>
void conv_channels(const Q8DepthwiseParams& p, const uint8_t* input, const int8_t* weights, const int32_t* bias,
                   const float* scale, uint8_t* output, int64_t c_begin, int64_t c_end, uint8_t* scratch) {
  if (c_begin >= c_end) return;
  const Layout l(p);
  Planes planes(p, l, scratch);
  uint8_t* const flat[2] = {scratch + 2 * l.planes_bytes(p), scratch + 2 * l.planes_bytes(p) + l.flat_bytes()};
  const int64_t out_plane = p.out_h * p.out_w;
  planes.load(0, input + c_begin * p.in_h * p.in_w);
  for (int64_t c = c_begin; c < c_end; ++c) {
    const int set = static_cast<int>((c - c_begin) & 1);
    if (c + 1 < c_end) planes.load(set ^ 1, input + (c + 1) * p.in_h * p.in_w);
    const Filter<K> f(p, weights + c * K * K, bias ? bias[c] : 0, scale[c]);
    int64_t t = 0;
    for (; t + kTilesAtOnce <= l.tiles; t += kTilesAtOnce)
      conv_tiles<K, S, kTilesAtOnce>(planes, set, f, t * kTileOutputs, flat[set]);
    for (; t < l.tiles; ++t) conv_tiles<K, S, 1>(planes, set, f, t * kTileOutputs, flat[set]);
    // The channel before this one: its tiles' stores have long reached the cache.
    if (c > c_begin) emit_rows(flat[set ^ 1], p, l, output + (c - 1) * out_plane);
  }
  emit_rows(flat[(c_end - 1 - c_begin) & 1], p, l, output + (c_end - 1) * out_plane);
}

}  // namespace

int64_t q8_dwconv_avx512_scratch_bytes(const Q8DepthwiseParams& p) { return Layout(p).scratch_bytes(p); }

void q8_dwconv_avx512(const Q8DepthwiseParams& p, const uint8_t* input, const int8_t* weights, const int32_t* bias,
                      const float* scale, uint8_t* output, int64_t c_begin, int64_t c_end, uint8_t* scratch) {
  switch (p.kernel * 10 + p.stride) {  // depthwise_conv_q8 accepts no other
    case 31:
      return conv_channels<3, 1>(p, input, weights, bias, scale, output, c_begin, c_end, scratch);
    case 32:
      return conv_channels<3, 2>(p, input, weights, bias, scale, output, c_begin, c_end, scratch);
    case 51:
      return conv_channels<5, 1>(p, input, weights, bias, scale, output, c_begin, c_end, scratch);
    case 52:
      return conv_channels<5, 2>(p, input, weights, bias, scale, output, c_begin, c_end, scratch);
  }
}

}  // namespace kite
