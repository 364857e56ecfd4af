// The fp16-arithmetic GEMM (src/kernels/f16_gemm.h), on CPUs with ARMv8.2 FP16 (under qemu,
// QEMU_CPU=max); elsewhere only that it refuses to run. Checked three ways:
//  - exactly, on small integers whose every partial sum an fp16 holds (|sum| <= 2048): any
//    layout, tail or epilogue mistake shows as a wrong bit;
//  - on random reals, against a double-precision product of the fp16-rounded operands, within the
//    rigorous error bound of an fp16 sum, gamma_K * sum |A B| with u = 2^-11 and
//    gamma_K = K u / (1 - K u), and well inside it;
//  - overflow (per element, across column blocks, with the residual in place), NaN, column and
//    panel splits (bitwise identical, overflowing elements included).
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "core/half.h"
#include "kernels/cpu_features.h"
#include "kernels/f16_gemm.h"
#include "kite/error.h"

namespace kite {
namespace {

constexpr float kUntouched = -777.0f;

uint32_t bits(float f) {
  uint32_t u;
  std::memcpy(&u, &f, sizeof u);
  return u;
}

struct F16Case {
  int64_t m, n, k, lda, ldb, ldc;
  std::vector<float> a, b, bias, residual;
  bool with_bias = true, with_residual = true;
  float min = -INFINITY, max = INFINITY;

  F16Case(int64_t m_, int64_t n_, int64_t k_)
      : m(m_), n(n_), k(k_), lda(k_ + 3), ldb(n_ + 5), ldc(n_ + 7), a(m_ * lda), b(k_ * ldb), bias(m_),
        residual(m_ * ldc) {}

  // Integers small enough that every partial sum is exact in fp16; a bias and residual in
  // quarters, so that the f32 epilogue is exact too.
  void fill_small_integers(uint32_t seed) {
    std::mt19937 rng(seed);
    std::uniform_int_distribution<int> wa(-3, 3), wb(-4, 4), quarter(-400, 400);
    for (float& x : a) x = static_cast<float>(wa(rng));
    for (float& x : b) x = static_cast<float>(wb(rng));
    for (float& x : bias) x = quarter(rng) / 4.0f;
    for (float& x : residual) x = quarter(rng) / 4.0f;
  }
  void fill_reals(uint32_t seed) {
    std::mt19937 rng(seed);
    std::uniform_real_distribution<float> u(-1.0f, 1.0f);
    for (float& x : a) x = u(rng);
    for (float& x : b) x = u(rng);
    for (float& x : bias) x = u(rng);
    for (float& x : residual) x = u(rng);
  }

  PackedF16A packed() const { return pack_f16_a(a.data(), m, k, lda); }
  GemmEpilogue epilogue(const float* res) const {
    GemmEpilogue e;
    e.row_bias = with_bias ? bias.data() : nullptr;
    e.residual = with_residual ? res : nullptr;
    e.ldr = ldc;
    e.min = min;
    e.max = max;
    return e;
  }
  std::vector<float> fresh_c() const { return std::vector<float>((m + 1) * ldc, kUntouched); }

