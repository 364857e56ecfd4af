// Optimized implementations of graph nodes. The planner asks make_node_kernel() for each node;
// a node without one runs its operator's reference kernel. A NodeKernel is built once per
// session: it validates the node, prepacks constant weights, and then runs many times.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "graph/graph.h"
#include "runtime/thread_pool.h"

namespace kite {

class NodeKernel {
 public:
  virtual ~NodeKernel() = default;
  // `outputs` arrive allocated with the planned shapes.
  virtual void run(const std::vector<const Tensor*>& inputs, std::vector<Tensor>& outputs, ThreadPool& pool) = 0;
  // What runs, for Session::plan(): e.g. "conv_gemm/f32_gemm_6x16_fma3".
  virtual std::string name() const = 0;
  // True for kernels whose outputs share their input's storage (Reshape and its kin): the
  // session then passes empty outputs, which run() sets. Safe because no kernel writes into an
  // input.
  virtual bool aliases_input() const { return false; }
};

// What a session asks of its kernels beyond the graph (SessionOptions).
struct KernelChoices {
  bool fp16_arithmetic = false;  // SessionOptions::fp16_arithmetic
};

// An optimized kernel for `n` in `g`, or nullptr where only the reference applies.
std::unique_ptr<NodeKernel> make_node_kernel(const Graph& g, const Node& n, const KernelChoices& choices = {});

// Per operator family, in runtime/<family>_kernels.cpp.
std::unique_ptr<NodeKernel> make_conv_kernel(const Graph& g, const Node& n, const KernelChoices& choices = {});
std::unique_ptr<NodeKernel> make_pool_kernel(const Graph& g, const Node& n);
std::unique_ptr<NodeKernel> make_gemm_kernel(const Graph& g, const Node& n);
std::unique_ptr<NodeKernel> make_elementwise_kernel(const Graph& g, const Node& n);
std::unique_ptr<NodeKernel> make_layout_kernel(const Graph& g, const Node& n);
std::unique_ptr<NodeKernel> make_window_kernel(const Graph& g, const Node& n);
std::unique_ptr<NodeKernel> make_activation_kernel(const Graph& g, const Node& n);
std::unique_ptr<NodeKernel> make_relabel_kernel(const Graph& g, const Node& n);
std::unique_ptr<NodeKernel> make_reduce_kernel(const Graph& g, const Node& n);
// int8: runtime/q8_conv_kernels.cpp (QLinearConv, FusedQLinearConv), runtime/q8_gemm_kernel.cpp
// (FusedQLinearGemm) and runtime/q8_kernels.cpp (FusedQLinearAdd, QLinearGlobalAveragePool, uint8
// MaxPool, QuantizeLinear, DequantizeLinear).
std::unique_ptr<NodeKernel> make_q8_conv_kernel(const Graph& g, const Node& n);
std::unique_ptr<NodeKernel> make_q8_gemm_kernel(const Graph& g, const Node& n);
std::unique_ptr<NodeKernel> make_q8_kernel(const Graph& g, const Node& n);

}  // namespace kite
