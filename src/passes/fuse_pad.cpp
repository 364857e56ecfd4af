// Folds a zero Pad of the spatial axes into the AveragePool that reads it: AveragePool(Pad(x, 0))
// with no padding of its own and count_include_pad off averages the padded tensor, zeros
// included, which is AveragePool(x) with those pads and count_include_pad on. Inception v3's
// exporter writes its 3x3 average pools this way; as a node of its own the Pad copied each
// input once more.
#include <cmath>

#include "passes/passes.h"

namespace kite {
namespace {

Value& value(Graph& g, int v) { return g.values[static_cast<size_t>(v)]; }

// The Pad's begin and end amounts for the four axes of a 4-D input, or false where it is not a
// constant zero padding given by constants (pads on selected axes, opset 18's input 3, are left
// alone).
bool zero_pads_of(const Graph& g, const Node& pad, std::vector<int64_t>& pads) {
  if (pad.attrs.get_string("mode", "constant") != "constant" || pad.inputs.size() > 3) return false;
  float fill = 0.f;
  if (pad.opset < 11) {
    pads = pad.attrs.get_ints("pads", {});
    fill = pad.attrs.get_float("value", 0.f);
  } else {
    const Tensor* amounts = g.constant_input(pad, 1);
    if (!amounts || amounts->dtype() != DType::s64) return false;
    pads.assign(amounts->data<int64_t>(), amounts->data<int64_t>() + amounts->numel());
    if (pad.inputs.size() > 2 && pad.inputs[2] >= 0) {
      const Tensor* v = g.constant_input(pad, 2);
      if (!v || v->dtype() != DType::f32 || v->numel() != 1) return false;
      fill = v->data<float>()[0];
    }
  }
  // +0 only: a -0 fill would give -0 where a window holds nothing but padding.
  return pads.size() == 8 && fill == 0.f && !std::signbit(fill);
}

bool pool_takes_pads(const Node& pool) {
  if (pool.op != "AveragePool" || pool.attrs.get_int("ceil_mode", 0) != 0 ||
      pool.attrs.get_int("count_include_pad", 0) != 0 || pool.attrs.get_string("auto_pad", "NOTSET") != "NOTSET")
    return false;
  for (int64_t p : pool.attrs.get_ints("pads", {}))
    if (p != 0) return false;
  return true;
}

}  // namespace

void fuse_pad_into_pool(Graph& g) {
  std::vector<int> readers(g.values.size(), 0), producer(g.values.size(), -1);
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    for (int v : g.nodes[i].inputs)
      if (v >= 0) ++readers[static_cast<size_t>(v)];
    for (int v : g.nodes[i].outputs) producer[static_cast<size_t>(v)] = static_cast<int>(i);
  }
  for (int v : g.outputs) ++readers[static_cast<size_t>(v)];
  bool changed = false;
  for (Node& pool : g.nodes) {
    if (!pool_takes_pads(pool) || pool.inputs.empty()) continue;
    const int padded = pool.inputs[0];
    const int p = producer[static_cast<size_t>(padded)];
    if (p < 0 || readers[static_cast<size_t>(padded)] != 1) continue;
    Node& pad = g.nodes[static_cast<size_t>(p)];
    std::vector<int64_t> pads;
    if (pad.op != "Pad" || value(g, pad.inputs[0]).shape.size() != 4 || !zero_pads_of(g, pad, pads)) continue;
    // [n, c, h, w] begins, then ends: only h and w may be padded, and not cropped.
    if (pads[0] != 0 || pads[1] != 0 || pads[4] != 0 || pads[5] != 0) continue;
    if (pads[2] < 0 || pads[3] < 0 || pads[6] < 0 || pads[7] < 0) continue;
    pool.attrs.set_ints("pads", {pads[2], pads[3], pads[6], pads[7]});
    pool.attrs.set_int("count_include_pad", 1);
    pool.inputs[0] = pad.inputs[0];
    pad.op.clear();  // removed below
    changed = true;
  }
  if (!changed) return;
  remove_cleared_nodes(g);
  prune_unused(g);
}

}  // namespace kite
