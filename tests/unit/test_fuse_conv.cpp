// The inference fusions (BatchNormalization, residual Add, ReLU / Clip into the convolution)
// against the unfused graph run by the reference kernels.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>

#include "graph/graph.h"
#include "kernels/f16_gemm.h"
#include "kite/session.h"
#include "kite/zoo.h"
#include "graph_fixtures.h"
#include "op_test_util.h"
#include "passes/passes.h"

namespace kite {
namespace {

// The model on a fixed input; threads 0: the session's default.
Tensor run(const Model& m, bool optimize, int threads = 0, bool fp16_arithmetic = false) {
  SessionOptions o;
  o.optimize = optimize;
  o.fp16_arithmetic = fp16_arithmetic;
  if (threads > 0) o.threads = threads;
  Session s(m, o);
  Tensor x(DType::f32, m.inputs()[0].shape);
  for (int64_t i = 0; i < x.numel(); ++i) x.data<float>()[i] = std::cos(0.37f * static_cast<float>(i));
  return s.run({{m.inputs()[0].name, x}})[0].second;
}

int count_ops(const Graph& g, const std::string& op) {
  int n = 0;
  for (const Node& node : g.nodes) n += node.op == op;
  return n;
}

TEST(FuseConv, FoldsEveryEpilogueOfResNetAndMobileNetV2) {
  for (const char* spec : {"resnet?depth=18&resolution=64", "mobilenet_v2?alpha=0.35&resolution=64"}) {
    Model m = zoo_model(spec);
    Graph g = m.graph();
    fuse_conv_epilogues(g);
    EXPECT_EQ(count_ops(g, "BatchNormalization"), 0) << spec;
    EXPECT_EQ(count_ops(g, "Relu"), 0) << spec;
    EXPECT_EQ(count_ops(g, "Clip"), 0) << spec;
    EXPECT_EQ(count_ops(g, "Add"), 0) << spec << ": every residual Add follows a convolution";
    EXPECT_EQ(count_ops(g, "Conv"), 0) << spec;
    Tensor fused = run(m, true), plain = run(m, false);
    ASSERT_EQ(fused.shape(), plain.shape());
    float max_ref = 0, max_diff = 0;
    for (int64_t i = 0; i < fused.numel(); ++i) {
      max_ref = std::max(max_ref, std::fabs(plain.data<float>()[i]));
      max_diff = std::max(max_diff, std::fabs(fused.data<float>()[i] - plain.data<float>()[i]));
    }
    // Folding BatchNormalization rounds the weights once more: relative 1e-5 of the output range.
    EXPECT_LE(max_diff, 1e-5f * max_ref) << spec;
  }
}

TEST(FuseConv, LeavesSharedOutputsAlone) {
  // tiny_cnn's convolution feeds its Relu; a second reader of the convolution's output (and a
  // graph output) must keep the Relu a node of its own.
  Graph g = test::tiny_cnn();
  int conv_out = g.nodes[0].outputs[0];
  int extra = test::add_node(g, "Sigmoid", "side", {conv_out});
  g.outputs.push_back(extra);
  prepare_graph(g);
  fuse_conv_epilogues(g);
  EXPECT_EQ(count_ops(g, "Relu"), 1);
  EXPECT_EQ(count_ops(g, "Conv"), 1);
}

// conv -> BatchNormalization(epsilon 0.1) -> Add(broadcast [C,1,1] constant) -> Clip(input bounds)
Graph conv_bn_broadcast_add() {
  Graph g;
  int x = test::add_input(g, "x", {1, 3, 6, 6});
  Attributes conv;
  conv.set_ints("pads", {1, 1, 1, 1});
  int c = test::add_node(g, "Conv", "conv", {x, g.add_constant("w", test::random_tensor({4, 3, 3, 3}, 1))}, conv);
  Attributes bn;
  bn.set_float("epsilon", 0.1f);
  Tensor var = test::random_tensor({4}, 5);
  for (int64_t i = 0; i < 4; ++i) var.data<float>()[i] = 0.5f + std::fabs(var.data<float>()[i]);
  int b = test::add_node(g, "BatchNormalization", "bn",
                         {c, g.add_constant("s", test::random_tensor({4}, 2)), g.add_constant("b", test::random_tensor({4}, 3)),
                          g.add_constant("m", test::random_tensor({4}, 4)), g.add_constant("v", var)},
                         bn);
  int a = test::add_node(g, "Add", "add", {b, g.add_constant("shift", test::random_tensor({4, 1, 1}, 6))});
  g.outputs.push_back(a);
  return g;
}

TEST(FuseConv, FoldsBatchNormWithItsEpsilonButNotABroadcastAdd) {
  Model m = Model::from_graph(conv_bn_broadcast_add());
  Graph g = m.graph();
  fuse_conv_epilogues(g);
  EXPECT_EQ(count_ops(g, "BatchNormalization"), 0);
  EXPECT_EQ(count_ops(g, "Add"), 1) << "a broadcasting Add is not a residual";
  Tensor fused = run(m, true), plain = run(m, false);
  for (int64_t i = 0; i < fused.numel(); ++i)
    EXPECT_NEAR(fused.data<float>()[i], plain.data<float>()[i], 1e-5f * (1 + std::fabs(plain.data<float>()[i])));
}

}  // namespace
}  // namespace kite