  // The sum in double from the values the kernel sees (A and B rounded to fp16), and the sum of
  // |A B| that bounds its fp16 error.
  double exact_product(int64_t i, int64_t j, double* magnitude) const {
    double s = 0, mag = 0;
    for (int64_t kk = 0; kk < k; ++kk) {
      double p = static_cast<double>(half_to_float(float_to_half(a[i * lda + kk]))) *
                 half_to_float(float_to_half(b[kk * ldb + j]));
      s += p;
      mag += std::fabs(p);
    }
    if (magnitude) *magnitude = mag;
    return s;
  }
  // The epilogue in f32, in the contract's order, on the product `s`.
  float finish(float s, int64_t i, int64_t j) const {
    float v = s;
    if (with_bias) v += bias[i];
    if (with_residual) v += residual[i * ldc + j];
    return std::min(std::max(v, min), max);
  }
};

std::string describe(const F16Case& g) {
  return "M=" + std::to_string(g.m) + " N=" + std::to_string(g.n) + " K=" + std::to_string(g.k) +
         (g.with_bias ? "" : " no bias") + (g.with_residual ? "" : " no residual");
}

std::vector<float> run(const F16Case& g, const PackedF16A& a, int64_t n_begin, int64_t n_end) {
  std::vector<float> c = g.fresh_c();
  gemm_f16(a, g.b.data(), g.ldb, g.n, c.data(), g.ldc, g.epilogue(g.residual.data()), n_begin, n_end);
  return c;
}

std::vector<float> run(const F16Case& g) { return run(g, g.packed(), 0, g.n); }

// Elements outside C (past each row, the spare row) untouched.
void expect_only_c_written(const F16Case& g, const std::vector<float>& c) {
  for (int64_t i = 0; i <= g.m; ++i)
    for (int64_t j = 0; j < g.ldc; ++j)
      if (i == g.m || j >= g.n) {
        ASSERT_EQ(c[i * g.ldc + j], kUntouched) << "wrote outside C at (" << i << ", " << j << ")";
      }
}

class F16Gemm : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!f16_gemm_available()) GTEST_SKIP() << "this CPU has no ARMv8.2 fp16 vector arithmetic";
    ASSERT_STREQ(gemm_f16_kernel_name(), "f16_gemm_6x16_neonfp16");
  }
};

TEST_F(F16Gemm, ExactOnSumsFp16Holds) {
  int index = 0;
  for (int64_t m : {1, 4, 5, 6, 7, 13})
    for (int64_t n : {1, 3, 7, 8, 9, 15, 16, 17, 31, 33, 70})
      for (int64_t k : {0, 1, 2, 3, 16, 33, 69}) {
        F16Case g(m, n, k);
        g.fill_small_integers(static_cast<uint32_t>(index));
        g.with_bias = index % 3 != 0;
        g.with_residual = index % 4 != 1;
        if (index % 5 == 2) g.min = 0.0f, g.max = 6.0f;
        ++index;
        SCOPED_TRACE(describe(g));
        std::vector<float> c = run(g);
        expect_only_c_written(g, c);
        for (int64_t i = 0; i < m; ++i)
          for (int64_t j = 0; j < n; ++j) {
            const double s = g.exact_product(i, j, nullptr);
            ASSERT_LE(std::fabs(s), 2048.0) << "the test's own sums must stay exact in fp16";
            ASSERT_EQ(c[i * g.ldc + j], g.finish(static_cast<float>(s), i, j)) << "C(" << i << ", " << j << ")";
          }
        if (HasFatalFailure()) return;
      }
}

TEST_F(F16Gemm, RandomRealsWithinTheFp16ErrorBound) {
  constexpr double u = 1.0 / 2048.0;  // fp16's unit roundoff, 2^-11
  for (int64_t k : {1, 9, 27, 144, 576})
    for (int64_t n : {5, 16, 49, 100}) {
      F16Case g(13, n, k);
      g.fill_reals(static_cast<uint32_t>(k * 100 + n));
      SCOPED_TRACE(describe(g));
      std::vector<float> c = run(g);
      expect_only_c_written(g, c);
      const double gamma = k * u / (1 - k * u);
      double worst_share = 0;  // the largest error as a share of its bound
      for (int64_t i = 0; i < g.m; ++i)
        for (int64_t j = 0; j < n; ++j) {
          double magnitude = 0;
          const double want = g.exact_product(i, j, &magnitude) + g.bias[i] + g.residual[i * g.ldc + j];
          // The fp16 sum (gamma_K; A and B are rounded in `want` too), and a few f32 roundings in
          // the epilogue.
          const double bound = gamma * magnitude + 4e-7 * (std::fabs(want) + 4);
          const double error = std::fabs(c[i * g.ldc + j] - want);
          ASSERT_LE(error, bound) << "C(" << i << ", " << j << ")";
          worst_share = std::max(worst_share, error / bound);
        }
      // Not a bound that only a K-fold worst case reaches: random errors partly cancel.
      if (k >= 144) {
        EXPECT_LT(worst_share, 0.05);
      }
    }
}

