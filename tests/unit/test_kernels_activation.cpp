// kernels/activation.h, SIMD and portable, against the activations' definitions evaluated in
// double: every length from 0 to 40 (SIMD tails), inputs across the float range, and the special
// values whose handling the reference defines (NaN, infinities, -0).
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include "kernels/activation.h"
#include "kernels/cpu_features.h"

namespace kite {
namespace {

double exact(const ActivationParams& p, double x) {
  auto clamp01 = [](double v) { return std::max(0.0, std::min(1.0, v)); };
  switch (p.kind) {
    case Activation::kRelu: return x < 0 ? 0 : x;
    case Activation::kClip: return std::min(std::max(x, double{p.a}), double{p.b});
    case Activation::kLeakyRelu: return x < 0 ? p.a * x : x;
    case Activation::kHardSigmoid: return clamp01(double{p.a} * x + p.b);
    case Activation::kHardSwish: return x * clamp01(x / 6 + 0.5);
    case Activation::kSigmoid: return 1 / (1 + std::exp(-x));
    case Activation::kSiLU: return x / (1 + std::exp(-x));
  }
  return 0;
}

// Inputs: a sweep over [-100, 100] with uneven spacing, then the special values.
std::vector<float> inputs() {
  std::vector<float> x;
  for (int i = 0; i < 2000; ++i) x.push_back(-100.f + 0.1000731f * static_cast<float>(i));
  for (float v : {0.f, -0.f, 1e-30f, -1e-30f, 87.f, -87.f, 88.5f, -88.5f, 104.f, -104.f, 3.f, -3.f, 6.f})
    x.push_back(v);
  return x;
}

void check(const ActivationParams& p, const char* what) {
  std::vector<float> x = inputs();
  for (bool generic : {false, true}) {
    force_generic_kernels(generic);
    std::vector<float> y(x.size());
    activation_f32(p, x.data(), y.data(), static_cast<int64_t>(x.size()));
    for (size_t i = 0; i < x.size(); ++i) {
      double want = exact(p, x[i]);
      // Sigmoid/SiLU: 2e-6 relative (a polynomial exp and one division), and 1.2e-36 absolute:
      // exp's results under 1.2e-38 are flushed to 0 (times |x| <= 100 for SiLU). The
      // piecewise-linear ones round one multiply-add.
      double tol = 2e-6 * std::fabs(want) + 1.2e-36;
      EXPECT_NEAR(y[i], want, tol) << what << " x = " << x[i] << (generic ? " (generic)" : "");
    }
    // Every length up to 40, in place: the same values as the long run (no tail differs).
    for (int64_t n = 0; n <= 40; ++n) {
      std::vector<float> part(x.begin() + 1000, x.begin() + 1000 + n);
      activation_f32(p, part.data(), part.data(), n);
      for (int64_t i = 0; i < n; ++i)
        EXPECT_EQ(part[static_cast<size_t>(i)], y[1000 + static_cast<size_t>(i)]) << what << " length " << n;
    }
  }
  force_generic_kernels(false);
}

TEST(ActivationKernel, MatchesTheDefinitions) {
  check({Activation::kRelu, 0, 0}, "relu");
  check({Activation::kClip, -1.5f, 6.f}, "clip");
  check({Activation::kLeakyRelu, 0.01f, 0}, "leaky relu");
  check({Activation::kHardSigmoid, 0.2f, 0.5f}, "hard sigmoid");
  check({Activation::kHardSwish, 0, 0}, "hard swish");
  check({Activation::kSigmoid, 0, 0}, "sigmoid");
  check({Activation::kSiLU, 0, 0}, "silu");
}

// The AVX-512 loops are the AVX2 ones on wider registers (kernels/x86/activation_simd.h): the same
// bits for every activation, input and length (the masked tails included), NaN and infinities too.
TEST(ActivationKernel, Avx512AndAvx2GiveTheSameBits) {
  if (std::string(activation_kernel_name()) != "f32_activation_avx512") GTEST_SKIP() << "no AVX-512 activations here";
  std::vector<float> x = inputs();
  for (float v : {std::numeric_limits<float>::quiet_NaN(), std::numeric_limits<float>::infinity(),
                  -std::numeric_limits<float>::infinity(), 89.5f, -89.5f})
    x.push_back(v);
  const ActivationParams kinds[] = {{Activation::kRelu, 0, 0},      {Activation::kClip, -1.5f, 6.f},
                                    {Activation::kLeakyRelu, 0.01f, 0}, {Activation::kHardSigmoid, 0.2f, 0.5f},
                                    {Activation::kHardSwish, 0, 0}, {Activation::kSigmoid, 0, 0},
                                    {Activation::kSiLU, 0, 0}};
  for (const ActivationParams& p : kinds)
    for (int64_t n : {static_cast<int64_t>(x.size()), int64_t{0}, int64_t{1}, int64_t{8}, int64_t{15}, int64_t{16},
                      int64_t{17}, int64_t{40}}) {
      std::vector<float> wide(static_cast<size_t>(n)), narrow(static_cast<size_t>(n));
      const float* in = x.data() + x.size() - static_cast<size_t>(n);  // the specials at the end
      activation_f32(p, in, wide.data(), n);
      hide_avx512(true);
      EXPECT_STREQ(activation_kernel_name(), "f32_activation_fma3");
      activation_f32(p, in, narrow.data(), n);
      hide_avx512(false);
      for (int64_t i = 0; i < n; ++i)
        ASSERT_EQ(0, std::memcmp(&wide[static_cast<size_t>(i)], &narrow[static_cast<size_t>(i)], sizeof(float)))
            << static_cast<int>(p.kind) << " x = " << in[i] << ": " << wide[static_cast<size_t>(i)] << " vs "
            << narrow[static_cast<size_t>(i)];
    }
}

TEST(ActivationKernel, SpecialValuesFollowTheReference) {
  const float nan = std::numeric_limits<float>::quiet_NaN(), inf = std::numeric_limits<float>::infinity();
  for (bool generic : {false, true}) {
    force_generic_kernels(generic);
    auto one = [](Activation kind, float x, float a = 0, float b = 0) {
      float y;
      activation_f32({kind, a, b}, &x, &y, 1);
      return y;
    };
    EXPECT_TRUE(std::isnan(one(Activation::kRelu, nan)));
    EXPECT_TRUE(std::isnan(one(Activation::kSigmoid, nan)));
    EXPECT_TRUE(std::isnan(one(Activation::kClip, nan, 0, 6)));
    EXPECT_TRUE(std::signbit(one(Activation::kRelu, -0.f)));
    EXPECT_EQ(one(Activation::kHardSigmoid, nan, 0.2f, 0.5f), 1.f);  // std::min(1.f, NaN) is 1
    EXPECT_EQ(one(Activation::kClip, 3.f, 2.f, 1.f), 1.f);          // min > max: the max, as ONNX says
    EXPECT_EQ(one(Activation::kSigmoid, inf), 1.f);
    EXPECT_EQ(one(Activation::kSigmoid, -inf), 0.f);
    EXPECT_EQ(one(Activation::kSigmoid, -89.5f), 0.f);  // e^89.5 overflows: exactly 0
    EXPECT_EQ(one(Activation::kSigmoid, -88.5f), 0.f);  // between kMaxInput and the clamp's top
    EXPECT_GT(one(Activation::kSigmoid, -87.f), 0.f);   // e^87 is finite: a tiny positive result
    EXPECT_EQ(one(Activation::kSigmoid, 87.4f), 1.f);   // e^-87.4 is below the exp's bottom
    EXPECT_EQ(one(Activation::kSigmoid, 100.f), 1.f);
    EXPECT_EQ(one(Activation::kSiLU, 100.f), 100.f);
    EXPECT_TRUE(std::isnan(one(Activation::kSiLU, nan)));
    EXPECT_EQ(one(Activation::kRelu, -inf), 0.f);
  }
  force_generic_kernels(false);
}

}  // namespace
}  // namespace kite
