// The executor: runs each node's optimized kernel, or its reference kernel where it has none, in
// order. Values that optimized kernels write live in one arena planned at load
// (runtime/memory_plan.h); the others are allocated when written and freed after their last
// reader.
#include "kite/session.h"

#include <chrono>
#include <map>
#include <new>

#include "graph/graph.h"
#include "ops/op.h"
#include "passes/passes.h"
#include "core/aligned_alloc.h"
#include "runtime/memory_plan.h"
#include "runtime/node_kernel.h"
#include "runtime/thread_pool.h"

namespace kite {

struct Session::Impl {
  const Model model;  // keeps the weights the optimized graph shares alive
  Graph optimized;    // the model's graph rewritten for inference (fusions)
  std::vector<const OpDef*> ops;  // per node
  std::vector<std::unique_ptr<NodeKernel>> fast;  // per node: an optimized kernel, or null
  std::vector<int> uses;          // per value: readers among nodes and graph outputs
  mutable ThreadPool pool;
  bool profile;
  bool trace;
  mutable std::vector<Tensor> traced;  // per value, from the last run (SessionOptions::trace)
  mutable std::vector<double> node_ms;  // per node, summed over runs (SessionOptions::profile)
  mutable int64_t runs = 0;
  std::vector<bool> is_output;      // per value: a graph output
  MemoryPlan memory;                // where the arena holds each intermediate value
  std::shared_ptr<void> arena;

  Impl(const Model& m, const SessionOptions& options) : model(m), optimized(m.graph()), pool(options.threads), profile(options.profile), trace(options.trace) {
    if (options.optimize) {
      fuse_qdq(optimized);
      if (!trace) {
        fuse_conv_epilogues(optimized);
        fuse_pad_into_pool(optimized);
      }
    }
    const Graph& g = optimized;
    KernelChoices choices;
    choices.fp16_arithmetic = options.fp16_arithmetic;
    for (const Node& n : g.nodes) {
      ops.push_back(find_op(n.op));
      fast.push_back(options.optimize ? make_node_kernel(g, n, choices) : nullptr);
    }
    uses = use_counts(g);
    node_ms.assign(g.nodes.size(), 0.0);
    plan_arena();
  }

  // Values written by optimized kernels (which overwrite every element) with load-time shapes
  // go in the arena; graph outputs get storage of their own, which the caller keeps.
  void plan_arena() {
    const Graph& g = optimized;
    is_output.assign(g.values.size(), false);
    for (int v : g.outputs) is_output[static_cast<size_t>(v)] = true;
    if (trace) {  // every value keeps storage of its own
      memory.offset.assign(g.values.size(), -1);
      return;
    }
    std::vector<bool> in_arena(g.values.size(), false);
    std::vector<int> alias_of(g.values.size(), -1);
    for (size_t i = 0; i < g.nodes.size(); ++i) {
      const Node& n = g.nodes[i];
      if (!fast[i]) continue;
      if (fast[i]->aliases_input()) {
        alias_of[static_cast<size_t>(n.outputs[0])] = n.inputs[0];
        continue;
      }
      for (int v : n.outputs) in_arena[static_cast<size_t>(v)] = g.values[static_cast<size_t>(v)].shape_known;
    }
    is_output.assign(g.values.size(), false);
    for (int v : g.outputs) {
      in_arena[static_cast<size_t>(v)] = false;
      is_output[static_cast<size_t>(v)] = true;
    }
    std::vector<bool> copying_concat(g.nodes.size(), false);  // Concats the copying kernel runs
    for (size_t i = 0; i < g.nodes.size(); ++i) copying_concat[i] = g.nodes[i].op == "Concat" && fast[i];
    memory = plan_memory(g, in_arena, alias_of, place_concat_inputs(g, in_arena, alias_of, copying_concat));
    if (memory.arena_bytes > 0) arena = allocate_aligned(static_cast<size_t>(memory.arena_bytes), /*zero_fill=*/false);
  }

  Tensor output_tensor(int v, const ValueType& t, bool fast_kernel) const {
    int64_t offset = memory.offset[static_cast<size_t>(v)];
    if (offset >= 0) return Tensor::view(t.dtype, t.shape, static_cast<char*>(arena.get()) + offset, arena);
    return fast_kernel ? Tensor::uninitialized(t.dtype, t.shape) : Tensor(t.dtype, t.shape);
  }

  void bind_inputs(const NamedTensors& given, std::vector<Tensor>& slots) const {
    const Graph& g = optimized;
    std::map<std::string, int> by_name;
    for (int v : g.inputs) by_name[g.values[static_cast<size_t>(v)].name] = v;
    std::map<std::string, bool> bound;
    for (const auto& [name, tensor] : given) {
      auto it = by_name.find(name);
      if (it == by_name.end()) {
        std::string known;
        for (const auto& kv : by_name) known += (known.empty() ? "" : ", ") + kv.first;
        fail("the model has no input named '", name, "' (its inputs: ", known, ")");
      }
      KITE_CHECK(!bound[name], "input '", name, "' is given twice");
      const Value& want = g.values[static_cast<size_t>(it->second)];
      KITE_CHECK(tensor.dtype() == want.dtype, "input '", name, "' must be ", dtype_name(want.dtype), ", got ",
                 dtype_name(tensor.dtype()));
      KITE_CHECK(tensor.shape() == want.shape, "input '", name, "' must have shape ", shape_to_string(want.shape),
                 ", got ", shape_to_string(tensor.shape()));
      KITE_CHECK(tensor.raw() || tensor.numel() == 0, "input '", name, "' has no data");
      slots[static_cast<size_t>(it->second)] = tensor;
      bound[name] = true;
    }
    for (const auto& [name, v] : by_name) KITE_CHECK(bound[name], "input '", name, "' is missing");
  }

