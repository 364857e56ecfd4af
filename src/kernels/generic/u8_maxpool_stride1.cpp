// uint8 max pooling of stride 1 with output rows as wide as the input's (GoogLeNet's 3x3 pooling
// branches, YOLO's SPP 5x5 / 9x9 / 13x13): each pass runs over a whole plane as one flat array,
// not row by row, so the loops stay long on the small planes (28x28, 14x14, 7x7) these layers
// have, where a row-by-row kernel spends its time on row ends.
//
// Separable. Horizontal: H[i] = max over the window's columns of x[i + d], d in [-pad_left,
// kernel_w - 1 - pad_left], computed for the whole plane at once, one pass per tap. A tap that
// would cross a row end reads a neighbouring row's byte; it counts as 0 there (each position's
// room to the row's left and right end, computed once per call, against the tap's distance),
// which changes no maximum. Only the few positions at
// the plane's two ends, where a tap would read outside the plane, are done one by one. Vertical:
// each output row is the maximum of the H rows inside the input, and a tap's rows form one
// contiguous range of the plane, so it too is one flat pass per tap. Starting from 0, the lowest
// uint8 value, changes no maximum and gives 0 to a window of padding alone, as the contract says.
// Where the output plane is the input's size, a block of channels' planes is one flat array, the
// vertical taps tested against each position's rows above and below in its plane, and the
// centred 3x3 window takes each direction in one pass of its three taps (max3_where).
//
// Plain loops over consecutive bytes, which the compiler vectorizes for the baseline ISA (SSE2 on
// x86-64, NEON on AArch64); the AVX2 kernel passes its own versions of the inner loops
// (U8MaxLoops), twice as wide. GoogLeNet's pooling branches (kite_bench_q8 --benchmark_filter=
// max_pool, one thread): 256x28x28 32 -> 20 us, 512x14x14 26 -> 11 us, 832x7x7 54 -> 5 us
// against a pass per tap and channel.
#include <algorithm>
#include <vector>

#include "kernels/q8_pool_kernels.h"
#include "kernels/stride1_row_rooms.h"

