// Split: cuts the input along one axis into the node's outputs. Works for every dtype, byte-wise.
#include <numeric>

#include "ops/op_util.h"
#include "ops/op_args.h"

namespace kite {

int64_t split_axis(const Node& node, int64_t rank) {
  KITE_CHECK(rank >= 1, "cannot split a scalar");
  return normalize_axis(node.attrs.get_int("axis", 0), rank);
}

namespace {

void check_sizes(const std::vector<int64_t>& sizes, size_t count, int64_t dim) {
  KITE_CHECK(sizes.size() == count, "split has ", sizes.size(), " sizes for ", count, " outputs");
  for (int64_t s : sizes) KITE_CHECK(s >= 0 && s <= dim, "split size ", s, " is out of range for a dimension of ", dim);
  int64_t total = std::accumulate(sizes.begin(), sizes.end(), int64_t{0});
  KITE_CHECK(total == dim, "split sizes add up to ", total, ", the dimension is ", dim);
}

// Opset 18's num_outputs: equal chunks of ceil(dim / n), the last one smaller.
std::vector<int64_t> chunk_sizes(int64_t dim, int64_t n, size_t count) {
  KITE_CHECK(n >= 1 && n == static_cast<int64_t>(count), "num_outputs is ", n, " but the node has ", count, " outputs");
  int64_t chunk = (dim + n - 1) / n;
  std::vector<int64_t> sizes(static_cast<size_t>(n), chunk);
  sizes.back() = dim - chunk * (n - 1);
  KITE_CHECK(sizes.back() >= 0, "a dimension of ", dim, " cannot be split into ", n, " chunks of ", chunk);
  return sizes;
}

}  // namespace

std::vector<int64_t> split_sizes(const Node& node, const std::vector<const Value*>& inputs, int64_t dim) {
  size_t count = node.outputs.size();
  std::optional<std::vector<int64_t>> sizes;
  if (node.opset < 13 && node.attrs.has("split")) sizes = node.attrs.get_ints("split", {});
  if (node.opset >= 13) sizes = optional_ints(inputs, 1, "split");
  if (sizes && sizes->empty()) sizes.reset();  // an empty list means "not given", as onnxruntime reads it
  if (!sizes && node.opset >= 18 && node.attrs.has("num_outputs"))
    sizes = chunk_sizes(dim, node.attrs.get_int("num_outputs"), count);
  if (!sizes) {
    KITE_CHECK(count >= 1 && dim % static_cast<int64_t>(count) == 0, "a dimension of ", dim,
               " cannot be split equally into ", count, " outputs");
    sizes = std::vector<int64_t>(count, dim / static_cast<int64_t>(count));
  }
  check_sizes(*sizes, count, dim);
  return *sizes;
}

namespace {

std::vector<ValueType> infer_split(const Node& node, const std::vector<const Value*>& inputs) {
  const Value& in = *inputs[0];
  int64_t axis = split_axis(node, static_cast<int64_t>(in.shape.size()));
  std::vector<ValueType> out;
  for (int64_t size : split_sizes(node, inputs, in.shape[static_cast<size_t>(axis)])) {
    out.push_back({in.dtype, in.shape});
    out.back().shape[static_cast<size_t>(axis)] = size;
  }
  return out;
}

// The outputs' shapes hold the sizes. Each of the `outer` rows of the input is the outputs' rows
// laid end to end.
void reference_split(const Node& node, const std::vector<const Tensor*>& inputs, std::vector<Tensor>& outputs) {
  const Tensor& in = *inputs[0];
  int64_t axis = split_axis(node, in.rank());
  int64_t outer = dims_product(in.shape(), 0, axis);
  int64_t in_offset = 0;
  for (int64_t o = 0; o < outer; ++o) {
    for (Tensor& out : outputs) {
      int64_t row = dims_product(out.shape(), axis, out.rank());
      copy_elements(in, in_offset, out, o * row, row);
      in_offset += row;
    }
  }
}

}  // namespace

OpDef op_split() { return {"Split", 1, 2, infer_split, reference_split}; }

}  // namespace kite
