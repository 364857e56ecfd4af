#include "ops/op.h"
#include "passes/passes.h"

namespace kite {
namespace {

// Shape only reads its input's shape, so it folds whenever that shape is known.
bool reads_only_input_shape(const Node& n) { return n.op == "Shape"; }

// Constants larger than this are computed at run time instead: folding exists for shape
// arithmetic and small tensors, and must not let a tiny file make the loader allocate gigabytes.
constexpr int64_t kMaxFoldedBytes = 16 << 20;

bool outputs_small_enough(const Graph& g, const Node& n) {
  for (int v : n.outputs) {
    const Value& out = g.values[static_cast<size_t>(v)];
    if (shape_numel(out.shape) > kMaxFoldedBytes / static_cast<int64_t>(dtype_size(out.dtype))) return false;
  }
  return true;
}

// Quantized weights stay quantized in the loaded graph (a quarter of the memory): the session
// fuses their DequantizeLinear into an int8 kernel, or computes it once (passes/fuse_qdq.cpp).
bool keeps_quantized_weight(const Graph& g, const Node& n) {
  return n.op == "DequantizeLinear" && !n.inputs.empty() && n.inputs[0] >= 0 &&
         shape_numel(g.values[static_cast<size_t>(n.inputs[0])].shape) > 1;
}

bool all_inputs_constant(const Graph& g, const Node& n) {
  for (int v : n.inputs)
    if (v >= 0 && !g.values[static_cast<size_t>(v)].constant) return false;
  return true;
}

void infer_node(Graph& g, const Node& n, const OpDef& def) {
  std::vector<ValueType> types = def.infer(n, g.input_values(n));
  KITE_CHECK(types.size() == n.outputs.size(), "produces ", types.size(), " outputs, the node names ",
             n.outputs.size());
  for (size_t i = 0; i < types.size(); ++i) {
    Value& out = g.values[static_cast<size_t>(n.outputs[i])];
    out.dtype = types[i].dtype;
    out.shape = types[i].shape;
    out.shape_known = true;
  }
}

void fold_node(Graph& g, const Node& n, const OpDef& def) {
  std::vector<Tensor> shape_views;
  std::vector<const Tensor*> inputs;
  shape_views.reserve(n.inputs.size());
  for (int v : n.inputs) {
    if (v < 0) {
      inputs.push_back(nullptr);
      continue;
    }
    const Value& value = g.values[static_cast<size_t>(v)];
    if (value.constant) {
      inputs.push_back(&*value.constant);
    } else {
      shape_views.push_back(Tensor::view(value.dtype, value.shape, nullptr, nullptr));
      inputs.push_back(&shape_views.back());
    }
  }
  std::vector<Tensor> outputs;
  for (int v : n.outputs) outputs.emplace_back(g.values[static_cast<size_t>(v)].dtype, g.values[static_cast<size_t>(v)].shape);
  def.reference(n, inputs, outputs);
  for (size_t i = 0; i < outputs.size(); ++i) g.values[static_cast<size_t>(n.outputs[i])].constant = std::move(outputs[i]);
}

bool any_input_shape_unknown(const Graph& g, const Node& n) {
  for (int v : n.inputs)
    if (v >= 0 && !g.values[static_cast<size_t>(v)].shape_known) return true;
  return false;
}

void mark_outputs_shape_unknown(Graph& g, const Node& n) {
  for (int v : n.outputs) {
    g.values[static_cast<size_t>(v)].shape_known = false;
    g.values[static_cast<size_t>(v)].shape.clear();
  }
}

}  // namespace

void infer_and_fold(Graph& g) {
  std::vector<Node> kept;
  for (Node& n : g.nodes) {
    const OpDef* def = find_op(n.op);
    try {
      // Shapes that depend on run-time values are inferred when the node runs (Session).
      if (any_input_shape_unknown(g, n)) {
        mark_outputs_shape_unknown(g, n);
        kept.push_back(std::move(n));
        continue;
      }
      try {
        infer_node(g, n, *def);
      } catch (const ValueNeededAtRunTime&) {
        mark_outputs_shape_unknown(g, n);
        kept.push_back(std::move(n));
        continue;
      }
      if ((all_inputs_constant(g, n) || reads_only_input_shape(n)) && outputs_small_enough(g, n) &&
          !keeps_quantized_weight(g, n)) {
        fold_node(g, n, *def);
        continue;
      }
    } catch (const Error& e) {
      fail(Graph::describe(n), ": ", e.what());
    }
    kept.push_back(std::move(n));
  }
  g.nodes = std::move(kept);
}

void remove_cleared_nodes(Graph& g) {
  std::vector<Node> kept;
  for (Node& n : g.nodes)
    if (!n.op.empty()) kept.push_back(std::move(n));
  g.nodes = std::move(kept);
}

void prune_unused(Graph& g) {
  std::vector<bool> live_value(g.values.size(), false), live_node(g.nodes.size(), false);
  for (int v : g.outputs) live_value[static_cast<size_t>(v)] = true;
  for (size_t n = g.nodes.size(); n-- > 0;) {
    for (int v : g.nodes[n].outputs) live_node[n] = live_node[n] || live_value[static_cast<size_t>(v)];
    if (!live_node[n]) continue;
    for (int v : g.nodes[n].inputs)
      if (v >= 0) live_value[static_cast<size_t>(v)] = true;
    for (int v : g.nodes[n].outputs) live_value[static_cast<size_t>(v)] = true;
  }
  for (int v : g.inputs) live_value[static_cast<size_t>(v)] = true;

  std::vector<int> remap(g.values.size(), -1);
  std::vector<Value> values;
  for (size_t v = 0; v < g.values.size(); ++v) {
    if (!live_value[v]) continue;
    remap[v] = static_cast<int>(values.size());
    values.push_back(std::move(g.values[v]));
  }
  auto apply = [&](std::vector<int>& indices) {
    for (int& v : indices)
      if (v >= 0) v = remap[static_cast<size_t>(v)];
  };
  std::vector<Node> nodes;
  for (size_t n = 0; n < g.nodes.size(); ++n) {
    if (!live_node[n]) continue;
    apply(g.nodes[n].inputs);
    apply(g.nodes[n].outputs);
    nodes.push_back(std::move(g.nodes[n]));
  }
  apply(g.inputs);
  apply(g.outputs);
  g.values = std::move(values);
  g.nodes = std::move(nodes);
}

}  // namespace kite
