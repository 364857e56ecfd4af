// The matrix product behind Gemm and MatMul.
#pragma once
#include <cstdint>

namespace kite {

// A read-only matrix in memory: element (r, c) is data[r * row_stride + c * col_stride], so a
// transposed operand is the same memory with the strides swapped.
struct MatrixView {
  const float* data;
  int64_t row_stride;
  int64_t col_stride;

  float at(int64_t r, int64_t c) const { return data[r * row_stride + c * col_stride]; }
};

// y (rows x cols, row-major, contiguous) += a (rows x depth) * b (depth x cols), accumulating in
// float in i-k-j order so that the inner loop walks a row of y.
void matrix_product_accumulate(MatrixView a, MatrixView b, float* y, int64_t rows, int64_t depth, int64_t cols);

}  // namespace kite
