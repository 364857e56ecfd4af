// AVX2 pooling combine loops (kernels/pool_combine.h): 8 outputs per step. Stride 2 loads 16
// consecutive floats and keeps the even ones (SHUFPS, then VPERMPD to put the halves in order);
// a window line's last vector keeps the odd ones of the 16 starting one float earlier, and lines
// of 8 or fewer outputs load and store through lane masks. The maximum is a compare and a blend
// (VCMPPS greater / unordered, VBLENDVPS), or, on inputs without a NaN, MAXPS (which keeps the
// second operand unless the first is greater: the first of equals, +0 or -0, stays); the sum
// VADDPS: the same bits as the portable loop.
// Also the NaN scan (VCMPPS unordered) and the flat stride-1 pool's passes (pool_taps_f32).
#include <immintrin.h>

#include <limits>

#include "kernels/pool_combine.h"

namespace kite {
namespace {

inline __m256 combine_max(__m256 best, __m256 v) {
  const __m256 take = _mm256_or_ps(_mm256_cmp_ps(v, best, _CMP_GT_OQ), _mm256_cmp_ps(best, best, _CMP_UNORD_Q));
  return _mm256_blendv_ps(best, v, take);
}

template <PoolCombine kOp>
inline __m256 combine(__m256 a, __m256 b) {
  if constexpr (kOp == PoolCombine::kMax) return combine_max(a, b);
  else if constexpr (kOp == PoolCombine::kMaxNoNan) return _mm256_max_ps(b, a);  // b > a ? b : a
  else return _mm256_add_ps(a, b);
}

// src[0], src[2], .., src[14].
inline __m256 load_even(const float* src) {
  const __m256 evens = _mm256_shuffle_ps(_mm256_loadu_ps(src), _mm256_loadu_ps(src + 8), _MM_SHUFFLE(2, 0, 2, 0));
  return _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(evens), _MM_SHUFFLE(3, 1, 2, 0)));
}

template <PoolCombine kOp, int kStride>
void combine_row(float* dst, const float* src, int64_t n) {
  int64_t i = 0;
  // A stride-2 step reads 16 floats for 8 outputs, the last one past the element the window
  // needs: it stops before reading past src[2 (n - 1)].
  const int64_t vector_end = kStride == 1 ? n : n - 1;
  for (; i + 8 <= vector_end; i += 8) {
    const __m256 v = kStride == 1 ? _mm256_loadu_ps(src + i) : load_even(src + 2 * i);
    _mm256_storeu_ps(dst + i, combine<kOp>(_mm256_loadu_ps(dst + i), v));
  }
  if (i < n) f32_pool_combine_generic(kOp, dst + i, src + i * kStride, kStride, n - i);
}

// src[1], src[3], .., src[15].
inline __m256 load_odd(const float* src) {
  const __m256 odds = _mm256_shuffle_ps(_mm256_loadu_ps(src), _mm256_loadu_ps(src + 8), _MM_SHUFFLE(3, 1, 3, 1));
  return _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(odds), _MM_SHUFFLE(3, 1, 2, 0)));
}

// The window of output i: kernel_h rows row_step apart, each of kernel_w floats tap_step apart,
// from the output's start (i * stride); taps combined row by row, in order. A window line is one
// row of taps (a column of them: tap_step = the row length), so that its loop stays one loop.
struct Window2d {
  int64_t kernel_h, kernel_w, row_step, tap_step;
};

// Outputs [i, i + 8) of a window line; with kLast (stride 2), the taps are read as the odd
// elements of the 16 floats starting one before, so that nothing past the line's last needed
// element is read.
template <PoolCombine kOp, int kStride, bool kLast, bool kRows>
inline void window_vector(float* dst, const float* src, const Window2d& w, int64_t i) {
  const int64_t kernel_h = kRows ? w.kernel_h : 1;
  const float* window = src + i * kStride;
  auto load = [](const float* p) {
    if (kStride == 1) return _mm256_loadu_ps(p);
    return kLast ? load_odd(p - 1) : load_even(p);
  };
  __m256 v = load(window);
  for (int64_t ky = 0; ky < kernel_h; ++ky)
    for (int64_t kx = ky == 0 ? 1 : 0; kx < w.kernel_w; ++kx) v = combine<kOp>(v, load(window + ky * w.row_step + kx * w.tap_step));
  _mm256_storeu_ps(dst + i, v);
}

