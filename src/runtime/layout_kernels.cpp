// Data movement: Transpose (ShuffleNet's channel shuffle) and Concat (Inception, GoogLeNet,
// SqueezeNet, ShuffleNet), for any element type, without per-element index arithmetic.
#include <cstring>

#include "ops/op_util.h"
#include "runtime/node_kernel.h"
#include "runtime/strided_copy.h"

namespace kite {
namespace {

// A transpose is a strided copy: the output is contiguous, the input read with its strides
// permuted.
class TransposeKernel : public NodeKernel {
 public:
  TransposeKernel(const Shape& in, const std::vector<int64_t>& perm, size_t element_size)
      : element_size_(element_size) {
    std::vector<int64_t> in_strides = contiguous_strides(in);
    for (int64_t p : perm) {
      copy_.shape.push_back(in[static_cast<size_t>(p)]);
      copy_.src_strides.push_back(in_strides[static_cast<size_t>(p)]);
    }
    copy_.dst_strides = contiguous_strides(copy_.shape);
  }
  std::string name() const override { return "transpose_strided"; }

  void run(const std::vector<const Tensor*>& in, std::vector<Tensor>& out, ThreadPool& pool) override {
    strided_copy(copy_, in[0]->raw(), out[0].raw_mutable(), element_size_, pool);
  }

 private:
  StridedCopy copy_;
  size_t element_size_;
};

// Each input is a block of (its axis extent x inner size) elements per outer index.
class ConcatKernel : public NodeKernel {
 public:
  ConcatKernel(std::vector<int64_t> block_bytes, int64_t outer) : block_bytes_(std::move(block_bytes)), outer_(outer) {}
  std::string name() const override { return "concat_memcpy"; }

  void run(const std::vector<const Tensor*>& in, std::vector<Tensor>& out, ThreadPool& pool) override {
    int64_t row_bytes = 0;
    for (int64_t b : block_bytes_) row_bytes += b;
    char* y = static_cast<char*>(out[0].raw_mutable());
    pool.parallel_for(outer_, [&](int64_t o0, int64_t o1) {
      for (int64_t o = o0; o < o1; ++o) {
        char* dst = y + o * row_bytes;
        for (size_t i = 0; i < in.size(); ++i) {
          const char* src = static_cast<const char*>(in[i]->raw()) + o * block_bytes_[i];
          // An input the memory plan placed in its block already is there (zero-copy concat).
          if (src != dst) std::memcpy(dst, src, static_cast<size_t>(block_bytes_[i]));
          dst += block_bytes_[i];
        }
      }
    });
  }

 private:
  std::vector<int64_t> block_bytes_;
  int64_t outer_;
};

const Value* static_input(const Graph& g, const Node& n, size_t i) {
  if (i >= n.inputs.size() || n.inputs[i] < 0) return nullptr;
  const Value& v = g.values[static_cast<size_t>(n.inputs[i])];
  return v.shape_known ? &v : nullptr;
}

}  // namespace

std::unique_ptr<NodeKernel> make_layout_kernel(const Graph& g, const Node& n) {
  const Value* x = static_input(g, n, 0);
  if (!x) return nullptr;
  int64_t rank = static_cast<int64_t>(x->shape.size());
  if (n.op == "Transpose") {
    std::vector<int64_t> perm = n.attrs.get_ints("perm", {});
    if (perm.empty())
      for (int64_t d = rank; d-- > 0;) perm.push_back(d);
    return std::make_unique<TransposeKernel>(x->shape, perm, dtype_size(x->dtype));
  }
  if (n.op == "Concat") {
    int64_t axis = normalize_axis(n.attrs.get_int("axis"), rank);
    int64_t outer = 1, inner = 1;
    for (int64_t d = 0; d < axis; ++d) outer *= x->shape[static_cast<size_t>(d)];
    for (int64_t d = axis + 1; d < rank; ++d) inner *= x->shape[static_cast<size_t>(d)];
    std::vector<int64_t> blocks;
    for (size_t i = 0; i < n.inputs.size(); ++i) {
      const Value* v = static_input(g, n, i);
      if (!v || v->dtype != x->dtype) return nullptr;
      blocks.push_back(v->shape[static_cast<size_t>(axis)] * inner * static_cast<int64_t>(dtype_size(x->dtype)));
    }
    return std::make_unique<ConcatKernel>(std::move(blocks), outer);
  }
  return nullptr;
}

}  // namespace kite
