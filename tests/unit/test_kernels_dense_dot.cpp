// kernels/dense_dot.h, SIMD and portable: each dot product against the definition in double over
// every k to 70 (the 32-float steps, both masked halves of the tail, k = 0) and rows to 9 (passes
// of four rows and the rows left over); and a row's value the same bits whether it is computed
// alone or with others (the thread split's contract). x and w are placed against inaccessible
// pages, so that a load one float too far crashes.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <random>
#include <vector>

#include "guarded_buffer.h"
#include "kernels/cpu_features.h"
#include "kernels/dense_dot.h"

namespace kite {
namespace {

TEST(DenseDot, MatchesTheDefinitionWhateverRowsACallCovers) {
  std::mt19937 rng(5);
  std::uniform_real_distribution<float> u(-1.f, 1.f);
  for (bool generic : {false, true}) {
    force_generic_kernels(generic);
    SCOPED_TRACE(dense_dot_kernel_name());
    for (int64_t k = 0; k <= 70; ++k)
      for (int64_t rows = 1; rows <= 9; ++rows) {
        std::vector<float> x(static_cast<size_t>(k)), w(static_cast<size_t>(k * rows));
        for (float& v : x) v = u(rng);
        for (float& v : w) v = u(rng);
        for (bool guard_after : {false, true}) {
          test::Guarded<float> gx(x.data(), x.size(), guard_after), gw(w.data(), w.size(), guard_after);
          std::vector<float> all(static_cast<size_t>(rows)), one(static_cast<size_t>(rows));
          dense_dot_f32(gx.data(), gw.data(), k, rows, all.data());
          for (int64_t f = 0; f < rows; ++f) dense_dot_f32(gx.data(), gw.data() + f * k, k, 1, &one[static_cast<size_t>(f)]);
          for (int64_t f = 0; f < rows; ++f) {
            double want = 0, magnitude = 0;
            for (int64_t i = 0; i < k; ++i) {
              want += double{x[static_cast<size_t>(i)]} * w[static_cast<size_t>(f * k + i)];
              magnitude += std::fabs(double{x[static_cast<size_t>(i)]} * w[static_cast<size_t>(f * k + i)]);
            }
            const float got = all[static_cast<size_t>(f)];
            // Float sums of k products: within k roundings of the sum of magnitudes.
            EXPECT_NEAR(got, want, 1e-7 * static_cast<double>(k + 1) * magnitude + 1e-30) << "k " << k << " row " << f;
            EXPECT_EQ(0, std::memcmp(&got, &one[static_cast<size_t>(f)], sizeof got))
                << "k " << k << " rows " << rows << " row " << f << ": alone " << one[static_cast<size_t>(f)];
          }
        }
      }
  }
  force_generic_kernels(false);
}

}  // namespace
}  // namespace kite
