// im2col for uint8 (quantized) NCHW activations: the matrix the int8 GEMM (kernels/q8_gemm.h)
// takes as B for a convolution, laid out exactly as im2col_f32 lays out floats
// (kernels/im2col.h):
//     columns[(c*KH + ky)*KW + kx][oy*OW + ox] = x[c][oy*SH - PT + ky*DH][ox*SW - PL + kx*DW]
// except that a position in the padding holds pad_value instead of 0. Given the input's zero
// point as pad_value, a padded tap contributes (pad_value - zero point) * w = 0 to the product,
// which is what padding a real-valued input with zeros means once it is quantized.
#pragma once
#include <cstdint>

#include "kernels/im2col.h"

namespace kite {

// Writes the matrix's columns [col_begin, col_end) for all p.rows(): element (r, j) goes to
// columns[r * row_stride + (j - col_begin)], as im2col_f32 does. input: the group's first
// channel, [channels, in_h, in_w], only read inside its bounds. Every element is a copy or
// pad_value, so threads splitting [0, p.columns()) write disjoint elements and any split gives
// the same matrix.
void im2col_u8(const Im2colParams& p, const uint8_t* input, uint8_t pad_value, int64_t col_begin, int64_t col_end,
               uint8_t* columns, int64_t row_stride);

}  // namespace kite