TEST_F(F16Gemm, ColumnAndPanelSplitsAreBitwiseIdentical) {
  F16Case g(4 * PackedF16A::kPanelRows + 3, 150, 301);
  g.fill_reals(3);
  PackedF16A a = g.packed();
  std::vector<float> whole = run(g, a, 0, g.n);
  for (std::vector<int64_t> cuts : std::vector<std::vector<int64_t>>{{1}, {7, 23}, {16, 33, 100}, {149}}) {
    std::vector<float> c = g.fresh_c();
    int64_t begin = 0;
    cuts.push_back(g.n);
    for (int64_t end : cuts) {
      gemm_f16(a, g.b.data(), g.ldb, g.n, c.data(), g.ldc, g.epilogue(g.residual.data()), begin, end);
      begin = end;
    }
    for (size_t e = 0; e < whole.size(); ++e)
      if (std::memcmp(&whole[e], &c[e], sizeof(float)) != 0) {
        const int64_t ei = static_cast<int64_t>(e) / g.ldc, ej = static_cast<int64_t>(e) % g.ldc;
        ADD_FAILURE() << "element (" << ei << ", " << ej << "): " << whole[e] << " vs " << c[e] << " (exact "
                      << g.exact_product(ei, ej, nullptr) + g.bias[ei] + g.residual[e] << "), "
                      << cuts.size() - 1 << " cuts from " << cuts.front();
        break;
      }
  }
  std::vector<float> pieces = g.fresh_c();
  for (auto [p0, p1] : {std::pair<int64_t, int64_t>{0, 2}, {2, 3}, {3, 5}})
    gemm_f16(a, g.b.data(), g.ldb, g.n, pieces.data(), g.ldc, g.epilogue(g.residual.data()), 0, g.n, p0, p1);
  EXPECT_EQ(whole, pieces);
}

// The residual may be C itself (a ResNet shortcut added in place).
TEST_F(F16Gemm, ResidualInPlace) {
  F16Case g(7, 37, 20);
  g.fill_small_integers(5);
  std::vector<float> want = run(g);
  std::vector<float> c = g.fresh_c();
  for (int64_t i = 0; i < g.m; ++i)
    for (int64_t j = 0; j < g.n; ++j) c[i * g.ldc + j] = g.residual[i * g.ldc + j];
  gemm_f16(g.packed(), g.b.data(), g.ldb, g.n, c.data(), g.ldc, g.epilogue(c.data()), 0, g.n);
  EXPECT_EQ(want, c);
}

// Sums beyond fp16's 65504: those elements are computed again in f32, finite and close to the
// truth; every other element, in the same tiles too, stays the fp16 result. Over several column
// blocks (N = 400), with the residual given and with it in C itself.
F16Case overflowing_case() {
  F16Case g(8, 400, 20);
  g.fill_small_integers(7);
  // Columns of 1024: the other rows' sums are multiples of 1024 below 61440, exact in fp16;
  // rows 2 and 7 (weights +-4) reach +-81920, past fp16's 65504.
  for (int64_t kk = 0; kk < g.k; ++kk)
    for (int64_t j : {3, 250, 251, 399}) g.b[kk * g.ldb + j] = 1024.0f;
  for (int64_t kk = 0; kk < g.k; ++kk) g.a[2 * g.lda + kk] = 4.0f;
  for (int64_t kk = 0; kk < g.k; ++kk) g.a[7 * g.lda + kk] = -4.0f;
  return g;
}

bool overflows(int64_t i, int64_t j) { return (i == 2 || i == 7) && (j == 3 || j == 250 || j == 251 || j == 399); }

void expect_overflow_handled(const F16Case& g, const std::vector<float>& c) {
  for (int64_t i = 0; i < g.m; ++i)
    for (int64_t j = 0; j < g.n; ++j) {
      const float got = c[i * g.ldc + j];
      const double s = g.exact_product(i, j, nullptr);
      ASSERT_TRUE(std::isfinite(got)) << "C(" << i << ", " << j << ")";
      if (overflows(i, j)) {
        ASSERT_GT(std::fabs(s), 65504.0) << "the test means this sum to overflow fp16";
        const double want = s + g.bias[i] + g.residual[i * g.ldc + j];
        ASSERT_NEAR(got, want, 1e-6 * std::fabs(want)) << "C(" << i << ", " << j << ") from the f32 fallback";
      } else {
        ASSERT_EQ(got, g.finish(static_cast<float>(s), i, j)) << "C(" << i << ", " << j << ")";
      }
    }
}