// Lines of at most 8 outputs (7x7 and 14x14 maps): masked loads read only the elements the
// windows reach, and a masked store writes only the n outputs. One by one, the maximum's
// unpredictable branches took most of the time of GoogLeNet's 14x14 -> 7x7 pooling.
template <PoolCombine kOp, int kStride, bool kRows>
void window_short(float* dst, const float* src, const Window2d& w, int64_t n) {
  const int64_t kernel_h = kRows ? w.kernel_h : 1;
  const __m256i lane = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
  // Elements [0, reach) of each tap's stretch are read: n for stride 1, 2n - 1 for stride 2.
  const __m256i reach = _mm256_set1_epi32(static_cast<int>(kStride == 1 ? n : 2 * n - 1));
  const __m256i low = _mm256_cmpgt_epi32(reach, lane);
  const __m256i high = _mm256_cmpgt_epi32(reach, _mm256_add_epi32(lane, _mm256_set1_epi32(8)));
  auto load = [&](const float* p) {
    if (kStride == 1) return _mm256_maskload_ps(p, low);
    const __m256 evens = _mm256_shuffle_ps(_mm256_maskload_ps(p, low), _mm256_maskload_ps(p + 8, high),
                                           _MM_SHUFFLE(2, 0, 2, 0));
    return _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(evens), _MM_SHUFFLE(3, 1, 2, 0)));
  };
  __m256 v = load(src);
  for (int64_t ky = 0; ky < kernel_h; ++ky)
    for (int64_t kx = ky == 0 ? 1 : 0; kx < w.kernel_w; ++kx) v = combine<kOp>(v, load(src + ky * w.row_step + kx * w.tap_step));
  _mm256_maskstore_ps(dst, _mm256_cmpgt_epi32(_mm256_set1_epi32(static_cast<int>(n)), lane), v);
}

// A line's outputs 8 at a time. The last few are the 8 ending at n, computed again where they
// overlap the previous vector (the same values; dst and src do not overlap), instead of going one
// by one: with 55- and 56-wide lines, the one-by-one tail took more time than the vectors.
// kRows: the window has several rows (pool_plane_f32); without, the loop over them is compiled out.
template <PoolCombine kOp, int kStride, bool kRows>
void window_row(float* dst, const float* src, const Window2d& w, int64_t n) {
  // load_even reads one float past the window's last element (see combine_row), and the last
  // vector's load_odd one before the first: n > 8 keeps that inside the line.
  if (n < 8 || (kStride == 2 && n == 8)) return window_short<kOp, kStride, kRows>(dst, src, w, n);
  int64_t i = 0;
  const int64_t vector_end = kStride == 1 ? n : n - 1;
  for (; i + 8 <= vector_end; i += 8) window_vector<kOp, kStride, false, kRows>(dst, src, w, i);
  if (i < n) window_vector<kOp, kStride, kStride == 2, kRows>(dst, src, w, n - 8);
}

// Every output row of a plane (pool_plane_f32), the loops of each row inlined.
template <PoolCombine kOp, int kStride>
void plane_rows(const PoolPlaneWindow& g, const float* x, float* y) {
  const Window2d w{g.kernel_h, g.kernel_w, g.width, 1};
  for (int64_t oh = 0; oh < g.out_h; ++oh) window_row<kOp, kStride, true>(y + oh * g.out_w, x + oh * g.stride_h * g.width, w, g.out_w);
}

template <int kStride>
void plane_of(PoolCombine op, const PoolPlaneWindow& g, const float* x, float* y) {
  if (op == PoolCombine::kMax) plane_rows<PoolCombine::kMax, kStride>(g, x, y);
  else if (op == PoolCombine::kMaxNoNan) plane_rows<PoolCombine::kMaxNoNan, kStride>(g, x, y);
  else plane_rows<PoolCombine::kSum, kStride>(g, x, y);
}

// Eight positions a step, all taps at once: the positions' rooms widened to 32 bits once, then per
// tap compared with its reach. The maximum blends in the tap's value or -inf, then MAXPS (the
// planes hold no NaN; h kept unless the tap is greater, as the portable loop does); the sum masks
// the tap to +0 out of reach, then adds. kBefore / kAfter: the taps fixed at compile time (3x3
// and 5x5 windows, centred), or -1: as given.
template <PoolCombine kOp, int kBefore, int kAfter>
void pool_taps(float* h, const float* src, int64_t step, const uint8_t* room_before, const uint8_t* room_after,
               int64_t before, int64_t after, int64_t n) {
  if constexpr (kBefore >= 0) before = kBefore, after = kAfter;
  const __m256 nothing = _mm256_set1_ps(kOp == PoolCombine::kSum ? 0.f : -std::numeric_limits<float>::infinity());
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const __m256i rooms_before =
        _mm256_cvtepu8_epi32(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(room_before + i)));
    const __m256i rooms_after = _mm256_cvtepu8_epi32(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(room_after + i)));
    __m256 v = nothing;
    for (int64_t d = -before; d <= after; ++d) {
      const __m256 tap = _mm256_loadu_ps(src + i + d * step);
      // room >= reach: room > reach - 1
      const __m256i below = _mm256_set1_epi32(static_cast<int>(d < 0 ? -d : d) - 1);
      const __m256 inside = _mm256_castsi256_ps(_mm256_cmpgt_epi32(d < 0 ? rooms_before : rooms_after, below));
      if constexpr (kOp == PoolCombine::kSum) v = _mm256_add_ps(v, d == 0 ? tap : _mm256_and_ps(tap, inside));
      else v = _mm256_max_ps(d == 0 ? tap : _mm256_blendv_ps(nothing, tap, inside), v);
    }
    _mm256_storeu_ps(h + i, v);
  }
  f32_pool_taps_generic(kOp, h + i, src + i, step, room_before + i, room_after + i, before, after, n - i);
}

