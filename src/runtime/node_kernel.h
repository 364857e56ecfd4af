// Optimized implementations of graph nodes. The planner asks make_node_kernel() for each node;
// a node without one runs its operator's reference kernel. A NodeKernel is built once per
// session: it validates the node, prepacks constant weights, and then runs many times.
#pragma once
#include <memory>
#include <vector>

#include "graph/graph.h"
#include "runtime/thread_pool.h"

namespace kite {

class NodeKernel {
 public:
  virtual ~NodeKernel() = default;
  // `outputs` arrive allocated with the planned shapes.
  virtual void run(const std::vector<const Tensor*>& inputs, std::vector<Tensor>& outputs, ThreadPool& pool) = 0;
};

// An optimized kernel for `n` in `g`, or nullptr where only the reference applies.
std::unique_ptr<NodeKernel> make_node_kernel(const Graph& g, const Node& n);

// Per operator family, in runtime/<family>_kernels.cpp.
std::unique_ptr<NodeKernel> make_conv_kernel(const Graph& g, const Node& n);
std::unique_ptr<NodeKernel> make_pool_kernel(const Graph& g, const Node& n);
std::unique_ptr<NodeKernel> make_gemm_kernel(const Graph& g, const Node& n);

}  // namespace kite
