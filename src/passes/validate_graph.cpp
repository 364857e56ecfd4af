#include <map>
#include <sstream>

#include "ops/op.h"
#include "passes/passes.h"

namespace kite {
namespace {

void check_index(const Graph& g, int v, const std::string& where) {
  KITE_CHECK(v >= 0 && static_cast<size_t>(v) < g.values.size(), where, " refers to value #", v,
             ", which does not exist");
}

void check_ops_known(const Graph& g) {
  std::map<std::string, std::vector<std::string>> missing;
  for (const Node& n : g.nodes)
    if (!find_op(n.op)) missing[n.op].push_back(n.name);
  if (missing.empty()) return;
  // Every missing operator at once, each with the nodes that use it (the first few of many).
  const size_t kNamesShown = 5;
  std::ostringstream msg;
  msg << "unsupported operator" << (missing.size() > 1 ? "s" : "") << ": ";
  bool first = true;
  for (const auto& [op, nodes] : missing) {
    msg << (first ? "" : "; ") << op << " (" << (nodes.size() > 1 ? "nodes " : "node ");
    for (size_t i = 0; i < nodes.size() && i < kNamesShown; ++i) msg << (i ? ", " : "") << "'" << nodes[i] << "'";
    if (nodes.size() > kNamesShown) msg << " and " << nodes.size() - kNamesShown << " more";
    msg << ")";
    first = false;
  }
  fail(msg.str());
}

}  // namespace

// Kahn's algorithm, stable: nodes already in order stay in order.
void sort_topologically(Graph& g) {
  std::vector<int> producer = producer_of_values(g);
  std::vector<bool> ready(g.values.size(), false);
  for (size_t v = 0; v < g.values.size(); ++v) ready[v] = producer[v] < 0;
  std::vector<Node> ordered;
  std::vector<bool> placed(g.nodes.size(), false);
  while (ordered.size() < g.nodes.size()) {
    bool progress = false;
    for (size_t n = 0; n < g.nodes.size(); ++n) {
      if (placed[n]) continue;
      bool inputs_ready = true;
      for (int v : g.nodes[n].inputs) inputs_ready = inputs_ready && (v < 0 || ready[static_cast<size_t>(v)]);
      if (!inputs_ready) continue;
      for (int v : g.nodes[n].outputs) ready[static_cast<size_t>(v)] = true;
      placed[n] = true;
      ordered.push_back(std::move(g.nodes[n]));
      progress = true;
    }
    KITE_CHECK(progress, "the graph has a cycle");
  }
  g.nodes = std::move(ordered);
}

void validate_graph(Graph& g) {
  check_ops_known(g);
  std::vector<int> produced(g.values.size(), 0);
  for (int v : g.inputs) {
    check_index(g, v, "a graph input");
    KITE_CHECK(++produced[static_cast<size_t>(v)] == 1, "graph input '", g.values[static_cast<size_t>(v)].name,
               "' is listed twice");
    // Shape arithmetic downstream assumes non-negative dimensions whose product fits int64.
    const Value& input = g.values[static_cast<size_t>(v)];
    try {
      shape_numel(input.shape);
    } catch (const Error& e) {
      fail("graph input '", input.name, "': ", e.what());
    }
  }
  for (size_t v = 0; v < g.values.size(); ++v)
    if (g.values[v].constant) {
      g.values[v].dtype = g.values[v].constant->dtype();
      g.values[v].shape = g.values[v].constant->shape();
      g.values[v].shape_known = true;
      KITE_CHECK(++produced[v] == 1, "value '", g.values[v].name, "' is both a graph input and a constant");
    }
  for (const Node& n : g.nodes) {
    const OpDef* def = find_op(n.op);
    int count = static_cast<int>(n.inputs.size());
    KITE_CHECK(count >= def->min_inputs && count <= def->max_inputs, Graph::describe(n), " has ", count,
               " inputs; ", n.op, " takes ", def->min_inputs, " to ", def->max_inputs);
    KITE_CHECK(!n.outputs.empty(), Graph::describe(n), " has no outputs");
    for (size_t i = 0; i < n.inputs.size(); ++i) {
      KITE_CHECK(n.inputs[i] != -1 || static_cast<int>(i) >= def->min_inputs, Graph::describe(n),
                 ": required input ", i, " is missing");
      if (n.inputs[i] != -1) check_index(g, n.inputs[i], Graph::describe(n));
    }
    for (int v : n.outputs) {
      check_index(g, v, Graph::describe(n));
      KITE_CHECK(++produced[static_cast<size_t>(v)] == 1, "value '", g.values[static_cast<size_t>(v)].name,
                 "' is produced more than once");
    }
  }
  for (int v : g.outputs) {
    check_index(g, v, "a graph output");
    KITE_CHECK(produced[static_cast<size_t>(v)] == 1, "graph output '", g.values[static_cast<size_t>(v)].name,
               "' is never produced");
  }
  KITE_CHECK(!g.outputs.empty(), "the graph has no outputs");
  sort_topologically(g);
  for (const Node& n : g.nodes)
    for (int v : n.inputs)
      KITE_CHECK(v < 0 || produced[static_cast<size_t>(v)] == 1, Graph::describe(n), " reads '",
                 g.values[static_cast<size_t>(v)].name, "', which nothing produces");
}

void prepare_graph(Graph& g) {
  validate_graph(g);
  infer_and_fold(g);
  prune_unused(g);
}

}  // namespace kite
