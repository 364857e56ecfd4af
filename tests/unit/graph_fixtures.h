// Small graphs built in code, for tests of passes, the .kite format and the session.
#pragma once
#include <string>
#include <vector>

#include "graph/graph.h"

namespace kite::test {

// input [1,3,8,8] -> Conv 3x3 (4 channels, pad 1) -> Relu -> GlobalAveragePool -> Flatten
// -> Gemm (5 classes) -> "scores". Weights are deterministic.
Graph tiny_cnn();

// A graph with the exporters' shape arithmetic: Shape -> Gather -> Unsqueeze -> Concat ->
// Reshape, which must fold into a constant shape at load.
Graph reshape_by_shape_arithmetic();

Tensor ramp(Shape shape, float scale);

// Adds a graph input of this shape (f32); returns its value index.
int add_input(Graph& g, const std::string& name, Shape shape);
// Adds a one-output node; its output value is called name + ":0". Returns the output's index.
int add_node(Graph& g, const std::string& op, const std::string& name, std::vector<int> inputs,
             Attributes attrs = {});

}  // namespace kite::test
