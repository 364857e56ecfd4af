// im2col, one matrix row (a channel and a kernel tap) at a time, each row in runs of output
// pixels that share an output row: a run is zeros where the tap lies in the padding and a copy
// (memcpy for stride 1, a strided gather otherwise) where it lies in the input, so the pixel
// loops test no bounds; only runs of a few pixels go element by element.
#include "kernels/im2col.h"

#include <algorithm>
#include <cstring>

#include "kernels/im2col_run.h"
#include "kernels/output_range.h"

namespace kite {
namespace {

// Where one kernel tap (one matrix row) reads: output pixel (oy, ox) takes input pixel
// (oy * SH + row_offset, ox * SW + col_offset), which lies inside the input for oy in `rows` and
// ox in `cols` (both computed once per matrix row, so the pixel loops divide nothing).
struct TapWindow {
  const float* plane;  // the channel's input
  int64_t row_offset;  // ky * DH - PT
  int64_t col_offset;  // kx * DW - PL
  OutputRange rows, cols;
};

TapWindow tap_window(const Im2colParams& p, const float* plane, int64_t ky, int64_t kx) {
  TapWindow t{plane, ky * p.dilation_h - p.pad_top, kx * p.dilation_w - p.pad_left, {}, {}};
  t.rows = outputs_inside(p.in_h, p.out_h, p.stride_h, t.row_offset);
  t.cols = outputs_inside(p.in_w, p.out_w, p.stride_w, t.col_offset);
  return t;
}

// dst[ox - ox_begin] for ox in [ox_begin, ox_end) of output row oy.
void fill_run(const Im2colParams& p, const TapWindow& t, int64_t oy, int64_t ox_begin, int64_t ox_end, float* dst) {
  int64_t begin = ox_begin, end = ox_begin;  // the part inside the input
  if (oy >= t.rows.begin && oy < t.rows.end) {
    begin = std::clamp(t.cols.begin, ox_begin, ox_end);
    end = std::clamp(t.cols.end, begin, ox_end);
  }
  // Input of ox is x[ox * SW + col_offset]; x is only formed, and read, when the row is inside.
  const float* x = begin < end ? t.plane + (oy * p.stride_h + t.row_offset) * p.in_w : nullptr;
  im2col_write_run(x ? x + begin * p.stride_w + t.col_offset : nullptr, p.stride_w, begin - ox_begin, end - begin,
                   ox_end - end, 0.f, dst);
}

// The output pixels [col_begin, col_end) as runs along output rows.
struct PixelSpan {
  int64_t first_oy, first_ox;  // where the first run starts
  int64_t last_oy, last_ox_end;  // where the last run ends
};

PixelSpan pixel_span(const Im2colParams& p, int64_t col_begin, int64_t col_end) {
  return {col_begin / p.out_w, col_begin % p.out_w, (col_end - 1) / p.out_w, (col_end - 1) % p.out_w + 1};
}

// One matrix row's columns [col_begin, col_end), output row by output row.
void fill_matrix_row(const Im2colParams& p, const TapWindow& t, const PixelSpan& span, float* dst) {
  for (int64_t oy = span.first_oy; oy <= span.last_oy; ++oy) {
    int64_t ox_begin = oy == span.first_oy ? span.first_ox : 0;
    int64_t ox_end = oy == span.last_oy ? span.last_ox_end : p.out_w;
    fill_run(p, t, oy, ox_begin, ox_end, dst);
    dst += ox_end - ox_begin;
  }
}

}  // namespace

void im2col_f32(const Im2colParams& p, const float* input, int64_t col_begin, int64_t col_end, float* columns,
                int64_t row_stride) {
  if (col_begin >= col_end) return;
  const PixelSpan span = pixel_span(p, col_begin, col_end);
  float* dst = columns;
  for (int64_t c = 0; c < p.channels; ++c)
    for (int64_t ky = 0; ky < p.kernel_h; ++ky)
      for (int64_t kx = 0; kx < p.kernel_w; ++kx, dst += row_stride)
        fill_matrix_row(p, tap_window(p, input + c * p.in_h * p.in_w, ky, kx), span, dst);
}

bool conv_is_pointwise(const Im2colParams& p) {
  return p.kernel_h == 1 && p.kernel_w == 1 && p.stride_h == 1 && p.stride_w == 1 && p.pad_top == 0 &&
         p.pad_left == 0 && p.out_h == p.in_h && p.out_w == p.in_w;
}

}  // namespace kite
