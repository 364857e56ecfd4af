// Relu, Clip, LeakyRelu, HardSigmoid, HardSwish, Sigmoid and SiLU on f32 tensors of any shape,
// through kernels/activation.h, split across threads in blocks. (Where one follows a
// convolution, fuse_conv_epilogues usually folds it into the convolution instead.)
#include <algorithm>
#include <limits>

#include "kernels/activation.h"
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

// Clip's bounds as the reference reads them; false when a bound is only known at run time.
bool clip_bounds(const Graph& g, const Node& n, float& lo, float& hi) {
  if (n.opset < 11) {
    lo = n.attrs.get_float("min", std::numeric_limits<float>::lowest());
    hi = n.attrs.get_float("max", std::numeric_limits<float>::max());
    return true;
  }
  lo = -std::numeric_limits<float>::infinity();
  hi = std::numeric_limits<float>::infinity();
  std::vector<const Value*> inputs = g.input_values(n);
  for (size_t i = 1; i <= 2; ++i) {
    const Value* bound = optional_input(inputs, i);
    if (!bound) continue;
    if (!bound->constant || bound->dtype != DType::f32 || bound->constant->numel() != 1) return false;
    (i == 1 ? lo : hi) = bound->constant->data<float>()[0];
  }
  return true;
}

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
    p = {Activation::kHardSigmoid, n.attrs.get_float("alpha", 0.2f), n.attrs.get_float("beta", 0.5f)};
  } else if (n.op == "Clip") {
    p.kind = Activation::kClip;
    if (!clip_bounds(g, n, p.a, p.b)) return nullptr;
  } else {
    return nullptr;
  }
  return std::make_unique<ActivationKernel>(p);
}

}  // namespace kite
