// Portable dense dot products (kernels/dense_dot.h): 8 partial sums per row, in a fixed order.
#include "kernels/dense_dot.h"

namespace kite {

void f32_dense_dot_generic(const float* x, const float* w, int64_t k, int64_t rows, float* y) {
  for (int64_t f = 0; f < rows; ++f) {
    const float* row = w + f * k;
    float partial[8] = {0, 0, 0, 0, 0, 0, 0, 0};
    int64_t i = 0;
    for (; i + 8 <= k; i += 8)
      for (int j = 0; j < 8; ++j) partial[j] += x[i + j] * row[i + j];
    float sum = ((partial[0] + partial[1]) + (partial[2] + partial[3])) + ((partial[4] + partial[5]) + (partial[6] + partial[7]));
    for (; i < k; ++i) sum += x[i] * row[i];
    y[f] = sum;
  }
}

}  // namespace kite
