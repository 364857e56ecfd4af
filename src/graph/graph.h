// kite's graph IR: values (tensors flowing between nodes, or constant weights) and nodes
// (operators), both held by index in one Graph. Importers, the .kite reader and the zoo build it;
// passes rewrite it; the runtime plans and runs it.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "graph/attributes.h"
#include "kite/tensor.h"

namespace kite {

struct Value {
  std::string name;
  DType dtype = DType::f32;
  Shape shape;
  bool shape_known = false;
  // Set for weights and for values folded at load time.
  std::optional<Tensor> constant;
};

struct Node {
  std::string name;
  std::string op;
  std::vector<int> inputs;   // value indices; -1 marks an omitted optional input
  std::vector<int> outputs;  // value indices
  Attributes attrs;
  int opset = 17;  // the ONNX opset the node's semantics follow
};

struct Graph {
  std::vector<Value> values;
  std::vector<Node> nodes;  // in topological order once validated
  std::vector<int> inputs;
  std::vector<int> outputs;

  int add_value(Value v);
  int add_constant(const std::string& name, Tensor t);
  // Index of the value with this name, or -1.
  int find_value(const std::string& name) const;
  // Readable reference to a node for error messages: "Conv node 'conv1'".
  static std::string describe(const Node& node);
  // The node's inputs as values, nullptr for an omitted optional input (what OpDef::infer reads).
  std::vector<const Value*> input_values(const Node& node) const;
  // The constant held by the node's input i, or nullptr (omitted, out of range, or not constant).
  const Tensor* constant_input(const Node& node, size_t i) const;
};

// Which node produces each value (-1 for graph inputs and constants).
std::vector<int> producer_of_values(const Graph& g);
// How many node inputs and graph outputs read each value.
std::vector<int> use_counts(const Graph& g);

}  // namespace kite
