// Parameters and multiply-accumulates per layer: the numbers CNN architectures are designed by.
#include <set>

#include "graph/graph.h"
#include "kite/model.h"

namespace kite {
namespace {

int64_t prod(const Shape& s, size_t from, size_t to) {
  int64_t p = 1;
  for (size_t i = from; i < to && i < s.size(); ++i) p *= s[i];
  return p;
}

const Value& value_at(const Graph& g, int v) { return g.values[static_cast<size_t>(v)]; }

int64_t count_macs(const Graph& g, const Node& n) {
  const Shape& out = value_at(g, n.outputs[0]).shape;
  if (n.op == "Conv" || n.op == "QLinearConv" || n.op == "ConvInteger") {
    // Each output element reads (C_in / group) * kernel-volume inputs.
    const Shape& w = value_at(g, n.inputs[n.op == "QLinearConv" ? 3 : 1]).shape;
    return shape_numel(out) * prod(w, 1, w.size());
  }
  if (n.op == "ConvTranspose") {
    // Each input element is scattered into (C_out / group) * kernel-volume outputs.
    const Shape& x = value_at(g, n.inputs[0]).shape;
    const Shape& w = value_at(g, n.inputs[1]).shape;
    return shape_numel(x) * prod(w, 1, w.size());
  }
  if (n.op == "Gemm") {
    const Shape& a = value_at(g, n.inputs[0]).shape;
    int64_t k = n.attrs.get_int("transA", 0) ? a[0] : a[1];
    return shape_numel(out) * k;
  }
  if (n.op == "MatMul") {
    const Shape& a = value_at(g, n.inputs[0]).shape;
    return shape_numel(out) * a.back();
  }
  return 0;
}

// Which inputs of a node are learned parameters, counted as PyTorch counts them.
std::vector<int> parameter_inputs(const Graph& g, const Node& n, const std::vector<int>& producer) {
  // A constant input, or the quantized constant a DequantizeLinear expands into it (QDQ models).
  auto constant_inputs = [&](std::initializer_list<size_t> positions) {
    std::vector<int> out;
    for (size_t i : positions) {
      if (i >= n.inputs.size() || n.inputs[i] < 0) continue;
      int v = n.inputs[i], p = producer[static_cast<size_t>(v)];
      if (!value_at(g, v).constant && p >= 0 && g.nodes[static_cast<size_t>(p)].op == "DequantizeLinear")
        v = g.nodes[static_cast<size_t>(p)].inputs[0];
      if (value_at(g, v).constant) out.push_back(v);
    }
    return out;
  };
  if (n.op == "Conv" || n.op == "ConvTranspose" || n.op == "Gemm") return constant_inputs({1, 2});
  if (n.op == "MatMul") return constant_inputs({0, 1});
  if (n.op == "QLinearConv") return constant_inputs({3, 8});
  if (n.op == "QLinearMatMul") return constant_inputs({0, 3});
  if (n.op == "BatchNormalization") return constant_inputs({1, 2});  // not the running statistics
  if (n.op == "PRelu") return constant_inputs({1});
  if (n.op == "Add") {
    // A bias added to a MatMul's result (how some exporters write Linear layers).
    for (size_t i = 0; i < 2 && i < n.inputs.size(); ++i) {
      int other = n.inputs[1 - i];
      int p = other >= 0 ? producer[static_cast<size_t>(other)] : -1;
      if (p >= 0 && g.nodes[static_cast<size_t>(p)].op == "MatMul") return constant_inputs({i});
    }
  }
  return {};
}

}  // namespace

std::vector<LayerStats> Model::layer_stats() const {
  const Graph& g = *graph_;
  std::vector<int> producer = producer_of_values(g);
  std::set<int> counted;  // a weight shared by two nodes is one set of parameters
  std::vector<LayerStats> rows;
  for (const Node& n : g.nodes) {
    LayerStats row;
    row.name = n.name;
    row.op = n.op;
    row.output_shape = value_at(g, n.outputs[0]).shape;
    row.macs = count_macs(g, n);
    for (int v : parameter_inputs(g, n, producer))
      if (counted.insert(v).second) row.params += value_at(g, v).constant->numel();
    rows.push_back(std::move(row));
  }
  return rows;
}

}  // namespace kite
