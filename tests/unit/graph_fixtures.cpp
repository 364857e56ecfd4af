#include "graph_fixtures.h"

#include <cmath>

namespace kite::test {

Tensor ramp(Shape shape, float scale) {
  Tensor t(DType::f32, std::move(shape));
  float* p = t.data<float>();
  for (int64_t i = 0; i < t.numel(); ++i) p[i] = scale * std::sin(0.37f * static_cast<float>(i) + 0.1f);
  return t;
}

int add_input(Graph& g, const std::string& name, Shape shape) {
  Value v;
  v.name = name;
  v.shape = std::move(shape);
  v.shape_known = true;
  int id = g.add_value(v);
  g.inputs.push_back(id);
  return id;
}

int add_node(Graph& g, const std::string& op, const std::string& name, std::vector<int> inputs, Attributes attrs) {
  Value out;
  out.name = name + ":0";
  int id = g.add_value(out);
  Node n;
  n.op = op;
  n.name = name;
  n.inputs = std::move(inputs);
  n.outputs = {id};
  n.attrs = std::move(attrs);
  g.nodes.push_back(std::move(n));
  return id;
}

Graph tiny_cnn() {
  Graph g;
  int x = add_input(g, "image", {1, 3, 8, 8});
  Attributes conv;
  conv.set_ints("pads", {1, 1, 1, 1});
  conv.set_ints("kernel_shape", {3, 3});
  int w = g.add_constant("conv.weight", ramp({4, 3, 3, 3}, 0.3f));
  int b = g.add_constant("conv.bias", ramp({4}, 0.1f));
  int c = add_node(g, "Conv", "conv", {x, w, b}, conv);
  int r = add_node(g, "Relu", "relu", {c});
  int p = add_node(g, "GlobalAveragePool", "pool", {r});
  int f = add_node(g, "Flatten", "flatten", {p});
  Attributes gemm;
  gemm.set_int("transB", 1);
  int fw = g.add_constant("fc.weight", ramp({5, 4}, 0.5f));
  int fb = g.add_constant("fc.bias", ramp({5}, 0.2f));
  int y = add_node(g, "Gemm", "fc", {f, fw, fb}, gemm);
  g.values[static_cast<size_t>(y)].name = "scores";
  g.outputs.push_back(y);
  return g;
}

Graph reshape_by_shape_arithmetic() {
  Graph g;
  int x = add_input(g, "x", {2, 3, 4});
  int shape = add_node(g, "Shape", "shape", {x});
  int zero = g.add_constant("zero", Tensor::from_int64s({}, {0}));
  int batch = add_node(g, "Gather", "gather", {shape, zero});
  int axes = g.add_constant("axes", Tensor::from_int64s({1}, {0}));
  int batch1d = add_node(g, "Unsqueeze", "unsqueeze", {batch, axes});
  int minus_one = g.add_constant("minus_one", Tensor::from_int64s({1}, {-1}));
  Attributes concat;
  concat.set_int("axis", 0);
  int target = add_node(g, "Concat", "concat", {batch1d, minus_one}, concat);
  int y = add_node(g, "Reshape", "reshape", {x, target});
  g.outputs.push_back(y);
  return g;
}

}  // namespace kite::test