template <PoolCombine kOp>
void pool_taps_of(float* h, const float* src, int64_t step, const uint8_t* room_before, const uint8_t* room_after,
                  int64_t before, int64_t after, int64_t n) {
  if (before == 1 && after == 1) pool_taps<kOp, 1, 1>(h, src, step, room_before, room_after, before, after, n);
  else if (before == 2 && after == 2) pool_taps<kOp, 2, 2>(h, src, step, room_before, room_after, before, after, n);
  else pool_taps<kOp, -1, -1>(h, src, step, room_before, room_after, before, after, n);
}

}  // namespace

void f32_pool_taps_avx2(PoolCombine op, float* h, const float* src, int64_t step, const uint8_t* room_before,
                        const uint8_t* room_after, int64_t before, int64_t after, int64_t n) {
  if (op == PoolCombine::kSum) pool_taps_of<PoolCombine::kSum>(h, src, step, room_before, room_after, before, after, n);
  else pool_taps_of<PoolCombine::kMaxNoNan>(h, src, step, room_before, room_after, before, after, n);
}

// Four vectors per step, each compared with itself (unordered: NaN), OR-ed together.
bool f32_has_nan_avx2(const float* x, int64_t n) {
  __m256 nans = _mm256_setzero_ps();
  int64_t i = 0;
  for (; i + 32 <= n; i += 32) {
    const __m256 a = _mm256_loadu_ps(x + i), b = _mm256_loadu_ps(x + i + 8);
    const __m256 c = _mm256_loadu_ps(x + i + 16), d = _mm256_loadu_ps(x + i + 24);
    nans = _mm256_or_ps(nans, _mm256_or_ps(_mm256_cmp_ps(a, b, _CMP_UNORD_Q), _mm256_cmp_ps(c, d, _CMP_UNORD_Q)));
  }
  for (; i + 8 <= n; i += 8) {
    const __m256 a = _mm256_loadu_ps(x + i);
    nans = _mm256_or_ps(nans, _mm256_cmp_ps(a, a, _CMP_UNORD_Q));
  }
  return _mm256_movemask_ps(nans) != 0 || f32_has_nan_generic(x + i, n - i);
}

void f32_pool_window_avx2(PoolCombine op, float* dst, const float* src, int64_t stride, int64_t taps,
                          int64_t tap_step, int64_t n) {
  constexpr PoolCombine kMax = PoolCombine::kMax, kNoNan = PoolCombine::kMaxNoNan, kSum = PoolCombine::kSum;
  const Window2d w{1, taps, 0, tap_step};
  if (stride == 1) {
    if (op == kMax) window_row<kMax, 1, false>(dst, src, w, n);
    else if (op == kNoNan) window_row<kNoNan, 1, false>(dst, src, w, n);
    else window_row<kSum, 1, false>(dst, src, w, n);
  } else if (stride == 2) {
    if (op == kMax) window_row<kMax, 2, false>(dst, src, w, n);
    else if (op == kNoNan) window_row<kNoNan, 2, false>(dst, src, w, n);
    else window_row<kSum, 2, false>(dst, src, w, n);
  } else {
    f32_pool_window_generic(op, dst, src, stride, taps, tap_step, n);
  }
}

void f32_pool_plane_avx2(PoolCombine op, const PoolPlaneWindow& g, const float* x, float* y) {
  if (g.stride_w == 1) plane_of<1>(op, g, x, y);
  else plane_of<2>(op, g, x, y);
}

void f32_pool_combine_avx2(PoolCombine op, float* dst, const float* src, int64_t stride, int64_t n) {
  constexpr PoolCombine kMax = PoolCombine::kMax, kNoNan = PoolCombine::kMaxNoNan, kSum = PoolCombine::kSum;
  if (stride == 1) {
    if (op == kMax) combine_row<kMax, 1>(dst, src, n);
    else if (op == kNoNan) combine_row<kNoNan, 1>(dst, src, n);
    else combine_row<kSum, 1>(dst, src, n);
  } else if (stride == 2) {
    if (op == kMax) combine_row<kMax, 2>(dst, src, n);
    else if (op == kNoNan) combine_row<kNoNan, 2>(dst, src, n);
    else combine_row<kSum, 2>(dst, src, n);
  } else {
    f32_pool_combine_generic(op, dst, src, stride, n);
  }
}

}  // namespace kite
