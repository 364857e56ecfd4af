// Runs one operator's shape inference and reference kernel on given tensors, the way the
// runtime would, so operator tests state inputs, attributes and expected outputs only.
#pragma once
#include <string>
#include <vector>

#include "graph/graph.h"
#include "ops/op.h"

namespace kite::test {

struct OpCase {
  std::string op;
  Attributes attrs;
  // An empty Tensor() marks an omitted optional input.
  std::vector<Tensor> inputs;
  // Which inputs shape inference may read as load-time constants (default: all of them).
  std::vector<bool> constant;
  int num_outputs = 1;
  int opset = 17;
};

// Throws kite::Error exactly as the runtime would for a bad node.
std::vector<Tensor> run_op(const OpCase& c);

// Max |a - b| over all elements; shapes and dtypes must match (checked with gtest).
float max_abs_diff(const Tensor& a, const Tensor& b);

}  // namespace kite::test
