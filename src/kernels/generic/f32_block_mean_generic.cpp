// block_mean_f32's lane loop in portable C++ (kernels/block_mean.h): four groups of 8 lanes,
// each group's loop over k a vector loop for the compiler.
#include "kernels/block_mean.h"

namespace kite {

int64_t f32_block_mean_lanes_generic(const float* x, int64_t n, double* lanes) {
  double group[4][8] = {};
  int64_t i = 0;
  for (; i + 32 <= n; i += 32)
    for (int g = 0; g < 4; ++g)
      for (int k = 0; k < 8; ++k) group[g][k] += x[i + 8 * g + k];
  for (; i + 8 <= n; i += 8)
    for (int k = 0; k < 8; ++k) group[0][k] += x[i + k];
  for (int g = 0; g < 4; ++g)
    for (int k = 0; k < 8; ++k) lanes[8 * g + k] = group[g][k];
  return i;
}

}  // namespace kite