namespace kite {
namespace {

// The bytes of input planes one block of channels holds (see u8_maxpool_stride1).
constexpr int64_t kBlockBytes = 8192;

// dst[i] = max(dst[i], src[i]) for i in [0, n).
void max_into(uint8_t* __restrict dst, const uint8_t* __restrict src, int64_t n) {
  for (int64_t i = 0; i < n; ++i) dst[i] = std::max(dst[i], src[i]);
}

// dst[i] = max(dst[i], src[i]) where room[i] >= reach, for i in [0, n): a tap `reach` columns
// away is inside the row only where the row has that much room on its side.
void max_into_where(uint8_t* __restrict dst, const uint8_t* __restrict src, const uint8_t* __restrict room,
                    uint8_t reach, int64_t n) {
  for (int64_t i = 0; i < n; ++i) {
    // A mask, not a conditional read: src[i] is always inside the plane, and a load that the
    // condition guarded would keep the loop scalar.
    const uint8_t keep = static_cast<uint8_t>(-static_cast<int>(room[i] >= reach));
    dst[i] = std::max(dst[i], static_cast<uint8_t>(src[i] & keep));
  }
}

// dst[i] = max(src[i], before[i] ? src[i - step] : 0, after[i] ? src[i + step] : 0), i in [0, n).
void max3_where(uint8_t* __restrict dst, const uint8_t* __restrict src, const uint8_t* __restrict before,
                const uint8_t* __restrict after, int64_t step, int64_t n) {
  for (int64_t i = 0; i < n; ++i) {
    const uint8_t keep_before = static_cast<uint8_t>(-static_cast<int>(before[i] != 0));
    const uint8_t keep_after = static_cast<uint8_t>(-static_cast<int>(after[i] != 0));
    dst[i] = std::max({src[i], static_cast<uint8_t>(src[i - step] & keep_before),
                       static_cast<uint8_t>(src[i + step] & keep_after)});
  }
}

// out[i] = max(in[i], in[i - step] where before[i], in[i + step] where after[i]) for i in [0, n):
// max3_where on the positions whose both neighbours lie inside [0, n), one by one on the others.
void max3_flat(const U8MaxLoops& loops, const uint8_t* in, const uint8_t* before, const uint8_t* after, int64_t step,
               int64_t n, uint8_t* out) {
  const int64_t begin = std::min(step, n), end = std::max(n - step, begin);
  if (end > begin) loops.max3_where(out + begin, in + begin, before + begin, after + begin, step, end - begin);
  auto one = [&](int64_t i) {
    uint8_t m = in[i];
    if (before[i] && i >= step) m = std::max(m, in[i - step]);
    if (after[i] && i + step < n) m = std::max(m, in[i + step]);
    out[i] = m;
  };
  for (int64_t i = 0; i < begin; ++i) one(i);
  for (int64_t i = end; i < n; ++i) one(i);
}

}  // namespace

bool u8_maxpool_stride1_applies(const Q8PoolParams& p) {
  return p.stride_h == 1 && p.stride_w == 1 && p.out_w == p.in_w && p.pad_left < p.kernel_w &&
         p.kernel_w <= kStride1MaxWindow && p.kernel_h <= kStride1MaxWindow;
}

void u8_maxpool_stride1(const Q8PoolParams& p, const uint8_t* x, uint8_t* y, int64_t c_begin, int64_t c_end,
                        const U8MaxLoops* loops) {
  const U8MaxLoops portable{max_into, max_into_where, max3_where};
  if (!loops) loops = &portable;
  if (c_begin >= c_end) return;
  const int64_t in_h = p.in_h, width = p.in_w, out_h = p.out_h;
  const int64_t left = p.pad_left, right = p.kernel_w - 1 - p.pad_left;  // taps d in [-left, right]
  const int64_t in_plane = in_h * width, out_plane = out_h * width;
  // Where the output plane is the input's size, the planes of a block of channels are one flat
  // array for the vertical passes too: a row tap counts where the position's row has that many
  // rows above or below it in its plane (the rooms again, per row). On 7x7 planes a pass per
  // channel was mostly loop ends: 832 channels took 49 us. Blocks of about 8 KiB stay in L1.
  // (A pad_top of kernel_h or more keeps out_h == in_h possible with taps farther than the rooms'
  // clamp: those take a plane at a time.)
  const bool flat_rows = out_h == in_h && p.pad_top < p.kernel_h;
  const int64_t block = flat_rows ? std::max<int64_t>(1, kBlockBytes / in_plane) : 1;
  const int64_t block_plane = std::min(block, c_end - c_begin) * in_plane;
  // The row maxima H; then, per position, the columns its row has to the left and to the right
  // (kernels/stride1_row_rooms.h) and the rows above and below it, against which each tap's
  // distance is compared.
  std::vector<uint8_t> scratch(static_cast<size_t>(5 * block_plane));
  uint8_t* h = scratch.data();
  uint8_t* room_left = h + block_plane;
  uint8_t* room_right = room_left + block_plane;
  uint8_t* room_up = room_right + block_plane;
  uint8_t* room_down = room_up + block_plane;
  fill_row_rooms(block_plane / width, width, room_left, room_right);
  if (flat_rows) fill_plane_rooms(in_h, width, block_plane, room_up, room_down);
  // The 3x3 window centred (GoogLeNet's pooling branches): each direction in one pass of 3 taps.
  const bool centred_3x3 = flat_rows && p.kernel_h == 3 && p.kernel_w == 3 && p.pad_top == 1 && p.pad_left == 1;
  for (int64_t c0 = c_begin; c0 < c_end; c0 += block) {
    const int64_t channels = std::min(block, c_end - c0), n = channels * in_plane;
    const uint8_t* xc = x + c0 * in_plane;
    uint8_t* yc = y + c0 * out_plane;
    if (centred_3x3) {
      max3_flat(*loops, xc, room_left, room_right, 1, n, h);
      max3_flat(*loops, h, room_up, room_down, width, n, yc);
      continue;
    }
    // Positions [flat_begin, flat_end) read only inside the block's planes.
    const int64_t flat_begin = std::min(left, n), flat_end = std::max(n - right, flat_begin);
    std::copy(xc, xc + n, h);  // tap 0, inside the row for every column
    for (int64_t d = -left; d <= right && flat_end > flat_begin; ++d) {
      if (d == 0) continue;
      const uint8_t* room = (d < 0 ? room_left : room_right) + flat_begin;
      loops->max_into_where(h + flat_begin, xc + flat_begin + d, room, static_cast<uint8_t>(d < 0 ? -d : d),
                            flat_end - flat_begin);
    }
    auto clipped = [&](int64_t i) {  // one position, its window clipped to its row
      const int64_t row_start = i - i % width;
      for (int64_t ix = std::max(i - left, row_start); ix <= std::min(i + right, row_start + width - 1); ++ix)
        h[i] = std::max(h[i], xc[ix]);
    };
    for (int64_t i = 0; i < flat_begin; ++i) clipped(i);
    for (int64_t i = flat_end; i < n; ++i) clipped(i);
    // Vertical: output row oy takes H rows oy + ky - pad_top inside the input; the block's planes
    // at once where the rows are flat (blocks are of one channel where not).
    std::fill(yc, yc + channels * out_plane, uint8_t{0});
    for (int64_t ky = 0; ky < p.kernel_h; ++ky) {
      const int64_t shift = ky - p.pad_top;  // output row oy reads H row oy + shift
      if (!flat_rows) {
        const int64_t oy_begin = std::max<int64_t>(0, -shift), oy_end = std::min(out_h, in_h - shift);
        if (oy_end > oy_begin)
          loops->max_into(yc + oy_begin * width, h + (oy_begin + shift) * width, (oy_end - oy_begin) * width);
        continue;
      }
      const int64_t reach = shift < 0 ? -shift : shift;
      if (reach >= in_h) continue;
      const int64_t begin = shift < 0 ? reach * width : 0, end = n - (shift > 0 ? reach * width : 0);
      if (shift == 0) loops->max_into(yc, h, n);
      else loops->max_into_where(yc + begin, h + begin + shift * width, (shift < 0 ? room_up : room_down) + begin,
                                 static_cast<uint8_t>(reach), end - begin);
    }
  }
}

}  // namespace kite
