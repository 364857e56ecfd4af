// Data movement: Transpose (ShuffleNet's channel shuffle) and Concat (Inception, GoogLeNet,
// SqueezeNet, ShuffleNet), for any element type, without per-element index arithmetic.
#include <cstring>

#include "ops/op_util.h"
#include "runtime/node_kernel.h"

namespace kite {
namespace {

// Output rows (the last output dim) are split across threads; within a row the input is read
// with one stride.
class TransposeKernel : public NodeKernel {
 public:
  TransposeKernel(const Shape& in, const std::vector<int64_t>& perm, size_t element_size)
      : element_size_(element_size) {
    std::vector<int64_t> in_strides = contiguous_strides(in);
    for (int64_t p : perm) {
      out_.push_back(in[static_cast<size_t>(p)]);
      strides_.push_back(in_strides[static_cast<size_t>(p)]);
    }
  }
  std::string name() const override { return "transpose_rows"; }

  void run(const std::vector<const Tensor*>& in, std::vector<Tensor>& out, ThreadPool& pool) override {
    const char* x = static_cast<const char*>(in[0]->raw());
    char* y = static_cast<char*>(out[0].raw_mutable());
    size_t rank = out_.size();
    int64_t width = rank ? out_.back() : 1, step = rank ? strides_.back() : 0;
    int64_t rows = width ? shape_numel(out_) / width : 0;
    size_t es = element_size_;
    pool.parallel_for(rows, [&](int64_t r0, int64_t r1) {
      for (int64_t r = r0; r < r1; ++r) {
        int64_t offset = 0, rest = r;
        for (size_t d = rank > 0 ? rank - 1 : 0; d-- > 0;) {
          offset += rest % out_[d] * strides_[d];
          rest /= out_[d];
        }
        char* dst = y + static_cast<size_t>(r * width) * es;
        for (int64_t i = 0; i < width; ++i)
          std::memcpy(dst + static_cast<size_t>(i) * es, x + static_cast<size_t>(offset + i * step) * es, es);
      }
    });
  }

 private:
  Shape out_;
  std::vector<int64_t> strides_;  // input stride of each output dim
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
          std::memcpy(dst, static_cast<const char*>(in[i]->raw()) + o * block_bytes_[i], static_cast<size_t>(block_bytes_[i]));
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