  // Planned at load, or, for nodes whose shapes depend on run-time values, inferred now from
  // the actual inputs.
  std::vector<ValueType> output_types(size_t node, const std::vector<const Tensor*>& inputs) const {
    const Graph& g = optimized;
    const Node& n = g.nodes[node];
    std::vector<ValueType> types;
    bool planned = true;
    for (int v : n.outputs) {
      const Value& out = g.values[static_cast<size_t>(v)];
      planned = planned && out.shape_known;
      types.push_back({out.dtype, out.shape});
    }
    if (planned) return types;
    std::vector<Value> values(inputs.size());
    std::vector<const Value*> pointers;
    for (size_t k = 0; k < inputs.size(); ++k) {
      if (!inputs[k]) {
        pointers.push_back(nullptr);
        continue;
      }
      values[k].name = g.values[static_cast<size_t>(n.inputs[k])].name;
      values[k].dtype = inputs[k]->dtype();
      values[k].shape = inputs[k]->shape();
      values[k].shape_known = true;
      values[k].constant = *inputs[k];
      pointers.push_back(&values[k]);
    }
    types = ops[node]->infer(n, pointers);
    KITE_CHECK(types.size() == n.outputs.size(), "produces ", types.size(), " outputs, the node names ", n.outputs.size());
    return types;
  }

  NamedTensors run(const NamedTensors& given) const {
    const Graph& g = optimized;
    std::vector<Tensor> slots(g.values.size());
    for (size_t v = 0; v < g.values.size(); ++v)
      if (g.values[v].constant) slots[v] = *g.values[v].constant;
    bind_inputs(given, slots);
    std::vector<int> remaining = uses;
    for (size_t i = 0; i < g.nodes.size(); ++i) {
      const Node& n = g.nodes[i];
      std::vector<const Tensor*> inputs;
      for (int v : n.inputs) inputs.push_back(v < 0 ? nullptr : &slots[static_cast<size_t>(v)]);
      std::vector<Tensor> outputs;
      auto start = profile ? std::chrono::steady_clock::now() : std::chrono::steady_clock::time_point();
      try {
        // Optimized kernels write every output element; reference kernels expect zeros.
        if (fast[i] && fast[i]->aliases_input())
          outputs.resize(n.outputs.size());
        else {
          std::vector<ValueType> types = output_types(i, inputs);
          for (size_t o = 0; o < types.size(); ++o) outputs.push_back(output_tensor(n.outputs[o], types[o], fast[i] != nullptr));
        }
        if (fast[i]) fast[i]->run(inputs, outputs, pool);
        else ops[i]->reference(n, inputs, outputs);
      } catch (const Error& e) {
        fail(Graph::describe(n), ": ", e.what());
      } catch (const std::bad_alloc&) {
        fail(Graph::describe(n), ": out of memory (its outputs or working buffers do not fit)");
      }
      if (profile)
        node_ms[i] += std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
      for (size_t o = 0; o < outputs.size(); ++o) {
        size_t v = static_cast<size_t>(n.outputs[o]);
        // A graph output the caller receives must own its storage: writing into it must not
        // change the model's weights, its inputs, or a value the arena reuses later.
        slots[v] = fast[i] && fast[i]->aliases_input() && is_output[v] ? outputs[o].clone() : std::move(outputs[o]);
      }
      for (int v : n.inputs)
        if (v >= 0 && --remaining[static_cast<size_t>(v)] == 0 && !g.values[static_cast<size_t>(v)].constant && !trace)
          slots[static_cast<size_t>(v)] = Tensor();
    }
    ++runs;
    if (trace) traced = slots;
    NamedTensors result;
    for (int v : g.outputs) result.emplace_back(g.values[static_cast<size_t>(v)].name, slots[static_cast<size_t>(v)]);
    return result;
  }
};

Session::Session(const Model& model, SessionOptions options) : impl_(std::make_unique<Impl>(model, options)) {}
Session::~Session() = default;
Session::Session(Session&&) noexcept = default;
Session& Session::operator=(Session&&) noexcept = default;

NamedTensors Session::run(const NamedTensors& inputs) { return impl_->run(inputs); }

std::vector<Session::PlannedNode> Session::plan() const {
  std::vector<PlannedNode> out;
  for (size_t i = 0; i < impl_->optimized.nodes.size(); ++i) {
    const Node& n = impl_->optimized.nodes[i];
    out.push_back({n.name, n.op, impl_->fast[i] ? impl_->fast[i]->name() : "reference"});
  }
  return out;
}

NamedTensors Session::traced_values() const {
  KITE_CHECK(impl_->trace, "traced_values() needs a session made with SessionOptions::trace");
  const Graph& g = impl_->optimized;
  NamedTensors out;
  std::vector<bool> listed(g.values.size(), false);
  auto add = [&](int v) {
    size_t i = static_cast<size_t>(v);
    if (v < 0 || listed[i] || g.values[i].constant || i >= impl_->traced.size() || impl_->traced[i].empty()) return;
    listed[i] = true;
    out.emplace_back(g.values[i].name, impl_->traced[i]);
  };
  for (int v : g.inputs) add(v);
  for (const Node& n : g.nodes)
    for (int v : n.outputs) add(v);
  return out;
}

int64_t Session::arena_bytes() const { return impl_->memory.arena_bytes; }

std::vector<Session::NodeTime> Session::profile() const {
  std::vector<NodeTime> out;
  std::vector<PlannedNode> nodes = plan();
  for (size_t i = 0; i < nodes.size(); ++i)
    out.push_back({nodes[i].name, nodes[i].op, nodes[i].kernel, impl_->profile ? impl_->node_ms[i] : 0.0,
                   impl_->profile ? impl_->runs : 0});
  return out;
}

}  // namespace kite