TEST_F(F16Gemm, OverflowingElementsAreComputedInF32) {
  const F16Case g = overflowing_case();
  std::vector<float> c = run(g);
  expect_only_c_written(g, c);
  expect_overflow_handled(g, c);
  // The residual in C itself: the fallback must read each element's residual before writing it.
  std::vector<float> in_place = g.fresh_c();
  for (int64_t i = 0; i < g.m; ++i)
    for (int64_t j = 0; j < g.n; ++j) in_place[i * g.ldc + j] = g.residual[i * g.ldc + j];
  gemm_f16(g.packed(), g.b.data(), g.ldb, g.n, in_place.data(), g.ldc, g.epilogue(in_place.data()), 0, g.n);
  EXPECT_EQ(c, in_place);
  // Column ranges cutting the overflowing tiles in odd places: the same bits.
  PackedF16A a = g.packed();
  for (std::vector<int64_t> cuts : std::vector<std::vector<int64_t>>{{2}, {4, 251}, {7, 23, 250, 390}}) {
    std::vector<float> pieces = g.fresh_c();
    int64_t begin = 0;
    cuts.push_back(g.n);
    for (int64_t end : cuts) {
      gemm_f16(a, g.b.data(), g.ldb, g.n, pieces.data(), g.ldc, g.epilogue(g.residual.data()), begin, end);
      begin = end;
    }
    EXPECT_EQ(c, pieces) << cuts.size() - 1 << " cuts from " << cuts.front();
  }
}

// Real values around the overflowing elements: their neighbours keep their fp16 results (not
// f32's), bit for bit what each gives computed alone, one column per call.
TEST_F(F16Gemm, OverflowLeavesItsNeighboursInFp16) {
  F16Case g = overflowing_case();
  g.fill_reals(8);
  for (int64_t kk = 0; kk < g.k; ++kk)
    for (int64_t j : {3, 250, 251, 399}) g.b[kk * g.ldb + j] = 1024.0f;
  for (int64_t kk = 0; kk < g.k; ++kk) g.a[2 * g.lda + kk] = 4.0f;
  for (int64_t kk = 0; kk < g.k; ++kk) g.a[7 * g.lda + kk] = -4.0f;
  PackedF16A a = g.packed();
  std::vector<float> whole = run(g, a, 0, g.n);
  int64_t differ_from_f32 = 0;
  for (int64_t j : {0, 1, 2, 3, 4, 15, 240, 249, 250, 251, 252, 255, 398, 399}) {
    std::vector<float> alone = run(g, a, j, j + 1);
    for (int64_t i = 0; i < g.m; ++i) {
      ASSERT_EQ(bits(whole[i * g.ldc + j]), bits(alone[i * g.ldc + j])) << "C(" << i << ", " << j << ")";
      ASSERT_TRUE(std::isfinite(whole[i * g.ldc + j])) << "C(" << i << ", " << j << ")";
      if (overflows(i, j)) continue;
      // What f32 arithmetic gives from the same fp16-rounded operands, for comparison.
      float f32 = 0.0f;
      for (int64_t kk = 0; kk < g.k; ++kk)
        f32 += half_to_float(float_to_half(g.a[i * g.lda + kk])) * half_to_float(float_to_half(g.b[kk * g.ldb + j]));
      differ_from_f32 += g.finish(f32, i, j) != whole[i * g.ldc + j];
    }
  }
  EXPECT_GT(differ_from_f32, 20) << "the neighbours of the overflowing sums look computed in f32";
}

