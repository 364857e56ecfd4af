// im2col_u8, one matrix row (a channel and a kernel tap) at a time. For each tap, the output
// rows and columns whose input position lies inside the image are computed once
// (output_range.h), so that each output row is three runs with no bounds tests: padding on the
// left, the copied (stride 1: memcpy) or gathered middle, padding on the right.
#include "kernels/q8_im2col.h"

#include <algorithm>
#include <cstring>

#include "kernels/im2col_run.h"
#include "kernels/output_range.h"

namespace kite {
namespace {

// One tap's view of one channel: output (oy, ox) reads input (oy * SH + dy, ox * SW + dx), inside
// the image for oy in `inside_rows` and ox in `inside_cols`.
struct Tap {
  const uint8_t* plane;
  int64_t dy, dx;
  OutputRange inside_rows, inside_cols;
};

Tap make_tap(const Im2colParams& p, const uint8_t* plane, int64_t ky, int64_t kx) {
  Tap t{plane, ky * p.dilation_h - p.pad_top, kx * p.dilation_w - p.pad_left, {}, {}};
  t.inside_rows = outputs_inside(p.in_h, p.out_h, p.stride_h, t.dy);
  t.inside_cols = outputs_inside(p.in_w, p.out_w, p.stride_w, t.dx);
  return t;
}

// Output pixels [ox_begin, ox_end) of output row oy, to dst[0 .. ox_end - ox_begin).
void write_run(const Im2colParams& p, const Tap& t, uint8_t pad, int64_t oy, int64_t ox_begin, int64_t ox_end,
               uint8_t* dst) {
  int64_t in_begin = ox_begin, in_end = ox_begin;  // the part that reads the input
  if (oy >= t.inside_rows.begin && oy < t.inside_rows.end) {
    in_begin = std::clamp(t.inside_cols.begin, ox_begin, ox_end);
    in_end = std::clamp(t.inside_cols.end, in_begin, ox_end);
  }
  // The input row is only formed when some of it is read: oy * SH + dy may lie outside the image.
  const uint8_t* x = in_begin < in_end ? t.plane + (oy * p.stride_h + t.dy) * p.in_w : nullptr;
  im2col_write_run(x ? x + in_begin * p.stride_w + t.dx : nullptr, p.stride_w, in_begin - ox_begin,
                   in_end - in_begin, ox_end - in_end, pad, dst);
}

}  // namespace

void im2col_u8(const Im2colParams& p, const uint8_t* input, uint8_t pad_value, int64_t col_begin, int64_t col_end,
               uint8_t* columns, int64_t row_stride) {
  if (col_begin >= col_end) return;
  const int64_t first_oy = col_begin / p.out_w, last_oy = (col_end - 1) / p.out_w;
  uint8_t* dst_row = columns;
  for (int64_t c = 0; c < p.channels; ++c) {
    const uint8_t* plane = input + c * p.in_h * p.in_w;
    for (int64_t ky = 0; ky < p.kernel_h; ++ky) {
      for (int64_t kx = 0; kx < p.kernel_w; ++kx, dst_row += row_stride) {
        const Tap tap = make_tap(p, plane, ky, kx);
        uint8_t* dst = dst_row;
        for (int64_t oy = first_oy; oy <= last_oy; ++oy) {
          int64_t ox_begin = oy == first_oy ? col_begin - oy * p.out_w : 0;
          int64_t ox_end = oy == last_oy ? col_end - oy * p.out_w : p.out_w;
          write_run(p, tap, pad_value, oy, ox_begin, ox_end, dst);
          dst += ox_end - ox_begin;
        }
      }
    }
  }
}

}  // namespace kite
