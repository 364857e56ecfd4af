// Reshape, Flatten, Squeeze, Unsqueeze and Identity change only how a tensor's elements are
// labelled, not their order: the output shares the input's storage (no copy, no allocation).
#include "runtime/node_kernel.h"

namespace kite {
namespace {

class RelabelKernel : public NodeKernel {
 public:
  explicit RelabelKernel(Shape shape) : shape_(std::move(shape)) {}
  std::string name() const override { return "relabel_shared"; }
  bool aliases_input() const override { return true; }

  void run(const std::vector<const Tensor*>& in, std::vector<Tensor>& out, ThreadPool&) override {
    out[0] = in[0]->reshaped(shape_);
  }

 private:
  Shape shape_;
};

}  // namespace

std::unique_ptr<NodeKernel> make_relabel_kernel(const Graph& g, const Node& n) {
  if (n.inputs.empty() || n.inputs[0] < 0 || n.outputs.size() != 1) return nullptr;
  const Value& x = g.values[static_cast<size_t>(n.inputs[0])];
  const Value& y = g.values[static_cast<size_t>(n.outputs[0])];
  // The planned output shape is the one load-time inference checked; without it, the reference
  // runs (and checks the run-time shape input).
  if (!x.shape_known || !y.shape_known || x.dtype != y.dtype || shape_numel(x.shape) != shape_numel(y.shape))
    return nullptr;
  return std::make_unique<RelabelKernel>(y.shape);
}

}  // namespace kite
