#include "runtime/memory_plan.h"

#include <algorithm>
#include <functional>
#include <numeric>

#include "kite/error.h"

namespace kite {
namespace {

constexpr int64_t kAlignment = 64;  // as every tensor kite allocates

int64_t aligned(int64_t bytes) { return (bytes + kAlignment - 1) / kAlignment * kAlignment; }

struct Block {
  int64_t first, last, offset, bytes;
};

}  // namespace

MemoryPlan plan_memory(const Graph& g, const std::vector<bool>& in_arena, const std::vector<int>& alias_of,
                       const std::vector<PlacedInside>& inside) {
  size_t count = g.values.size();
  auto container_of = [&](size_t v) { return inside.empty() ? -1 : inside[v].container; };
  for (size_t v = 0; v < count; ++v)
    KITE_CHECK(alias_of[v] < 0 || container_of(v) < 0, "plan_memory: value ", v, " both aliases a value and is placed in one");
  std::vector<int64_t> first(count, -1), last(count, -1);
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    int64_t at = static_cast<int64_t>(i);
    for (int v : g.nodes[i].outputs) first[static_cast<size_t>(v)] = at;
    for (int v : g.nodes[i].inputs)
      if (v >= 0) last[static_cast<size_t>(v)] = std::max(last[static_cast<size_t>(v)], at);
  }
  // A value's storage is needed from the first write to the last read of anything sharing it (an
  // alias) or placed in it (a member, written before the container's own node runs).
  auto root = [&](int v) {
    for (;;) {
      if (alias_of[static_cast<size_t>(v)] >= 0) v = alias_of[static_cast<size_t>(v)];
      else if (container_of(static_cast<size_t>(v)) >= 0) v = container_of(static_cast<size_t>(v));
      else return v;
    }
  };
  for (size_t v = 0; v < count; ++v)
    if (alias_of[v] >= 0 || container_of(v) >= 0) {
      size_t r = static_cast<size_t>(root(static_cast<int>(v)));
      last[r] = std::max(last[r], last[v]);
      if (first[v] >= 0 && (first[r] < 0 || first[v] < first[r])) first[r] = first[v];
    }
  std::vector<size_t> order;
  for (size_t v = 0; v < count; ++v)
    if (in_arena[v] && first[v] >= 0 && container_of(v) < 0) order.push_back(v);
  auto bytes_of = [&](size_t v) {
    return aligned(shape_numel(g.values[v].shape) * static_cast<int64_t>(dtype_size(g.values[v].dtype)));
  };
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return bytes_of(a) > bytes_of(b); });

  MemoryPlan plan;
  plan.offset.assign(count, -1);
  std::vector<Block> placed;
  for (size_t v : order) {
    Block b{first[v], std::max(last[v], first[v]), 0, bytes_of(v)};
    // The blocks alive at the same time, by offset; take the first gap that fits.
    std::vector<const Block*> live;
    for (const Block& p : placed)
      if (p.first <= b.last && b.first <= p.last) live.push_back(&p);
    std::sort(live.begin(), live.end(), [](const Block* x, const Block* y) { return x->offset < y->offset; });
    for (const Block* p : live) {
      if (b.offset + b.bytes <= p->offset) break;
      b.offset = std::max(b.offset, p->offset + p->bytes);
    }
    placed.push_back(b);
    plan.offset[v] = b.offset;
    plan.arena_bytes = std::max(plan.arena_bytes, b.offset + b.bytes);
  }
  // Members at their container's offset plus their own (containers may be members in turn).
  std::function<int64_t(size_t)> offset_of = [&](size_t v) -> int64_t {
    int c = container_of(v);
    if (c < 0) return plan.offset[v];
    int64_t base = offset_of(static_cast<size_t>(c));
    return base < 0 ? -1 : base + inside[v].offset;
  };
  for (size_t v = 0; v < count; ++v)
    if (container_of(v) >= 0 && in_arena[v]) plan.offset[v] = offset_of(v);
  return plan;
}

std::vector<PlacedInside> place_concat_inputs(const Graph& g, const std::vector<bool>& in_arena,
                                              const std::vector<int>& alias_of, const std::vector<bool>& copying_concat) {
  std::vector<PlacedInside> inside(g.values.size());
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    const Node& n = g.nodes[i];
    if (!copying_concat[i] || n.outputs.size() != 1) continue;
    const int out = n.outputs[0];
    const Value& y = g.values[static_cast<size_t>(out)];
    if (!in_arena[static_cast<size_t>(out)] || y.shape.empty()) continue;
    const int64_t rank = static_cast<int64_t>(y.shape.size());
    int64_t axis = n.attrs.get_int("axis", 0);
    if (axis < 0) axis += rank;
    int64_t outer = 1;
    for (int64_t d = 0; d < axis; ++d) outer *= y.shape[static_cast<size_t>(d)];
    if (outer != 1) continue;
    int64_t offset = 0;
    for (int v : n.inputs) {
      const Value& x = g.values[static_cast<size_t>(v)];
      const bool once = std::count(n.inputs.begin(), n.inputs.end(), v) == 1;
      if (once && in_arena[static_cast<size_t>(v)] && alias_of[static_cast<size_t>(v)] < 0 &&
          inside[static_cast<size_t>(v)].container < 0 && offset % kAlignment == 0)
        inside[static_cast<size_t>(v)] = {out, offset};
      offset += shape_numel(x.shape) * static_cast<int64_t>(dtype_size(x.dtype));
    }
  }
  return inside;
}

}  // namespace kite