namespace kite {
namespace {

// conv -> Relu6 (Clip) -> x * f(x), f Sigmoid (SiLU) or HardSigmoid(1/6, 1/2) (HardSwish as
// exported before opset 14), or HardSwish itself. x_first: Mul(x, f(x)) rather than Mul(f(x), x).
Graph conv_then_activation(const std::string& f, bool with_clip, bool x_first = false) {
  Graph g;
  int x = test::add_input(g, "x", {1, 3, 7, 6});
  Attributes conv;
  conv.set_ints("pads", {1, 1, 1, 1});
  int c = test::add_node(g, "Conv", "conv", {x, g.add_constant("w", test::random_tensor({5, 3, 3, 3}, 1))}, conv);
  if (with_clip)
    c = test::add_node(g, "Clip", "relu6", {c, g.add_constant("lo", test::f32({}, {0.f})), g.add_constant("hi", test::f32({}, {6.f}))});
  if (f == "HardSwish") {
    g.outputs.push_back(test::add_node(g, "HardSwish", "act", {c}));
    return g;
  }
  Attributes a;
  if (f == "HardSigmoid") {
    a.set_float("alpha", 1.f / 6.f);
    a.set_float("beta", 0.5f);
  }
  int factor = test::add_node(g, f, "factor", {c}, a);
  g.outputs.push_back(test::add_node(g, "Mul", "product", x_first ? std::vector<int>{c, factor} : std::vector<int>{factor, c}));
  return g;
}

TEST(FuseConv, FoldsSiLUAndHardSwishIntoTheConvolution) {
  for (const char* f : {"Sigmoid", "HardSigmoid", "HardSwish"})
    for (bool with_clip : {false, true}) {
      Model m = Model::from_graph(conv_then_activation(f, with_clip, with_clip));
      Graph g = m.graph();
      fuse_conv_epilogues(g);
      ASSERT_EQ(g.nodes.size(), 1u) << f;
      EXPECT_EQ(g.nodes[0].op, "FusedConv");
      EXPECT_EQ(g.nodes[0].attrs.get_string("activation", ""), std::string(f) == "Sigmoid" ? "silu" : "hardswish");
      Tensor fused = run(m, true), plain = run(m, false);
      for (int64_t i = 0; i < fused.numel(); ++i)
        EXPECT_NEAR(fused.data<float>()[i], plain.data<float>()[i], 1e-5f * (1 + std::fabs(plain.data<float>()[i]))) << f;
    }
}

TEST(FuseConv, KeepsASiLUWhoseInputHasAThirdReader) {
  Graph g = conv_then_activation("Sigmoid", false);
  int conv_out = g.nodes[0].outputs[0];
  g.outputs.push_back(test::add_node(g, "Relu", "third", {conv_out}));
  prepare_graph(g);
  fuse_conv_epilogues(g);
  EXPECT_EQ(count_ops(g, "Sigmoid"), 1);
  EXPECT_EQ(count_ops(g, "Mul"), 1);
}

TEST(FuseConv, KeepsAHardSigmoidProductWithOtherConstants) {
  Graph g = conv_then_activation("HardSigmoid", false);
  for (Node& n : g.nodes)
    if (n.op == "HardSigmoid") n.attrs.set_float("alpha", 0.2f);
  prepare_graph(g);
  fuse_conv_epilogues(g);
  EXPECT_EQ(count_ops(g, "Mul"), 1);
  EXPECT_EQ(count_ops(g, "HardSigmoid"), 1);
}

}  // namespace
}  // namespace kite

