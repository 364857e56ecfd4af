// The inference fusions (BatchNormalization, residual Add, ReLU / Clip into the convolution)
// against the unfused graph run by the reference kernels.
#include <gtest/gtest.h>

#include <cmath>

#include "graph/graph.h"
#include "kite/session.h"
#include "kite/zoo.h"
#include "graph_fixtures.h"
#include "passes/passes.h"

namespace kite {
namespace {

Tensor run(const Model& m, bool optimize) {
  SessionOptions o;
  o.optimize = optimize;
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

}  // namespace
}  // namespace kite
