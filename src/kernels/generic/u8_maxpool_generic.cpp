// Portable uint8 max pooling, any window, stride and padding. Separable: per output row, the
// maximum over the window's rows that lie inside the input, column by column, then per output
// the maximum over the window's columns inside the input. Both passes are loops over consecutive
// elements (for each tap, the outputs that see it inside the input) that compilers vectorize.
// Starting from 0, the lowest uint8 value, changes no maximum and gives 0 to a window that holds
// only padding. Stride 1 with rows as wide as the input's goes to u8_maxpool_stride1, which does
// the same in passes over whole planes.
#include <algorithm>
#include <vector>

#include "kernels/output_range.h"
#include "kernels/q8_pool_kernels.h"

namespace kite {

void u8_maxpool_generic(const Q8PoolParams& p, const uint8_t* x, uint8_t* y, int64_t c_begin, int64_t c_end) {
  if (u8_maxpool_stride1_applies(p)) return u8_maxpool_stride1(p, x, y, c_begin, c_end);
  // The sizes in locals: stores through a uint8_t pointer may alias anything, and would make the
  // compiler reload them inside the loops instead of vectorizing them.
  const int64_t in_h = p.in_h, in_w = p.in_w, out_h = p.out_h, out_w = p.out_w;
  const int64_t kernel_h = p.kernel_h, stride_h = p.stride_h, stride_w = p.stride_w;
  const int64_t pad_top = p.pad_top, pad_left = p.pad_left;
  // Columns kx >= in_w + pad_left lie past the input for every output.
  const int64_t kx_end = std::min(p.kernel_w, in_w + pad_left);
  std::vector<uint8_t> column_maxima(static_cast<size_t>(in_w));  // one output row's
  uint8_t* columns = column_maxima.data();
  for (int64_t c = c_begin; c < c_end; ++c) {
    const uint8_t* xc = x + c * in_h * in_w;
    for (int64_t oy = 0; oy < out_h; ++oy) {
      const int64_t top = oy * stride_h - pad_top;
      const int64_t row_begin = std::max<int64_t>(top, 0), row_end = std::min(top + kernel_h, in_h);
      std::fill(columns, columns + in_w, uint8_t{0});
      for (int64_t iy = row_begin; iy < row_end; ++iy) {
        const uint8_t* row = xc + iy * in_w;
        for (int64_t u = 0; u < in_w; ++u) columns[u] = std::max(columns[u], row[u]);
      }
      uint8_t* out = y + (c * out_h + oy) * out_w;
      std::fill(out, out + out_w, uint8_t{0});
      for (int64_t kx = 0; kx < kx_end; ++kx) {
        const OutputRange inside = outputs_inside(in_w, out_w, stride_w, kx - pad_left);
        const int64_t shift = kx - pad_left;  // output o's tap kx is columns[o * stride_w + shift]
        for (int64_t o = inside.begin; o < inside.end; ++o) out[o] = std::max(out[o], columns[o * stride_w + shift]);
      }
    }
  }
}

}  // namespace kite
