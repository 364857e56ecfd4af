// AVX2 uint8 max pooling for the two common windows, 3x3 and 2x2 with stride 2; stride 1 goes to the
// flat portable kernel (u8_maxpool_stride1) with this file's versions of its inner loops,
// everything else to the portable one.
//
// Per output row, the window's rows that lie inside the input are reduced with vpmaxub into one
// row of column maxima, written into a buffer between zeros standing for the left and right
// padding. Zero is the lowest uint8 value, so a zero tap changes no maximum (and a window of
// padding alone gives 0, as the contract says). Then, for 16 outputs, one 32-byte load at the
// columns 2j.. gives each output's first two taps as the two bytes of a 16-bit lane: a 16-bit
// shift right brings the second onto the first, a load two bytes further gives the third tap, and
// the even bytes, packed, are the outputs. A row's last 16 outputs are shifted left to end at the
// row's end, overlapping their neighbours (the same bytes again).
//
// This file alone is compiled with -mavx2 -mfma, so it instantiates nothing shared with other
// files (no standard library templates, no inline functions with external linkage).
#include <immintrin.h>

#include <cstdint>

#include "kernels/q8_pool_kernels.h"

namespace kite {
namespace {

constexpr int kTile = 16;  // outputs per step
// Column-maximum rows up to this length (with the padding) stay on the stack; wider ones go to
// the portable kernel.
constexpr int64_t kBufferCapacity = 4096;

int64_t min64(int64_t a, int64_t b) { return a < b ? a : b; }
int64_t max64(int64_t a, int64_t b) { return a > b ? a : b; }

__m256i load32(const uint8_t* p) { return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p)); }

__m128i load16(const uint8_t* p) { return _mm_loadu_si128(reinterpret_cast<const __m128i*>(p)); }

// column_maxima of rows shorter than 16 bytes, read 16 bytes at a time (the caller has checked
// that they can be): out[n .. 16) is written too, and the caller restores it. GoogLeNet's 14x14
// -> 7x7 pooling of 832 channels took 0.1 ms byte by byte.
void short_column_maxima(const uint8_t* const* rows, int count, uint8_t* out) {
  __m128i m = _mm_setzero_si128();
  for (int r = 0; r < count; ++r) m = _mm_max_epu8(m, load16(rows[r]));
  _mm_storeu_si128(reinterpret_cast<__m128i*>(out), m);
}

// out[u] = max over rows[0..count) of rows[r][u] for u in [0, n), 0 when count is 0.
void column_maxima(const uint8_t* const* rows, int count, int64_t n, uint8_t* out) {
  if (n >= 16 && n < 32) {
    // Rows of 16 to 31 inputs (a 28-wide map pooled to 14): the first and the last 16, overlapping.
    // Byte by byte, GoogLeNet's 28x28 -> 14x14 pooling took 0.2 ms.
    for (int part = 0; part < 2; ++part) {
      const int64_t u = part == 0 ? 0 : n - 16;
      __m128i m = _mm_setzero_si128();
      for (int r = 0; r < count; ++r) m = _mm_max_epu8(m, load16(rows[r] + u));
      _mm_storeu_si128(reinterpret_cast<__m128i*>(out + u), m);
    }
    return;
  }
  if (n < 16) {
    for (int64_t u = 0; u < n; ++u) {
      uint8_t m = 0;
      for (int r = 0; r < count; ++r) m = rows[r][u] > m ? rows[r][u] : m;
      out[u] = m;
    }
    return;
  }
  for (int64_t u = 0; u < n; u += 32) {
    u = min64(u, n - 32);  // the last load overlaps its neighbour instead of reading past the row
    __m256i m = _mm256_setzero_si256();
    for (int r = 0; r < count; ++r) m = _mm256_max_epu8(m, load32(rows[r] + u));
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(out + u), m);
  }
}

// 16 outputs of stride 2 from the column maxima starting at the first one's first tap.
template <int K>
__m128i pool_tile(const uint8_t* columns) {
  const __m256i v = load32(columns);
  __m256i m = _mm256_max_epu8(v, _mm256_srli_epi16(v, 8));            // even byte 2i: taps 0 and 1 of output i
  if constexpr (K == 3) m = _mm256_max_epu8(m, load32(columns + 2));  // and its tap 2
  const __m256i words = _mm256_and_si256(m, _mm256_set1_epi16(0xff));
  // Per 128-bit half, the pack holds that half's eight outputs twice; keep one copy of each.
  const __m256i packed = _mm256_permute4x64_epi64(_mm256_packus_epi16(words, words), _MM_SHUFFLE(3, 1, 2, 0));
  return _mm256_castsi256_si128(packed);
}

