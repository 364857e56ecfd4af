// Small graphs built in code, for tests of passes, the .kite format and the session.
#pragma once
#include "graph/graph.h"

namespace kite::test {

// input [1,3,8,8] -> Conv 3x3 (4 channels, pad 1) -> Relu -> GlobalAveragePool -> Flatten
// -> Gemm (5 classes) -> "scores". Weights are deterministic.
Graph tiny_cnn();

// A graph with the exporters' shape arithmetic: Shape -> Gather -> Unsqueeze -> Concat ->
// Reshape, which must fold into a constant shape at load.
Graph reshape_by_shape_arithmetic();

Tensor ramp(Shape shape, float scale);

}  // namespace kite::test
