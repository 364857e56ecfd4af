// fuse_pad_into_pool: a zero Pad of the spatial axes before an AveragePool becomes the pool's
// pads (count_include_pad on), with the unfused graph's results; every other Pad stays a node.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "graph_fixtures.h"
#include "kite/model.h"
#include "kite/session.h"
#include "passes/passes.h"

namespace kite {
namespace {

struct PadCase {
  std::vector<int64_t> pads = {0, 0, 1, 1, 0, 0, 1, 1};
  float fill = 0.f;
  std::string pool = "AveragePool";
  int64_t count_include_pad = 0;
  bool second_reader = false;  // the Pad's output also feeds a Relu (a graph output)
  bool pad_is_output = false;  // the Pad's output is itself a graph output
  int64_t ceil_mode = 0;
  std::vector<int64_t> pool_pads;  // the pool's own pads (none if empty)
  int pad_opset = 13;              // < 11: pads and value as attributes
};

// x [1, 3, 7, 9] -> Pad -> pool 3x3 stride 1 -> y.
Graph pad_then_pool(const PadCase& c) {
  Graph g;
  int x = test::add_input(g, "x", {1, 3, 7, 9});
  Tensor pads(DType::s64, {8});
  for (size_t i = 0; i < 8; ++i) pads.data<int64_t>()[i] = c.pads[i];
  Tensor fill(DType::f32, {});
  fill.data<float>()[0] = c.fill;
  int padded;
  if (c.pad_opset < 11) {
    Attributes pa;
    pa.set_ints("pads", c.pads);
    pa.set_float("value", c.fill);
    padded = test::add_node(g, "Pad", "pad", {x}, pa);
  } else {
    padded = test::add_node(g, "Pad", "pad", {x, g.add_constant("pads", pads), g.add_constant("fill", fill)});
  }
  g.nodes.back().opset = c.pad_opset;
  Attributes a;
  a.set_ints("kernel_shape", {3, 3});
  if (c.pool == "AveragePool") a.set_int("count_include_pad", c.count_include_pad);
  if (c.ceil_mode) a.set_int("ceil_mode", c.ceil_mode);
  if (!c.pool_pads.empty()) a.set_ints("pads", c.pool_pads);
  g.outputs.push_back(test::add_node(g, c.pool, "pool", {padded}, a));
  if (c.second_reader) g.outputs.push_back(test::add_node(g, "Relu", "side", {padded}));
  if (c.pad_is_output) g.outputs.push_back(padded);
  return g;
}

int count_ops(const Graph& g, const std::string& op) {
  int n = 0;
  for (const Node& node : g.nodes) n += node.op == op;
  return n;
}

// The optimized session (fused) against the reference kernels on the graph as built.
void expect_same_results(const Graph& graph, const std::string& what) {
  Model m = Model::from_graph(graph);
  Tensor x = test::ramp({1, 3, 7, 9}, 2.f);
  SessionOptions plain;
  plain.optimize = false;
  auto want = Session(m, plain).run({{"x", x}});
  auto got = Session(m).run({{"x", x}});
  ASSERT_EQ(want.size(), got.size()) << what;
  for (size_t o = 0; o < want.size(); ++o) {
    const Tensor& a = want[o].second;
    const Tensor& b = got[o].second;
    ASSERT_EQ(a.shape(), b.shape()) << what;
    for (int64_t i = 0; i < a.numel(); ++i)
      ASSERT_NEAR(a.data<float>()[i], b.data<float>()[i], 1e-6f) << what << " output " << o << " element " << i;
  }
}

TEST(FusePad, ZeroSpatialPadBecomesTheAveragePoolsPads) {
  // The last one with pads and value as attributes (opset 10).
  const std::pair<std::vector<int64_t>, int> cases[] = {
      {{0, 0, 1, 1, 0, 0, 1, 1}, 13},
      {{0, 0, 0, 2, 0, 0, 1, 0}, 13},
      {{0, 0, 2, 0, 0, 0, 0, 3}, 13},
      {{0, 0, 1, 1, 0, 0, 1, 1}, 10}};
  for (const auto& [pads, opset] : cases) {
    PadCase c;
    c.pads = pads;
    c.pad_opset = opset;
    Model m = Model::from_graph(pad_then_pool(c));
    Graph g = m.graph();
    fuse_pad_into_pool(g);
    ASSERT_EQ(count_ops(g, "Pad"), 0);
    const Node& pool = g.nodes[0];
    EXPECT_EQ(pool.attrs.get_ints("pads", {}), (std::vector<int64_t>{pads[2], pads[3], pads[6], pads[7]}));
    EXPECT_EQ(pool.attrs.get_int("count_include_pad", 0), 1);
    expect_same_results(pad_then_pool(c), "pads " + std::to_string(pads[2]) + std::to_string(pads[3]) +
                                              std::to_string(pads[6]) + std::to_string(pads[7]));
  }
}

TEST(FusePad, OtherPadsStayNodes) {
  PadCase nonzero, negative_zero, channels, crop, counted, max_pool, shared, output, ceil, own_pads, old_nonzero;
  nonzero.fill = 0.5f;
  negative_zero.fill = -0.f;
  channels.pads = {0, 1, 1, 1, 0, 0, 1, 1};
  crop.pads = {0, 0, -1, 1, 0, 0, 1, 1};
  counted.count_include_pad = 1;
  max_pool.pool = "MaxPool";
  shared.second_reader = true;
  output.pad_is_output = true;
  ceil.ceil_mode = 1;
  own_pads.pool_pads = {1, 0, 0, 1};
  old_nonzero.pad_opset = 10;
  old_nonzero.fill = 1.f;
  const std::pair<const char*, PadCase> cases[] = {{"fill 0.5", nonzero},     {"fill -0", negative_zero},
                                                   {"channel pad", channels}, {"cropping pad", crop},
                                                   {"count_include_pad", counted}, {"MaxPool", max_pool},
                                                   {"second reader", shared}, {"graph output", output},
                                                   {"ceil_mode", ceil}, {"pool's own pads", own_pads},
                                                   {"opset 10 fill 1", old_nonzero}};
  for (const auto& [what, c] : cases) {
    Model m = Model::from_graph(pad_then_pool(c));
    Graph g = m.graph();
    fuse_pad_into_pool(g);
    EXPECT_EQ(count_ops(g, "Pad"), 1) << what;
    expect_same_results(pad_then_pool(c), what);
  }
}

}  // namespace
}  // namespace kite