namespace kite {
namespace {

// A squeeze-and-excitation product before a 1x1 convolution: x -> GlobalAveragePool -> Sigmoid = s
// ([N, C, 1, 1], per image), or s a constant [1, C, 1, 1]; Mul(x, s) or Mul(s, x) -> Conv (k x k,
// pads k / 2), then, with `epilogue`, BatchNormalization and a residual Add of x (as MobileNet v3's
// and EfficientNet's projections have).
struct ScaleCase {
  Shape x;
  int64_t out_channels;
  bool constant_scale, scale_first, epilogue;
  int64_t kernel = 1;
};

Graph scaled_pointwise(const ScaleCase& c) {
  Graph g;
  const int64_t channels = c.x[1];
  int x = test::add_input(g, "x", c.x);
  int s = c.constant_scale ? g.add_constant("s", test::random_tensor({1, channels, 1, 1}, 7))
                           : test::add_node(g, "Sigmoid", "gate", {test::add_node(g, "GlobalAveragePool", "squeeze", {x})});
  int product = test::add_node(g, "Mul", "scale", c.scale_first ? std::vector<int>{s, x} : std::vector<int>{x, s});
  Attributes conv;
  const int64_t pad = c.kernel / 2;
  conv.set_ints("pads", {pad, pad, pad, pad});
  int y = test::add_node(g, "Conv", "project",
                         {product, g.add_constant("w", test::random_tensor({c.out_channels, channels, c.kernel, c.kernel}, 8)),
                          g.add_constant("b", test::random_tensor({c.out_channels}, 9))},
                         conv);
  if (c.epilogue) {
    Tensor var = test::random_tensor({c.out_channels}, 13);
    for (int64_t i = 0; i < c.out_channels; ++i) var.data<float>()[i] = 0.5f + std::fabs(var.data<float>()[i]);
    y = test::add_node(g, "BatchNormalization", "bn",
                       {y, g.add_constant("bs", test::random_tensor({c.out_channels}, 10)),
                        g.add_constant("bb", test::random_tensor({c.out_channels}, 11)),
                        g.add_constant("bm", test::random_tensor({c.out_channels}, 12)), g.add_constant("bv", var)});
    y = test::add_node(g, "Add", "residual", {y, x});
  }
  g.outputs.push_back(y);
  return g;
}

// The product becomes the 1x1 convolution's input scale (FusedConv's input 4), applied as its GEMM
// packs x: the Mul is gone, the output within float rounding of the unfused graph's reference, the
// same bits at 1, 2 and 4 threads (7x7 maps: B packed once for all threads, with the scale; 20x20:
// each thread's columns). With BatchNormalization and the residual folded in as well.
TEST(FuseConv, FoldsAChannelScaleIntoThePointwiseConvolutionAfterIt) {
  const ScaleCase cases[] = {
      {{1, 20, 7, 7}, 24, false, false, false}, {{2, 24, 9, 9}, 24, false, true, true},
      {{1, 16, 20, 20}, 10, true, false, false}, {{2, 13, 7, 7}, 13, true, true, true}};
  for (const ScaleCase& c : cases) {
    const std::string what = shape_to_string(c.x) + " -> " + std::to_string(c.out_channels);
    Model m = Model::from_graph(scaled_pointwise(c));
    Graph g = m.graph();
    fuse_conv_epilogues(g);
    EXPECT_EQ(count_ops(g, "Mul"), 0) << what;
    EXPECT_EQ(count_ops(g, "BatchNormalization") + count_ops(g, "Add"), 0) << what;
    bool scaled = false;
    for (const Node& n : g.nodes) scaled = scaled || (n.op == "FusedConv" && n.inputs.size() == 5 && n.inputs[4] >= 0);
    EXPECT_TRUE(scaled) << what << ": no convolution took the scale";
    // The GEMM kernel runs it (not the reference, which would pass the comparisons below too).
    bool gemm_kernel = false;
    for (const auto& node : Session(m).plan())
      gemm_kernel = gemm_kernel || (node.op == "FusedConv" && node.kernel.rfind("conv_1x1_gemm/", 0) == 0);
    EXPECT_TRUE(gemm_kernel) << what << ": the scaled convolution is not on the GEMM kernel";
    Tensor plain = run(m, false), fused = run(m, true, 1);
    ASSERT_EQ(fused.shape(), plain.shape());
    for (int64_t i = 0; i < fused.numel(); ++i)
      ASSERT_NEAR(fused.data<float>()[i], plain.data<float>()[i], 1e-5f * (1 + std::fabs(plain.data<float>()[i])))
          << what << ", element " << i;
    for (int threads : {2, 4}) {
      Tensor other = run(m, true, threads);
      ASSERT_EQ(std::memcmp(other.data<float>(), fused.data<float>(), fused.numel() * sizeof(float)), 0)
          << what << " at " << threads << " threads";
    }
    // fp16 products (ARMv8.2 CPUs), which take x scaled beforehand: within fp16 sums' rounding.
    if (f16_gemm_available()) {
      Tensor half = run(m, true, 2, true);
      for (int64_t i = 0; i < half.numel(); ++i)
        ASSERT_NEAR(half.data<float>()[i], plain.data<float>()[i], 2e-2f * (1 + std::fabs(plain.data<float>()[i])))
            << what << " in fp16, element " << i;
    }
  }
}

// Products the convolution cannot take as its input scale: a scale [C, 1, 1] (3-D), one of two
// images against x of one ([2, C, 1, 1] x [1, C, H, W]: the product has two images), and a
// stride-2 1x1 convolution after it.
TEST(FuseConv, KeepsOtherBroadcastsAndStridedConvolutions) {
  auto count_after_fusion = [](Graph g) {
    prepare_graph(g);
    fuse_conv_epilogues(g);
    return count_ops(g, "Mul");
  };
  auto pointwise = [](Graph& g, int input, int64_t channels, int64_t stride) {
    Attributes a;
    a.set_ints("strides", {stride, stride});
    g.outputs.push_back(test::add_node(g, "Conv", "project",
                                       {input, g.add_constant("w", test::random_tensor({4, channels, 1, 1}, 8))}, a));
  };
  {
    Graph g;
    int x = test::add_input(g, "x", {1, 8, 6, 6});
    int p = test::add_node(g, "Mul", "scale", {x, g.add_constant("s", test::random_tensor({8, 1, 1}, 7))});
    pointwise(g, p, 8, 1);
    EXPECT_EQ(count_after_fusion(g), 1) << "a 3-D scale";
  }
  {
    Graph g;
    int x = test::add_input(g, "x", {1, 8, 6, 6});
    int p = test::add_node(g, "Mul", "scale", {x, g.add_constant("s", test::random_tensor({2, 8, 1, 1}, 7))});
    pointwise(g, p, 8, 1);
    EXPECT_EQ(count_after_fusion(g), 1) << "a scale of two images against one";
  }
  {
    Graph g;
    int x = test::add_input(g, "x", {1, 8, 6, 6});
    int p = test::add_node(g, "Mul", "scale", {x, g.add_constant("s", test::random_tensor({1, 8, 1, 1}, 7))});
    pointwise(g, p, 8, 2);
    EXPECT_EQ(count_after_fusion(g), 1) << "a stride-2 1x1 convolution";
  }
  {  // the same graph with stride 1 does fuse (the cases above fail for their own reason)
    Graph g;
    int x = test::add_input(g, "x", {1, 8, 6, 6});
    int p = test::add_node(g, "Mul", "scale", {x, g.add_constant("s", test::random_tensor({1, 8, 1, 1}, 7))});
    pointwise(g, p, 8, 1);
    EXPECT_EQ(count_after_fusion(g), 0) << "the stride-1 control";
  }
}

TEST(FuseConv, KeepsAChannelScaleBeforeA3x3OrWithAnotherReader) {
  Graph wide = scaled_pointwise({{1, 8, 6, 6}, 4, false, false, false, 3});
  prepare_graph(wide);
  fuse_conv_epilogues(wide);
  EXPECT_EQ(count_ops(wide, "Mul"), 1) << "a 3x3 convolution takes no input scale";
  Graph shared = scaled_pointwise({{1, 8, 6, 6}, 4, false, false, false});
  int product = -1;
  for (const Node& n : shared.nodes)
    if (n.op == "Mul") product = n.outputs[0];
  shared.outputs.push_back(test::add_node(shared, "Relu", "second_reader", {product}));
  prepare_graph(shared);
  fuse_conv_epilogues(shared);
  EXPECT_EQ(count_ops(shared, "Mul"), 1) << "the product has another reader";
}

}  // namespace
}  // namespace kite
