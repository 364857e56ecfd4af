// im2col, fp32 NCHW: lays the receptive fields of a 2-D convolution out as a matrix, so that one
// group of one image becomes a single GEMM (kernels/gemm.h):
//     Y[group] [M/group, OH*OW] = W[group] [M/group, C/group*KH*KW] x columns [C/group*KH*KW, OH*OW]
//     columns[(c*KH + ky)*KW + kx][oy*OW + ox] = x[c][oy*SH - PT + ky*DH][ox*SW - PL + kx*DW]
// with 0 where the position lies in the padding. Any kernel, stride, dilation and padding.
//
// A pointwise convolution (conv_is_pointwise) needs no im2col: its input [C, H*W] already is the
// matrix (ldb = H*W).
#pragma once
#include <cstdint>

namespace kite {

struct Im2colParams {
  int64_t channels = 0;  // input channels of one group
  int64_t in_h = 0, in_w = 0;
  int64_t out_h = 0, out_w = 0;
  int64_t kernel_h = 1, kernel_w = 1;
  int64_t stride_h = 1, stride_w = 1;
  int64_t dilation_h = 1, dilation_w = 1;
  // Padding before the first row and column; the bottom and right padding are whatever out_h and
  // out_w imply.
  int64_t pad_top = 0, pad_left = 0;

  int64_t rows() const { return channels * kernel_h * kernel_w; }
  int64_t columns() const { return out_h * out_w; }
};

// Writes the matrix's columns [col_begin, col_end) (output pixels, row-major) for all rows():
// element (r, j) goes to columns[r * row_stride + (j - col_begin)]. A full matrix is
// (columns = matrix + col_begin, row_stride = p.columns()); a thread's own panel is
// (columns = panel, row_stride = col_end - col_begin). Threads splitting [0, p.columns()) write
// disjoint elements, and every element is a copy or a zero, so any split gives the same matrix.
// input: the group's first channel, [channels, in_h, in_w]. Padding rows and columns are written as
// zeros; the input is only read inside its bounds.
void im2col_f32(const Im2colParams& p, const float* input, int64_t col_begin, int64_t col_end, float* columns,
                int64_t row_stride);

// A 1x1 convolution with stride 1 and no padding (the output is the input's size): the input
// [channels, in_h*in_w] is the GEMM's B matrix as it is. Dilation does not matter for a 1x1
// kernel.
bool conv_is_pointwise(const Im2colParams& p);

}  // namespace kite
