// Fully connected layers: Gemm Y = X W^T + b with W constant (transB = 1, alpha = beta = 1), the
// classifier of every CNN here. Each row of X is a matrix-vector product, memory-bound on W: one
// dot product per output (kernels/dense_dot.h, computed alike whatever the thread split), the
// output features split across threads.
#include "kernels/dense_dot.h"
#include "ops/op_util.h"
#include "runtime/node_kernel.h"

namespace kite {
namespace {

class DenseKernel : public NodeKernel {
 public:
  DenseKernel(const Tensor& w, const float* bias, int64_t bias_size) : w_(w), bias_(bias), bias_size_(bias_size) {}
  std::string name() const override { return dense_dot_kernel_name(); }

  void run(const std::vector<const Tensor*>& in, std::vector<Tensor>& out, ThreadPool& pool) override {
    int64_t rows = in[0]->dim(0), k = in[0]->dim(1), features = w_.dim(0);
    const float* x = in[0]->data<float>();
    const float* w = w_.data<float>();
    float* y = out[0].data<float>();
    pool.parallel_for(features, [&](int64_t f0, int64_t f1) {
      for (int64_t r = 0; r < rows; ++r) {
        float* yr = y + r * features;
        dense_dot_f32(x + r * k, w + f0 * k, k, f1 - f0, yr + f0);
        if (bias_)
          for (int64_t f = f0; f < f1; ++f) yr[f] += bias_[bias_size_ == 1 ? 0 : f];
      }
    });
  }

 private:
  Tensor w_;
  const float* bias_;
  int64_t bias_size_;
};

}  // namespace

std::unique_ptr<NodeKernel> make_gemm_kernel(const Graph& g, const Node& n) {
  auto value = [&](size_t i) -> const Value* {
    return i < n.inputs.size() && n.inputs[i] >= 0 ? &g.values[static_cast<size_t>(n.inputs[i])] : nullptr;
  };
  const Value* a = value(0);
  const Value* w = value(1);
  const Value* c = value(2);
  if (!a || !w || !w->constant || a->dtype != DType::f32 || a->shape.size() != 2 || w->shape.size() != 2) return nullptr;
  if (n.attrs.get_int("transA", 0) != 0 || n.attrs.get_int("transB", 0) != 1) return nullptr;
  if (n.attrs.get_float("alpha", 1.f) != 1.f || n.attrs.get_float("beta", 1.f) != 1.f) return nullptr;
  int64_t bias_size = 0;
  if (c) {
    // Only a bias per output feature ([N] or [1, N]) or a scalar.
    if (!c->constant || c->dtype != DType::f32) return nullptr;
    bias_size = c->constant->numel();
    bool per_feature = bias_size == w->shape[0] && (c->shape.size() == 1 || (c->shape.size() == 2 && c->shape[0] == 1));
    if (!per_feature && bias_size != 1) return nullptr;
  }
  return std::make_unique<DenseKernel>(*w->constant, c ? c->constant->data<float>() : nullptr, bias_size);
}

}  // namespace kite
