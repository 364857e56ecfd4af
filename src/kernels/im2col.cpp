// im2col, one matrix row (a channel and a kernel tap) at a time, each row in runs of output
// pixels that share an output row: a run is zeros where the tap lies in the padding and a copy
// (memcpy for stride 1, a strided gather otherwise) where it lies in the input, so no element
// tests bounds.
#include "kernels/im2col.h"

#include <algorithm>
#include <cstring>

#include "kernels/output_range.h"

namespace kite {
namespace {

// One kernel tap of one channel: where its input starts.
struct Tap {
  const float* plane;  // the channel's input
  int64_t row_offset;  // ky * DH - PT: input row of output row oy is oy * SH + row_offset
  int64_t col_offset;  // kx * DW - PL
};

// dst[ox - ox_begin] for ox in [ox_begin, ox_end) of output row oy.
void fill_run(const Im2colParams& p, const Tap& tap, int64_t oy, int64_t ox_begin, int64_t ox_end, float* dst) {
  int64_t iy = oy * p.stride_h + tap.row_offset;
  OutputRange inside{0, 0};
  if (iy >= 0 && iy < p.in_h) inside = outputs_inside(p.in_w, p.out_w, p.stride_w, tap.col_offset);
  int64_t begin = std::clamp(inside.begin, ox_begin, ox_end), end = std::clamp(inside.end, begin, ox_end);
  std::fill(dst, dst + (begin - ox_begin), 0.f);
  std::fill(dst + (end - ox_begin), dst + (ox_end - ox_begin), 0.f);
  if (begin == end) return;
  const float* x = tap.plane + iy * p.in_w;  // input of ox is x[ox * SW + col_offset]
  float* out = dst + (begin - ox_begin);
  if (p.stride_w == 1) {
    std::memcpy(out, x + begin + tap.col_offset, static_cast<size_t>(end - begin) * sizeof(float));
  } else {
    for (int64_t ox = begin; ox < end; ++ox) *out++ = x[ox * p.stride_w + tap.col_offset];
  }
}

// The columns [col_begin, col_end) of one matrix row, output row by output row.
void fill_matrix_row(const Im2colParams& p, const Tap& tap, int64_t col_begin, int64_t col_end, float* dst) {
  for (int64_t j = col_begin; j < col_end;) {
    int64_t oy = j / p.out_w, ox = j % p.out_w;
    int64_t run_end = std::min(p.out_w, ox + (col_end - j));
    fill_run(p, tap, oy, ox, run_end, dst + (j - col_begin));
    j += run_end - ox;
  }
}

}  // namespace

void im2col_f32(const Im2colParams& p, const float* input, int64_t col_begin, int64_t col_end, float* columns,
                int64_t row_stride) {
  float* dst = columns;
  for (int64_t c = 0; c < p.channels; ++c)
    for (int64_t ky = 0; ky < p.kernel_h; ++ky)
      for (int64_t kx = 0; kx < p.kernel_w; ++kx, dst += row_stride) {
        Tap tap{input + c * p.in_h * p.in_w, ky * p.dilation_h - p.pad_top, kx * p.dilation_w - p.pad_left};
        fill_matrix_row(p, tap, col_begin, col_end, dst);
      }
}

bool conv_is_pointwise(const Im2colParams& p) {
  return p.kernel_h == 1 && p.kernel_w == 1 && p.stride_h == 1 && p.stride_w == 1 && p.pad_top == 0 &&
         p.pad_left == 0 && p.out_h == p.in_h && p.out_w == p.in_w;
}

}  // namespace kite
