#include "graph/graph.h"

namespace kite {

int Graph::add_value(Value v) {
  values.push_back(std::move(v));
  return static_cast<int>(values.size()) - 1;
}

int Graph::add_constant(const std::string& name, Tensor t) {
  Value v;
  v.name = name;
  v.dtype = t.dtype();
  v.shape = t.shape();
  v.shape_known = true;
  v.constant = std::move(t);
  return add_value(std::move(v));
}

int Graph::find_value(const std::string& name) const {
  for (size_t i = 0; i < values.size(); ++i)
    if (values[i].name == name) return static_cast<int>(i);
  return -1;
}

std::string Graph::describe(const Node& node) {
  return node.op + " node '" + node.name + "'";
}

std::vector<int> producer_of_values(const Graph& g) {
  std::vector<int> producer(g.values.size(), -1);
  for (size_t n = 0; n < g.nodes.size(); ++n)
    for (int v : g.nodes[n].outputs) producer[static_cast<size_t>(v)] = static_cast<int>(n);
  return producer;
}

std::vector<int> use_counts(const Graph& g) {
  std::vector<int> uses(g.values.size(), 0);
  for (const Node& n : g.nodes)
    for (int v : n.inputs)
      if (v >= 0) ++uses[static_cast<size_t>(v)];
  for (int v : g.outputs) ++uses[static_cast<size_t>(v)];
  return uses;
}

std::vector<const Value*> Graph::input_values(const Node& node) const {
  std::vector<const Value*> out;
  for (int v : node.inputs) out.push_back(v < 0 ? nullptr : &values[static_cast<size_t>(v)]);
  return out;
}

const Tensor* Graph::constant_input(const Node& node, size_t i) const {
  if (i >= node.inputs.size() || node.inputs[i] < 0) return nullptr;
  const Value& v = values[static_cast<size_t>(node.inputs[i])];
  return v.constant ? &*v.constant : nullptr;
}

}  // namespace kite