// A weight beyond fp16's range is reported, so that a caller can keep the f32 product. (Packing
// is portable: this runs on every CPU.)
TEST(F16GemmPacking, WeightsBeyondFp16AreReported) {
  F16Case g(3, 4, 5);
  g.fill_small_integers(2);
  EXPECT_TRUE(g.packed().fits_fp16());
  g.a[1 * g.lda + 2] = 65520.0f;  // rounds to an infinity
  EXPECT_FALSE(g.packed().fits_fp16());
  g.a[1 * g.lda + 2] = 65504.0f;  // fp16's largest
  EXPECT_TRUE(g.packed().fits_fp16());
  g.a[1 * g.lda + 2] = std::numeric_limits<float>::infinity();  // already infinite: the f32 product's too
  EXPECT_TRUE(g.packed().fits_fp16());
}

// NaN in the bias or the residual reaches its element through the f32 epilogue.
TEST_F(F16Gemm, NanInTheEpilogueReachesItsElements) {
  F16Case g(6, 20, 10);
  g.fill_small_integers(4);
  g.bias[2] = std::numeric_limits<float>::quiet_NaN();
  g.residual[4 * g.ldc + 9] = std::numeric_limits<float>::quiet_NaN();
  std::vector<float> c = run(g);
  for (int64_t i = 0; i < g.m; ++i)
    for (int64_t j = 0; j < g.n; ++j) {
      const bool nan = i == 2 || (i == 4 && j == 9);
      EXPECT_EQ(std::isnan(c[i * g.ldc + j]), nan) << "C(" << i << ", " << j << ")";
    }
}

// A NaN in B makes its column NaN (through the f32 fallback), and nothing else.
TEST_F(F16Gemm, NanInBReachesOnlyItsColumn) {
  F16Case g(6, 20, 10);
  g.fill_small_integers(9);
  g.min = 0.0f;
  g.max = 6.0f;
  g.b[4 * g.ldb + 3] = std::numeric_limits<float>::quiet_NaN();
  std::vector<float> c = run(g);
  for (int64_t i = 0; i < g.m; ++i)
    for (int64_t j = 0; j < g.n; ++j) {
      if (j == 3) {
        EXPECT_TRUE(std::isnan(c[i * g.ldc + j])) << "C(" << i << ", 3)";
      } else {
        EXPECT_EQ(c[i * g.ldc + j], g.finish(static_cast<float>(g.exact_product(i, j, nullptr)), i, j));
      }
    }
}

TEST_F(F16Gemm, ColumnBiasAndBadRangesAreErrors) {
  F16Case g(5, 9, 4);
  g.fill_small_integers(1);
  PackedF16A a = g.packed();
  std::vector<float> c = g.fresh_c();
  GemmEpilogue e = g.epilogue(nullptr);
  e.column_bias = g.bias.data();
  EXPECT_THROW(gemm_f16(a, g.b.data(), g.ldb, g.n, c.data(), g.ldc, e, 0, g.n), Error);
  e.column_bias = nullptr;
  EXPECT_THROW(gemm_f16(a, g.b.data(), g.ldb, g.n, c.data(), g.ldc, e, 0, g.n + 1), Error);
  EXPECT_THROW(gemm_f16(a, g.b.data(), g.ldb, g.n, c.data(), g.ldc, e, 0, g.n, 0, 2), Error);
  EXPECT_THROW(gemm_f16(a, g.b.data(), g.n - 1, g.n, c.data(), g.ldc, e, 0, g.n), Error);
}

// Where the CPU has no fp16 arithmetic (or the portable kernels are forced), the product is
// refused rather than run some other way.
TEST(F16GemmAvailability, RefusedWithoutFp16Arithmetic) {
  force_generic_kernels(true);
  EXPECT_FALSE(f16_gemm_available());
  EXPECT_STREQ(gemm_f16_kernel_name(), "none");
  F16Case g(2, 3, 4);
  std::vector<float> c = g.fresh_c();
  EXPECT_THROW(gemm_f16(g.packed(), g.b.data(), g.ldb, g.n, c.data(), g.ldc, GemmEpilogue{}, 0, g.n), Error);
  force_generic_kernels(false);
  EXPECT_EQ(f16_gemm_available(), cpu_has_arm_fp16());
}

}  // namespace
}  // namespace kite
