#include <gtest/gtest.h>

#include "graph_fixtures.h"
#include "op_test_util.h"
#include "kite/model.h"
#include "passes/passes.h"

namespace kite {
namespace {

TEST(InferAndFold, FoldsExporterShapeArithmeticIntoOneReshape) {
  Graph g = test::reshape_by_shape_arithmetic();
  prepare_graph(g);
  ASSERT_EQ(g.nodes.size(), 1u);
  EXPECT_EQ(g.nodes[0].op, "Reshape");
  const Value& target = g.values[static_cast<size_t>(g.nodes[0].inputs[1])];
  ASSERT_TRUE(target.constant.has_value());
  EXPECT_EQ(target.constant->data<int64_t>()[0], 2);
  EXPECT_EQ(target.constant->data<int64_t>()[1], -1);
  EXPECT_EQ(g.values[static_cast<size_t>(g.outputs[0])].shape, (Shape{2, 12}));
}

TEST(InferAndFold, InfersEveryShape) {
  Graph g = test::tiny_cnn();
  prepare_graph(g);
  for (const Value& v : g.values) EXPECT_TRUE(v.shape_known) << v.name;
  EXPECT_EQ(g.values[static_cast<size_t>(g.outputs[0])].shape, (Shape{1, 5}));
}

TEST(PruneUnused, DropsNodesNobodyReads) {
  Graph g = test::tiny_cnn();
  // A dangling branch: Relu of the input that no output depends on.
  Value v;
  v.name = "dangling";
  int out = g.add_value(v);
  Node n;
  n.op = "Relu";
  n.name = "unused_relu";
  n.inputs = {g.inputs[0]};
  n.outputs = {out};
  g.nodes.push_back(n);
  prepare_graph(g);
  for (const Node& node : g.nodes) EXPECT_NE(node.name, "unused_relu");
  EXPECT_EQ(g.find_value("dangling"), -1);
}

TEST(ValidateGraph, ListsEveryUnsupportedOperatorAtOnce) {
  Graph g = test::tiny_cnn();
  g.nodes[1].op = "FancyRelu";
  g.nodes[2].op = "MagicPool";
  try {
    prepare_graph(g);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    std::string msg = e.what();
    EXPECT_NE(msg.find("FancyRelu (node 'relu')"), std::string::npos) << msg;
    EXPECT_NE(msg.find("MagicPool (node 'pool')"), std::string::npos) << msg;
  }
}

TEST(ValidateGraph, RejectsBadIndicesCyclesAndArity) {
  Graph bad_index = test::tiny_cnn();
  bad_index.nodes[1].inputs[0] = 999;
  EXPECT_THROW(prepare_graph(bad_index), Error);

  Graph cycle = test::tiny_cnn();
  cycle.nodes[0].inputs[0] = cycle.nodes[1].outputs[0];  // conv reads relu, relu reads conv
  EXPECT_THROW(prepare_graph(cycle), Error);

  Graph arity = test::tiny_cnn();
  arity.nodes[1].inputs.push_back(arity.inputs[0]);  // Relu takes one input
  EXPECT_THROW(prepare_graph(arity), Error);
}

TEST(ValidateGraph, GraphInputShapesMustBeValid) {
  for (Shape bad : {Shape{1, 3, -8, 8}, Shape{int64_t{1} << 40, int64_t{1} << 40, 8, 8}}) {
    Graph g = test::tiny_cnn();
    g.values[static_cast<size_t>(g.inputs[0])].shape = bad;
    std::string msg = test::error_of([&] { prepare_graph(g); });
    EXPECT_NE(msg.find("graph input 'image'"), std::string::npos) << msg;
  }
}

TEST(InferAndFold, ConcatOfHugeInputsIsAnErrorNotAWrappedShape) {
  Graph g;
  int x = test::add_input(g, "x", {(int64_t{1} << 61) - 1});  // a valid shape on its own
  Attributes axis;
  axis.set_int("axis", 0);
  g.outputs.push_back(test::add_node(g, "Concat", "concat", std::vector<int>(5, x), axis));
  std::string msg = test::error_of([&] { prepare_graph(g); });
  EXPECT_NE(msg.find("Concat node 'concat'"), std::string::npos) << msg;
}

TEST(ValidateGraph, ValuesDefinedTwiceSaySo) {
  Graph listed_twice = test::tiny_cnn();
  listed_twice.inputs.push_back(listed_twice.inputs[0]);
  std::string msg = test::error_of([&] { prepare_graph(listed_twice); });
  EXPECT_NE(msg.find("graph input 'image' is listed twice"), std::string::npos) << msg;

  Graph input_and_constant = test::tiny_cnn();
  input_and_constant.values[static_cast<size_t>(input_and_constant.inputs[0])].constant = test::ramp({1, 3, 8, 8}, 1);
  msg = test::error_of([&] { prepare_graph(input_and_constant); });
  EXPECT_NE(msg.find("'image' is both a graph input and a constant"), std::string::npos) << msg;
}

TEST(ValidateGraph, ReordersNodesTopologically) {
  Graph g = test::tiny_cnn();
  std::swap(g.nodes[0], g.nodes[3]);
  Model m = Model::from_graph(std::move(g));
  EXPECT_EQ(m.graph().nodes.front().op, "Conv");
}

TEST(InferAndFold, ShapeErrorsNameTheNode) {
  Graph g = test::tiny_cnn();
  g.values[static_cast<size_t>(g.inputs[0])].shape = {1, 5, 8, 8};  // conv weight wants 3 channels
  try {
    prepare_graph(g);
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("Conv node 'conv'"), std::string::npos) << e.what();
  }
}

TEST(LayerStats, CountsConvAndGemmParamsAndMacs) {
  Model m = Model::from_graph(test::tiny_cnn());
  std::vector<LayerStats> rows = m.layer_stats();
  ASSERT_EQ(rows.size(), 5u);
  EXPECT_EQ(rows[0].params, 4 * 3 * 3 * 3 + 4);
  EXPECT_EQ(rows[0].macs, 4 * 8 * 8 * 3 * 3 * 3);
  EXPECT_EQ(rows[4].params, 5 * 4 + 5);
  EXPECT_EQ(rows[4].macs, 5 * 4);
  EXPECT_EQ(rows[1].params + rows[1].macs, 0);
}

}  // namespace
}  // namespace kite
