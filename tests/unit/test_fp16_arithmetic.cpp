// SessionOptions::fp16_arithmetic through a session: convolutions computed as GEMM take the fp16
// product where the CPU has ARMv8.2 fp16 arithmetic (under qemu, QEMU_CPU=max), stay within an
// fp16 tolerance of the reference, and give bitwise identical outputs for 1, 2 and 4 threads.
// On any other CPU the option changes nothing: the same kernels, the same bits as fp32.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include "kernels/cpu_features.h"
#include "kite/session.h"
#include "node_kernel_check.h"
#include "op_test_util.h"

namespace kite {
namespace {

using test::OneNode;

std::vector<Tensor> run_once(const Model& m, SessionOptions o) {
  Session s(m, o);
  NamedTensors inputs;
  uint32_t seed = 21;
  for (const TensorInfo& in : m.inputs()) inputs.emplace_back(in.name, test::random_tensor(in.shape, seed++));
  std::vector<Tensor> out;
  for (auto& [name, t] : s.run(inputs)) out.push_back(t);
  return out;
}

SessionOptions options(bool fp16, int threads) {
  SessionOptions o;
  o.fp16_arithmetic = fp16;
  o.threads = threads;
  return o;
}

bool same_bits(const Tensor& a, const Tensor& b) {
  return a.shape() == b.shape() && std::memcmp(a.raw(), b.raw(), a.nbytes()) == 0;
}

std::vector<std::pair<std::string, OneNode>> convolutions() {
  Attributes fused = test::conv_attrs(3, 1, {1, 1, 1, 1});
  fused.set_float("activation_min", 0.f);
  fused.set_float("activation_max", 6.f);
  return {
      {"1x1", {"Conv", test::conv_attrs(1, 1, {0, 0, 0, 0}), {1, 40, 14, 15},
               {test::random_tensor({24, 40, 1, 1}, 1), test::random_tensor({24}, 2)}}},
      {"3x3 stride 2", {"Conv", test::conv_attrs(3, 2, {1, 1, 1, 1}), {1, 16, 17, 15},
                        {test::random_tensor({20, 16, 3, 3}, 3), test::random_tensor({20}, 4)}}},
      {"grouped 3x3", {"Conv", test::conv_attrs(3, 1, {1, 1, 1, 1}, 2), {1, 12, 9, 9},
                       {test::random_tensor({14, 6, 3, 3}, 5), {}}}},
      {"fused 3x3 + residual + ReLU6 (small map: not Winograd)", {"FusedConv", fused, {1, 64, 7, 7},
          {test::random_tensor({70, 64, 3, 3}, 6), test::random_tensor({70}, 7)}, true}},
  };
}

TEST(Fp16Arithmetic, ConvolutionsStayWithinFp16OfTheReference) {
  for (const auto& [what, spec] : convolutions()) {
    SCOPED_TRACE(what);
    Model m = test::one_node_model(spec);
    const std::string kernel = Session(m, options(true, 1)).plan()[0].kernel;
    std::vector<Tensor> fp32 = run_once(m, options(false, 1));
    std::vector<Tensor> fp16 = run_once(m, options(true, 1));
    if (!cpu_has_arm_fp16()) {
      EXPECT_EQ(kernel, Session(m, options(false, 1)).plan()[0].kernel);
      EXPECT_TRUE(same_bits(fp16[0], fp32[0])) << "without fp16 arithmetic the option must change nothing";
      continue;
    }
    EXPECT_NE(kernel.find("/f16_gemm_6x16_neonfp16"), std::string::npos) << kernel;
    SessionOptions reference;
    reference.optimize = false;
    std::vector<Tensor> want = run_once(m, reference);
    // Inputs and weights in [-1, 1]: sums of K products, each step rounded to 11 bits of a
    // partial sum of a few units, the roundings adding up like a random walk: about
    // sqrt(K) 2^-11 times the sums' size (K = 576 measured 0.072 where the outputs reach 7); 4
    // times that is the tolerance. A misplaced weight or column would be off by the sum's size.
    const double depth = static_cast<double>(spec.constants[0].numel() / spec.constants[0].shape()[0]);
    const float tolerance = static_cast<float>(4 * std::sqrt(depth) / 2048);
    float max_ref = 0, max_diff = 0;
    for (int64_t i = 0; i < want[0].numel(); ++i) {
      max_ref = std::max(max_ref, std::fabs(want[0].data<float>()[i]));
      max_diff = std::max(max_diff, std::fabs(fp16[0].data<float>()[i] - want[0].data<float>()[i]));
    }
    EXPECT_LE(max_diff, tolerance * (1 + max_ref));
    EXPECT_GT(max_diff, 0.0f) << "fp16 sums that equal the f32 ones bit for bit: not fp16 arithmetic";
    for (int threads : {2, 4})
      EXPECT_TRUE(same_bits(run_once(m, options(true, threads))[0], fp16[0])) << threads << " threads";
  }
}

// A layer with a weight beyond fp16's range (70000) keeps the f32 product, bit for bit.
TEST(Fp16Arithmetic, WeightsBeyondFp16KeepF32) {
  Tensor w = test::random_tensor({12, 8, 1, 1}, 10);
  w.data<float>()[5] = 70000.0f;
  Model m = test::one_node_model({"Conv", test::conv_attrs(1, 1, {0, 0, 0, 0}), {1, 8, 10, 10}, {w, {}}});
  const std::string kernel = Session(m, options(true, 1)).plan()[0].kernel;
  EXPECT_EQ(kernel.find("f16_gemm"), std::string::npos) << kernel;
  EXPECT_TRUE(same_bits(run_once(m, options(true, 1))[0], run_once(m, options(false, 1))[0]));
}

// Layers the fp16 GEMM does not cover keep their fp32 kernels.
TEST(Fp16Arithmetic, DepthwiseAndWinogradStayFp32) {
  OneNode depthwise{"Conv", test::conv_attrs(3, 1, {1, 1, 1, 1}, 8), {1, 8, 20, 20},
                    {test::random_tensor({8, 1, 3, 3}, 8), {}}};
  OneNode winograd{"Conv", test::conv_attrs(3, 1, {1, 1, 1, 1}), {1, 64, 14, 14},
                   {test::random_tensor({16, 64, 3, 3}, 9), {}}};
  for (const OneNode& spec : {depthwise, winograd}) {
    Model m = test::one_node_model(spec);
    const std::string kernel = Session(m, options(false, 1)).plan()[0].kernel;
    EXPECT_TRUE(kernel.rfind("conv_depthwise/", 0) == 0 || kernel.rfind("conv_winograd", 0) == 0) << kernel;
    EXPECT_EQ(Session(m, options(true, 1)).plan()[0].kernel, Session(m, options(false, 1)).plan()[0].kernel);
    EXPECT_TRUE(same_bits(run_once(m, options(true, 1))[0], run_once(m, options(false, 1))[0]));
  }
}

}  // namespace
}  // namespace kite
