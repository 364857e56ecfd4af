#include "ops/matrix_product.h"

namespace kite {

void matrix_product_accumulate(MatrixView a, MatrixView b, float* y, int64_t rows, int64_t depth, int64_t cols) {
  for (int64_t i = 0; i < rows; ++i) {
    float* y_row = y + i * cols;
    for (int64_t k = 0; k < depth; ++k) {
      float a_ik = a.at(i, k);
      const float* b_row = b.data + k * b.row_stride;
      for (int64_t j = 0; j < cols; ++j) y_row[j] += a_ik * b_row[j * b.col_stride];
    }
  }
}

}  // namespace kite
