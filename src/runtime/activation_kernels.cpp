// Relu, Clip, LeakyRelu, HardSigmoid, HardSwish, Sigmoid and SiLU on f32 tensors of any shape,
// through kernels/activation.h, split across threads in blocks. (Where one follows a
// convolution, fuse_conv_epilogues usually folds it into the convolution instead.)
#include <algorithm>

#include "kernels/activation.h"
#include "ops/op_args.h"
#include "ops/op_util.h"
#include "runtime/node_kernel.h"

namespace kite {
namespace {

class ActivationKernel : public NodeKernel {
 public:
  explicit ActivationKernel(ActivationParams p) : p_(p) {}
  std::string name() const override { return std::string("activation/") + activation_kernel_name(); }

  void run(const std::vector<const Tensor*>& in, std::vector<Tensor>& out, ThreadPool& pool) override {
    const float* x = in[0]->data<float>();
    float* y = out[0].data<float>();
    int64_t n = in[0]->numel();
    // Blocks of 4096 elements (16 KiB): enough work per block to pay for a thread's wake-up.
    constexpr int64_t kBlock = 4096;
    pool.parallel_for((n + kBlock - 1) / kBlock, [&](int64_t b0, int64_t b1) {
      int64_t begin = b0 * kBlock, end = std::min(n, b1 * kBlock);
      activation_f32(p_, x + begin, y + begin, end - begin);
    });
  }

 private:
  ActivationParams p_;
};

}  // namespace

std::unique_ptr<NodeKernel> make_activation_kernel(const Graph& g, const Node& n) {
  if (n.inputs.empty() || n.inputs[0] < 0) return nullptr;
  if (g.values[static_cast<size_t>(n.inputs[0])].dtype != DType::f32) return nullptr;
  ActivationParams p;
  if (n.op == "Relu") {
    p.kind = Activation::kRelu;
  } else if (n.op == "Sigmoid") {
    p.kind = Activation::kSigmoid;
  } else if (n.op == "HardSwish") {
    p.kind = Activation::kHardSwish;
  } else if (n.op == "LeakyRelu") {
    p = {Activation::kLeakyRelu, n.attrs.get_float("alpha", 0.01f), 0.f};
  } else if (n.op == "HardSigmoid") {
    HardSigmoidParams h = hard_sigmoid_params(n);
    p = {Activation::kHardSigmoid, h.alpha, h.beta};
  } else if (n.op == "Clip") {
    std::optional<ClipBounds> bounds = clip_bounds(n, g.input_values(n));
    if (!bounds) return nullptr;  // a bound computed by the graph: the reference reads it per run
    p = {Activation::kClip, bounds->lo, bounds->hi};
  } else {
    return nullptr;
  }
  return std::make_unique<ActivationKernel>(p);
}

}  // namespace kite
