// AVX-512 window lines and whole planes of 2-D pooling (kernels/pool_combine.h: pool_window_f32,
// pool_window_max_checked_f32 and pool_plane_f32), 16 outputs per step, strides 1 and 2; and
// the flat stride-1 pool's passes (pool_taps_f32).
//
// Stride 2 reads each pair of taps (t, t + 1) as 32 consecutive floats and splits them into the
// even and the odd ones with one VPERMT2PS each, where AVX2 needs two shuffles per tap for 8
// outputs: the large stride-2 max pools (SqueezeNet's 111x111, the ResNet and GoogLeNet stems,
// Inception v3's 147x147) spent most of their time in those shuffles. The last step of a line
// loads through lane masks, so nothing past the windows' last element is read.
//
// The combines are those of the AVX2 and portable loops, in the same order (the first tap, then
// the others one by one), so the bits are the same: the maximum keeps its running value unless the
// tap is greater (MAXPS with the tap first), or, for kMax, compares and blends so that a NaN so far
// is replaced; the sum adds.
#include <immintrin.h>

#include <limits>

#include "kernels/pool_combine.h"
#include "kernels/x86/avx512_lanes.h"

namespace kite {
namespace {

template <PoolCombine kOp>
inline __m512 combine(__m512 acc, __m512 v) {
  if constexpr (kOp == PoolCombine::kMax) {
    const __mmask16 take = _mm512_cmp_ps_mask(v, acc, _CMP_GT_OQ) | _mm512_cmp_ps_mask(acc, acc, _CMP_UNORD_Q);
    return _mm512_mask_blend_ps(take, acc, v);
  } else if constexpr (kOp == PoolCombine::kMaxNoNan) {
    return _mm512_maskz_max_ps(kAllLanes, v, acc);  // v > acc ? v : acc
  } else {
    return _mm512_maskz_add_ps(kAllLanes, acc, v);
  }
}

// The windows: `rows` rows row_step apart (1 for a window line), each of `taps` taps tap_step
// apart. kTaps: the taps fixed at compile time (3: the 3x3 windows), or 0: as given.
struct Window {
  int64_t rows, row_step, taps, tap_step;
};

// The taps of one window row combined into acc (the first tap of the first row starts it).
// With kCheck, `nans` gathers the lanes of the taps read that hold a NaN (two taps a compare).
template <PoolCombine kOp, bool kCheck>
inline void combine_row(__m512& acc, bool first_row, __m512 first, const float* src, int64_t taps, int64_t tap_step,
                        __mmask16 lanes, __mmask16& nans) {
  acc = first_row ? first : combine<kOp>(acc, first);
  __m512 previous = first;
  for (int64_t t = 1; t < taps; ++t) {
    const __m512 v = _mm512_maskz_loadu_ps(lanes, src + t * tap_step);
    if constexpr (kCheck) {
      if (t % 2 == 1) nans |= _mm512_cmp_ps_mask(previous, v, _CMP_UNORD_Q);
      previous = v;
    }
    acc = combine<kOp>(acc, v);
  }
  if constexpr (kCheck) {
    if (taps % 2 == 1) nans |= _mm512_cmp_ps_mask(previous, previous, _CMP_UNORD_Q);
  }
}

// 16 outputs of stride 1 from src, each tap's load through `lanes`.
template <PoolCombine kOp, bool kCheck, int kTaps, bool kRows>
inline __m512 stride1_step(const float* src, const Window& w, __mmask16 lanes, __mmask16& nans) {
  const int64_t taps = kTaps > 0 ? kTaps : w.taps, rows = kRows ? w.rows : 1;
  __m512 acc = _mm512_setzero_ps();
  for (int64_t r = 0; r < rows; ++r) {
    const float* row = src + r * w.row_step;
    combine_row<kOp, kCheck>(acc, r == 0, _mm512_maskz_loadu_ps(lanes, row), row, taps, w.tap_step, lanes, nans);
  }
  return acc;
}

// 16 outputs of stride 2, the windows' taps consecutive along a row (tap_step 1): tap t of output j
// is row[2j + t]. A pair of taps (t even, t + 1) is read as the 32 floats from row + t, of which
// output j's taps are elements 2j and 2j + 1. With kTail, only the elements that the first `live`
// outputs need are loaded (2 live - 1 of them, or 2 live where the odd tap exists); without, all
// 32, which the caller keeps inside the rows.
template <PoolCombine kOp, bool kCheck, int kTaps, bool kRows, bool kTail>
inline __m512 stride2_step(const float* src, const Window& w, int64_t live, __mmask16& nans) {
  const int64_t taps = kTaps > 0 ? kTaps : w.taps, rows = kRows ? w.rows : 1;
  const __m512i evens = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
  const __m512i odds = _mm512_setr_epi32(1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29, 31);
  __m512 acc = _mm512_setzero_ps();
  for (int64_t r = 0; r < rows; ++r) {
    const float* row = src + r * w.row_step;
    for (int64_t t = 0; t < taps; t += 2) {
      const bool has_odd = t + 1 < taps;
      __m512 lo, hi;
      if constexpr (kTail) {
        const int64_t reach = 2 * live - (has_odd ? 0 : 1);
        lo = _mm512_maskz_loadu_ps(first_lanes(reach), row + t);
        // (no address formed past the row where the step needs no second half)
        hi = reach > 16 ? _mm512_maskz_loadu_ps(first_lanes(reach - 16), row + t + 16) : _mm512_setzero_ps();
      } else {
        lo = _mm512_loadu_ps(row + t);
        hi = _mm512_loadu_ps(row + t + 16);
      }
      if constexpr (kCheck) nans |= _mm512_cmp_ps_mask(lo, hi, _CMP_UNORD_Q);
      const __m512 even = _mm512_permutex2var_ps(lo, evens, hi);
      acc = r == 0 && t == 0 ? even : combine<kOp>(acc, even);
      if (has_odd) acc = combine<kOp>(acc, _mm512_permutex2var_ps(lo, odds, hi));
    }
  }
  return acc;
}

// A line of n outputs; with kCheck, returns whether an element read was a NaN. Whole steps while
// more outputs follow (a stride-2 step's 32 floats then stay inside the rows: the next output's
// first tap lies past them), the last through lane masks. The stride-2 loop prefetches the input
// 2 KiB ahead: the large pools read their planes from beyond L2 (SqueezeNet's 64 x 111 x 111
// pool 0.26 -> 0.23 ms in the network); a prefetch past the plane's end never faults.
template <PoolCombine kOp, bool kCheck, int kTaps, bool kRows>
bool window_line(float* dst, const float* src, int64_t stride, const Window& w, int64_t n) {
  __mmask16 nans = 0;
  int64_t i = 0;
  if (stride == 1) {
    for (; i + 16 < n; i += 16)
      _mm512_storeu_ps(dst + i, stride1_step<kOp, kCheck, kTaps, kRows>(src + i, w, kAllLanes, nans));
    const __mmask16 lanes = first_lanes(n - i);
    _mm512_mask_storeu_ps(dst + i, lanes, stride1_step<kOp, kCheck, kTaps, kRows>(src + i, w, lanes, nans));
  } else {
    for (; i + 16 < n; i += 16) {
      _mm_prefetch(reinterpret_cast<const char*>(src + 2 * i + 512), _MM_HINT_T0);
      _mm_prefetch(reinterpret_cast<const char*>(src + 2 * i + 528), _MM_HINT_T0);
      _mm512_storeu_ps(dst + i, stride2_step<kOp, kCheck, kTaps, kRows, false>(src + 2 * i, w, 16, nans));
    }
    _mm512_mask_storeu_ps(dst + i, first_lanes(n - i),
                          stride2_step<kOp, kCheck, kTaps, kRows, true>(src + 2 * i, w, n - i, nans));
  }
  return nans != 0;
}

template <PoolCombine kOp, bool kCheck, bool kRows>
bool window_line_of(float* dst, const float* src, int64_t stride, const Window& w, int64_t n) {
  if (w.taps == 3) return window_line<kOp, kCheck, 3, kRows>(dst, src, stride, w, n);
  return window_line<kOp, kCheck, 0, kRows>(dst, src, stride, w, n);
}

template <PoolCombine kOp>
void line(float* dst, const float* src, int64_t stride, const Window& w, int64_t n) {
  window_line_of<kOp, false, false>(dst, src, stride, w, n);
}

template <PoolCombine kOp>
void plane(const PoolPlaneWindow& g, const float* x, float* y) {
  const Window w{g.kernel_h, g.width, g.kernel_w, 1};
  for (int64_t oh = 0; oh < g.out_h; ++oh)
    window_line_of<kOp, false, true>(y + oh * g.out_w, x + oh * g.stride_h * g.width, g.stride_w, w, g.out_w);
}

// The flat stride-1 pool's passes (pool_taps_f32), 16 positions a step: the positions' rooms
// widened to 32 bits once, then per tap compared with its reach into a lane mask; the maximum
// takes the tap where it is in reach and greater (masked MAXPS with the tap first, the running
// value kept elsewhere), the sum adds it where it is in reach. The same bits as the AVX2 loop,
// which blends in -inf or masks the tap to +0 instead: -inf never wins, and the sum, starting from
// +0, is never -0, so adding +0 changes nothing. kBefore / kAfter: the taps fixed at compile time
// (3x3 and 5x5 windows, centred), or -1: as given. The last positions go to the portable loop.
// GoogLeNet's nine 3x3 stride-1 max pools (kite run --profile, 1 thread): 0.49-0.56 -> 0.42 ms;
// Inception v3's average pools, bound by their loads and stores, unchanged.
template <PoolCombine kOp, int kBefore, int kAfter>
void pool_taps(float* h, const float* src, int64_t step, const uint8_t* room_before, const uint8_t* room_after,
               int64_t before, int64_t after, int64_t n) {
  if constexpr (kBefore >= 0) before = kBefore, after = kAfter;
  int64_t i = 0;
  for (; i + 16 <= n; i += 16) {
    auto widen = [](const uint8_t* rooms) {
      return _mm512_maskz_cvtepu8_epi32(kAllLanes, _mm_loadu_si128(reinterpret_cast<const __m128i*>(rooms)));
    };
    const __m512i rooms_before = widen(room_before + i), rooms_after = widen(room_after + i);
    __m512 v = _mm512_set1_ps(kOp == PoolCombine::kSum ? 0.f : -std::numeric_limits<float>::infinity());
    for (int64_t d = -before; d <= after; ++d) {
      const __m512 tap = _mm512_loadu_ps(src + i + d * step);
      // room >= reach: room > reach - 1
      const __m512i below = _mm512_set1_epi32(static_cast<int>(d < 0 ? -d : d) - 1);
      const __mmask16 inside = d == 0 ? kAllLanes : _mm512_cmpgt_epi32_mask(d < 0 ? rooms_before : rooms_after, below);
      if constexpr (kOp == PoolCombine::kSum) v = _mm512_mask_add_ps(v, inside, v, tap);
      else v = _mm512_mask_max_ps(v, inside, tap, v);
    }
    _mm512_storeu_ps(h + i, v);
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

void f32_pool_window_avx512(PoolCombine op, float* dst, const float* src, int64_t stride, int64_t taps,
                            int64_t tap_step, int64_t n) {
  const Window w{1, 0, taps, tap_step};
  if (op == PoolCombine::kMax) line<PoolCombine::kMax>(dst, src, stride, w, n);
  else if (op == PoolCombine::kMaxNoNan) line<PoolCombine::kMaxNoNan>(dst, src, stride, w, n);
  else line<PoolCombine::kSum>(dst, src, stride, w, n);
}

bool f32_pool_window_max_checked_avx512(float* dst, const float* src, int64_t stride, int64_t taps, int64_t tap_step,
                                        int64_t n) {
  // MAXPS all the way, noting NaNs on the way; a line that held one is done again with kMax
  // (rare: the NaN-free lines cost one compare per pair of taps more than MAXPS alone).
  const Window w{1, 0, taps, tap_step};
  if (!window_line_of<PoolCombine::kMaxNoNan, true, false>(dst, src, stride, w, n)) return false;
  line<PoolCombine::kMax>(dst, src, stride, w, n);
  return true;
}

void f32_pool_plane_avx512(PoolCombine op, const PoolPlaneWindow& g, const float* x, float* y) {
  if (op == PoolCombine::kMax) plane<PoolCombine::kMax>(g, x, y);
  else if (op == PoolCombine::kMaxNoNan) plane<PoolCombine::kMaxNoNan>(g, x, y);
  else plane<PoolCombine::kSum>(g, x, y);
}

void f32_pool_taps_avx512(PoolCombine op, float* h, const float* src, int64_t step, const uint8_t* room_before,
                          const uint8_t* room_after, int64_t before, int64_t after, int64_t n) {
  if (op == PoolCombine::kSum) pool_taps_of<PoolCombine::kSum>(h, src, step, room_before, room_after, before, after, n);
  else pool_taps_of<PoolCombine::kMaxNoNan>(h, src, step, room_before, room_after, before, after, n);
}

}  // namespace kite
