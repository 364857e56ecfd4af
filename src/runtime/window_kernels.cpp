// Slice, Split and constant Pad (ShuffleNet v2's channel split, Inception v3's padded average
// pools, crops): each is resolved once, at load time, into strided copies (runtime/strided_copy.h),
// so running one is a few memcpy calls or a stride loop per row, for any dtype. Arguments that
// are only known at run time, and Pad's edge and reflect modes, stay with the reference kernels.
#include <algorithm>
#include <cstring>

#include "ops/op.h"
#include "ops/op_util.h"
#include "ops/op_args.h"
#include "runtime/node_kernel.h"
#include "runtime/strided_copy.h"

namespace kite {
namespace {

// Runs one strided copy per output (Slice: one; Split: one per output).
class CopyKernel : public NodeKernel {
 public:
  CopyKernel(std::string name, std::vector<StridedCopy> copies, size_t element_size)
      : name_(std::move(name)), copies_(std::move(copies)), element_size_(element_size) {}
  std::string name() const override { return name_; }

  void run(const std::vector<const Tensor*>& in, std::vector<Tensor>& out, ThreadPool& pool) override {
    for (size_t i = 0; i < copies_.size(); ++i)
      strided_copy(copies_[i], in[0]->raw(), out[i].raw_mutable(), element_size_, pool);
  }

 private:
  std::string name_;
  std::vector<StridedCopy> copies_;
  size_t element_size_;
};

// Fills the output with one element's bytes, then copies the part of the input that survives
// the pads (all of it, unless a pad is negative) into its place.
class PadKernel : public NodeKernel {
 public:
  PadKernel(StridedCopy interior, std::vector<unsigned char> fill, bool needs_fill)
      : interior_(std::move(interior)), fill_(std::move(fill)), needs_fill_(needs_fill) {}
  std::string name() const override { return "pad_constant"; }

  void run(const std::vector<const Tensor*>& in, std::vector<Tensor>& out, ThreadPool& pool) override {
    size_t es = fill_.size();
    char* y = static_cast<char*>(out[0].raw_mutable());
    if (needs_fill_) {
      bool zero = std::all_of(fill_.begin(), fill_.end(), [](unsigned char b) { return b == 0; });
      if (zero) {
        std::memset(y, 0, out[0].nbytes());
      } else {
        for (int64_t i = 0; i < out[0].numel(); ++i) std::memcpy(y + static_cast<size_t>(i) * es, fill_.data(), es);
      }
    }
    strided_copy(interior_, in[0]->raw(), y, es, pool);
  }

 private:
  StridedCopy interior_;
  std::vector<unsigned char> fill_;
  bool needs_fill_;
};

std::unique_ptr<NodeKernel> make_slice(const Graph& g, const Node& n, const Value& x) {
  SliceWindow w = slice_window(n, g.input_values(n));
  std::vector<int64_t> in_strides = contiguous_strides(x.shape);
  StridedCopy c{w.shape, 0, {}, 0, contiguous_strides(w.shape)};
  for (size_t d = 0; d < x.shape.size(); ++d) {
    c.src_offset += w.start[d] * in_strides[d];
    c.src_strides.push_back(w.step[d] * in_strides[d]);
  }
  return std::make_unique<CopyKernel>("slice_strided", std::vector<StridedCopy>{c}, dtype_size(x.dtype));
}

std::unique_ptr<NodeKernel> make_split(const Graph& g, const Node& n, const Value& x) {
  int64_t rank = static_cast<int64_t>(x.shape.size());
  int64_t axis = split_axis(n, rank);
  std::vector<int64_t> sizes = split_sizes(n, g.input_values(n), x.shape[static_cast<size_t>(axis)]);
  std::vector<int64_t> in_strides = contiguous_strides(x.shape);
  std::vector<StridedCopy> copies;
  int64_t begin = 0;
  for (int64_t size : sizes) {
    Shape shape = x.shape;
    shape[static_cast<size_t>(axis)] = size;
    copies.push_back({shape, begin * in_strides[static_cast<size_t>(axis)], in_strides, 0, contiguous_strides(shape)});
    begin += size;
  }
  return std::make_unique<CopyKernel>("split_strided", std::move(copies), dtype_size(x.dtype));
}

std::unique_ptr<NodeKernel> make_pad(const Graph& g, const Node& n, const Value& x) {
  std::vector<const Value*> inputs = g.input_values(n);
  PadArgs args = pad_args(n, inputs);
  if (args.mode != PadMode::constant) return nullptr;
  std::optional<Tensor> fill_value = pad_fill(n, inputs);
  if (!fill_value) return nullptr;
  const auto* fill_bytes = static_cast<const unsigned char*>(fill_value->raw());
  std::vector<unsigned char> fill(fill_bytes, fill_bytes + fill_value->nbytes());
  Shape out;
  for (size_t d = 0; d < x.shape.size(); ++d) out.push_back(x.shape[d] + args.begin[d] + args.end[d]);
  std::vector<int64_t> in_strides = contiguous_strides(x.shape), out_strides = contiguous_strides(out);
  StridedCopy c{{}, 0, in_strides, 0, out_strides};
  bool needs_fill = false;
  for (size_t d = 0; d < x.shape.size(); ++d) {
    // Negative pads crop the input; positive ones move its window inside the output.
    int64_t in_begin = std::max<int64_t>(0, -args.begin[d]), in_end = x.shape[d] - std::max<int64_t>(0, -args.end[d]);
    c.shape.push_back(std::max<int64_t>(0, in_end - in_begin));
    c.src_offset += in_begin * in_strides[d];
    c.dst_offset += std::max<int64_t>(0, args.begin[d]) * out_strides[d];
    needs_fill = needs_fill || args.begin[d] > 0 || args.end[d] > 0;
  }
  return std::make_unique<PadKernel>(std::move(c), std::move(fill), needs_fill);
}

}  // namespace

std::unique_ptr<NodeKernel> make_window_kernel(const Graph& g, const Node& n) {
  if (n.inputs.empty() || n.inputs[0] < 0) return nullptr;
  const Value& x = g.values[static_cast<size_t>(n.inputs[0])];
  if (!x.shape_known || x.shape.empty()) return nullptr;
  for (int v : n.outputs)
    if (!g.values[static_cast<size_t>(v)].shape_known) return nullptr;
  try {
    if (n.op == "Slice") return make_slice(g, n, x);
    if (n.op == "Split") return make_split(g, n, x);
    if (n.op == "Pad") return make_pad(g, n, x);
  } catch (const ValueNeededAtRunTime&) {
    return nullptr;  // arguments computed by the graph: the reference resolves them per run
  }
  return nullptr;
}

}  // namespace kite