template <int K>
void pool_channels(const Q8PoolParams& p, const uint8_t* x, uint8_t* y, int64_t c_begin, int64_t c_end) {
  // Tile t reads columns [2t, 2t + 34); the last tile starts at out_w - 16 (or 0).
  const int64_t length = 2 * max64(p.out_w, kTile) + 2;
  alignas(32) uint8_t buffer[kBufferCapacity];
  // Padding columns are zero once and for all; each row rewrites the input's columns in between.
  const int64_t inside_begin = min64(p.pad_left, length);  // buffer columns fed by the input
  const int64_t inside_end = min64(p.pad_left + p.in_w, length);
  const int64_t inside = max64(inside_end - inside_begin, 0);
  for (int64_t u = 0; u < inside_begin; ++u) buffer[u] = 0;
  for (int64_t u = inside_begin + inside; u < length; ++u) buffer[u] = 0;
  // Short rows are read and written 16 bytes at a time where that stays inside the input and
  // inside this call's outputs (the bytes past a row's end are rewritten by the rows after it).
  const uint8_t* const x_end = x + p.channels * p.in_h * p.in_w;
  uint8_t* const y_end = y + c_end * p.out_h * p.out_w;
  for (int64_t c = c_begin; c < c_end; ++c) {
    const uint8_t* xc = x + c * p.in_h * p.in_w;
    for (int64_t oy = 0; oy < p.out_h; ++oy) {
      const int64_t top = oy * 2 - p.pad_top;
      const uint8_t* rows[K];
      int count = 0;
      for (int ky = 0; ky < K; ++ky)
        if (top + ky >= 0 && top + ky < p.in_h) rows[count++] = xc + (top + ky) * p.in_w;
      if (inside < kTile && count > 0 && rows[count - 1] + kTile <= x_end && inside_end + kTile <= kBufferCapacity) {
        short_column_maxima(rows, count, buffer + inside_begin);
        _mm_storeu_si128(reinterpret_cast<__m128i*>(buffer + inside_end), _mm_setzero_si128());  // the padding again
      } else {
        column_maxima(rows, count, inside, buffer + inside_begin);
      }
      uint8_t* out = y + (c * p.out_h + oy) * p.out_w;
      if (p.out_w < kTile && out + kTile <= y_end) {
        _mm_storeu_si128(reinterpret_cast<__m128i*>(out), pool_tile<K>(buffer));
        continue;
      }
      if (p.out_w < kTile) {
        alignas(16) uint8_t lanes[kTile];
        _mm_store_si128(reinterpret_cast<__m128i*>(lanes), pool_tile<K>(buffer));
        for (int64_t o = 0; o < p.out_w; ++o) out[o] = lanes[o];
        continue;
      }
      for (int64_t o = 0; o < p.out_w; o += kTile) {
        o = min64(o, p.out_w - kTile);
        _mm_storeu_si128(reinterpret_cast<__m128i*>(out + o), pool_tile<K>(buffer + 2 * o));
      }
    }
  }
}

// U8MaxLoops for the stride-1 kernel, 32 bytes at a time, the last n % 32 bytes one by one.
void max_into_avx2(uint8_t* dst, const uint8_t* src, int64_t n) {
  int64_t i = 0;
  for (; i + 32 <= n; i += 32)
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(dst + i), _mm256_max_epu8(load32(dst + i), load32(src + i)));
  for (; i < n; ++i) dst[i] = src[i] > dst[i] ? src[i] : dst[i];
}

void max_into_where_avx2(uint8_t* dst, const uint8_t* src, const uint8_t* room, uint8_t reach, int64_t n) {
  const __m256i r = _mm256_set1_epi8(static_cast<char>(reach));
  int64_t i = 0;
  for (; i + 32 <= n; i += 32) {
    const __m256i rm = load32(room + i);
    const __m256i keep = _mm256_cmpeq_epi8(_mm256_max_epu8(rm, r), rm);  // room >= reach, unsigned
    const __m256i v = _mm256_and_si256(load32(src + i), keep);
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(dst + i), _mm256_max_epu8(load32(dst + i), v));
  }
  for (; i < n; ++i) {
    const uint8_t v = room[i] >= reach ? src[i] : 0;
    dst[i] = v > dst[i] ? v : dst[i];
  }
}

void max3_where_avx2(uint8_t* dst, const uint8_t* src, const uint8_t* before, const uint8_t* after, int64_t step,
                     int64_t n) {
  const __m256i zero = _mm256_setzero_si256();
  int64_t i = 0;
  for (; i + 32 <= n; i += 32) {
    // A lane's neighbour counts where its room is not 0: andnot with (room == 0).
    const __m256i b = _mm256_andnot_si256(_mm256_cmpeq_epi8(load32(before + i), zero), load32(src + i - step));
    const __m256i a = _mm256_andnot_si256(_mm256_cmpeq_epi8(load32(after + i), zero), load32(src + i + step));
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(dst + i), _mm256_max_epu8(load32(src + i), _mm256_max_epu8(a, b)));
  }
  for (; i < n; ++i) {
    uint8_t m = src[i];
    if (before[i] && src[i - step] > m) m = src[i - step];
    if (after[i] && src[i + step] > m) m = src[i + step];
    dst[i] = m;
  }
}

const U8MaxLoops kStride1Loops{max_into_avx2, max_into_where_avx2, max3_where_avx2};

}  // namespace

void u8_maxpool_avx2(const Q8PoolParams& p, const uint8_t* x, uint8_t* y, int64_t c_begin, int64_t c_end) {
  const bool square_stride_2 = p.kernel_h == p.kernel_w && p.stride_h == 2 && p.stride_w == 2;
  const bool fits = 2 * (p.out_w > kTile ? p.out_w : kTile) + 2 <= kBufferCapacity;
  if (square_stride_2 && fits && p.kernel_w == 3) return pool_channels<3>(p, x, y, c_begin, c_end);
  if (square_stride_2 && fits && p.kernel_w == 2) return pool_channels<2>(p, x, y, c_begin, c_end);
  if (u8_maxpool_stride1_applies(p)) return u8_maxpool_stride1(p, x, y, c_begin, c_end, &kStride1Loops);
  u8_maxpool_generic(p, x, y, c_begin, c_end);
}

}  // namespace kite
