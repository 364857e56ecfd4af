// GlobalAveragePool, and ReduceMean over trailing axes (ShuffleNet v2's x.mean([2, 3])): the
// mean of each contiguous block of `inner` elements, blocks split across threads.
#include "kernels/block_mean.h"
#include "ops/op.h"
#include "ops/op_args.h"
#include "ops/op_util.h"
#include "runtime/node_kernel.h"

namespace kite {
namespace {

class BlockMeanKernel : public NodeKernel {
 public:
  BlockMeanKernel(int64_t blocks, int64_t inner) : blocks_(blocks), inner_(inner) {}
  std::string name() const override {
    const std::string loop = block_mean_kernel_name();
    return loop.empty() ? "mean_blocks" : "mean_blocks/" + loop;
  }

  void run(const std::vector<const Tensor*>& in, std::vector<Tensor>& out, ThreadPool& pool) override {
    const float* x = in[0]->data<float>();
    float* y = out[0].data<float>();
    pool.parallel_for(blocks_, [&](int64_t b0, int64_t b1) {
      for (int64_t b = b0; b < b1; ++b) y[b] = block_mean_f32(x + b * inner_, inner_);
    });
  }

 private:
  int64_t blocks_, inner_;
};

}  // namespace

std::unique_ptr<NodeKernel> make_reduce_kernel(const Graph& g, const Node& n) {
  if (n.inputs.empty() || n.inputs[0] < 0) return nullptr;
  const Value& x = g.values[static_cast<size_t>(n.inputs[0])];
  if (!x.shape_known || x.dtype != DType::f32 || shape_numel(x.shape) == 0) return nullptr;
  int64_t rank = static_cast<int64_t>(x.shape.size()), first_reduced = rank;
  if (n.op == "GlobalAveragePool") {
    if (rank < 3) return nullptr;
    first_reduced = 2;
  } else {
    std::vector<bool> reduced;
    try {
      reduced = reduce_mean_axes(n, g.input_values(n));
    } catch (const ValueNeededAtRunTime&) {
      return nullptr;  // axes only known at run time
    }
    // Only a trailing run of reduced axes is one contiguous block per output.
    while (first_reduced > 0 && reduced[static_cast<size_t>(first_reduced - 1)]) --first_reduced;
    for (int64_t d = 0; d < first_reduced; ++d)
      if (reduced[static_cast<size_t>(d)]) return nullptr;
    if (first_reduced == rank) return nullptr;  // nothing reduced: the reference copies
  }
  int64_t inner = dims_product(x.shape, first_reduced, rank);
  return std::make_unique<BlockMeanKernel>(shape_numel(x.shape) / inner, inner);
}

}  // namespace kite
