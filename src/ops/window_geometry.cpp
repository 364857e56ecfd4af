#include "ops/window_geometry.h"

#include <algorithm>
#include <tuple>

#include "ops/op_util.h"

namespace kite {
namespace {

// Attribute values are bounded so that window arithmetic on them (span, position, padded
// length) cannot overflow int64, whatever a model file says.
constexpr int64_t kMaxWindowValue = int64_t{1} << 31;
// Kernels are walked element by element; a pooling kernel_shape far beyond any real model's
// would only exhaust memory.
constexpr int64_t kMaxKernelElements = int64_t{1} << 24;

// Division rounding toward negative infinity; `b` > 0.
int64_t floor_div(int64_t a, int64_t b) { return a >= 0 ? a / b : -((-a + b - 1) / b); }
int64_t ceil_div(int64_t a, int64_t b) { return -floor_div(-a, b); }

// Output length along one dim when the padding is given (auto_pad NOTSET or VALID).
int64_t padded_output_length(const WindowGeometry& g, size_t d, bool ceil_mode) {
  int64_t room = g.input[d] + g.pad_begin[d] + g.pad_end[d] - g.span(d);
  if (room < 0) return 0;
  int64_t stride = g.strides[d];
  int64_t length = (ceil_mode ? ceil_div(room, stride) : room / stride) + 1;
  // A window that would start in the trailing padding sees no input at all: ONNX drops it.
  if (ceil_mode && (length - 1) * stride >= g.input[d] + g.pad_begin[d]) --length;
  return length;
}

// SAME_UPPER / SAME_LOWER: one output per stride step of the input, padded just enough for the
// last window; an odd total puts the extra element at the end (UPPER) or the beginning (LOWER).
void place_same(WindowGeometry& g, size_t d, bool extra_at_end) {
  int64_t length = ceil_div(g.input[d], g.strides[d]);
  int64_t total = std::max<int64_t>(0, (length - 1) * g.strides[d] + g.span(d) - g.input[d]);
  g.output[d] = length;
  std::tie(g.pad_begin[d], g.pad_end[d]) = split_padding(total, extra_at_end);
}

// Advances `index` over dims [0, dims) in row-major order within [first, end); false once done.
bool next_index(std::vector<int64_t>& index, const std::vector<int64_t>& first, const std::vector<int64_t>& end,
                size_t dims) {
  for (size_t d = dims; d-- > 0;) {
    if (++index[d] < end[d]) return true;
    index[d] = first[d];
  }
  return false;
}

// Appends `run`, or extends the last run when `run` continues it in both the output and the
// input (whole rows of an unpadded unit-stride window): fewer, longer runs for the inner loops.
void append_run(std::vector<WindowRun>& runs, const WindowRun& run, int64_t step) {
  if (!runs.empty()) {
    WindowRun& last = runs.back();
    if (run.out_start == last.out_start + last.length && run.in_start == last.in_start + last.length * step) {
      last.length += run.length;
      return;
    }
  }
  runs.push_back(run);
}

}  // namespace

std::pair<int64_t, int64_t> split_padding(int64_t total, bool extra_at_end) {
  int64_t half = floor_div(total, 2);
  return extra_at_end ? std::make_pair(half, total - half) : std::make_pair(total - half, half);
}

std::vector<int64_t> spatial_attribute(const Node& node, const char* name, size_t rank, int64_t fallback,
                                       int64_t min_value) {
  std::vector<int64_t> values = node.attrs.get_ints(name, std::vector<int64_t>(rank, fallback));
  KITE_CHECK(values.size() == rank, name, " has ", values.size(), " values, input has ", rank, " spatial dims");
  for (int64_t v : values)
    KITE_CHECK(v >= min_value && v <= kMaxWindowValue, name, " value ", v, " is out of range (expected ",
               min_value, " to ", kMaxWindowValue, ")");
  return values;
}

std::vector<int64_t> weight_kernel_shape(const Node& node, const Shape& weight) {
  std::vector<int64_t> kernel(weight.begin() + 2, weight.end());
  for (int64_t k : kernel)
    KITE_CHECK(k >= 1 && k <= kMaxWindowValue, "weight ", shape_to_string(weight), " has an empty or oversized kernel");
  if (node.attrs.has("kernel_shape")) {
    std::vector<int64_t> attribute = node.attrs.get_ints("kernel_shape", {});
    KITE_CHECK(attribute == kernel, "kernel_shape ", shape_to_string(attribute), " does not match the weight's kernel ",
               shape_to_string(kernel));
  }
  return kernel;
}

std::vector<int64_t> pads_attribute(const Node& node, size_t rank) {
  std::vector<int64_t> pads = node.attrs.get_ints("pads", std::vector<int64_t>(2 * rank, 0));
  KITE_CHECK(pads.size() == 2 * rank, "pads has ", pads.size(), " values, expected ", 2 * rank,
             " (begin and end for ", rank, " spatial dims)");
  for (int64_t p : pads) KITE_CHECK(p >= 0 && p <= kMaxWindowValue, "pads value ", p, " is out of range");
  return pads;
}

std::string auto_pad_mode(const Node& node) {
  std::string mode = node.attrs.get_string("auto_pad", "NOTSET");
  KITE_CHECK(mode == "NOTSET" || mode == "VALID" || mode == "SAME_UPPER" || mode == "SAME_LOWER", "auto_pad '", mode,
             "' is not one of NOTSET, VALID, SAME_UPPER, SAME_LOWER");
  return mode;
}

WindowGeometry window_geometry(const Node& node, const Shape& input, const std::vector<int64_t>& kernel,
                               bool ceil_mode) {
  size_t rank = input.size();
  KITE_CHECK(rank >= 1, "input needs at least one spatial dim");
  KITE_CHECK(kernel.size() == rank, "kernel_shape has ", kernel.size(), " dims, input has ", rank, " spatial dims");
  for (int64_t k : kernel)
    KITE_CHECK(k >= 1 && k <= kMaxWindowValue, "kernel size ", k, " is out of range");
  KITE_CHECK(shape_numel(kernel) <= kMaxKernelElements, "kernel ", shape_to_string(kernel), " has more than ",
             kMaxKernelElements, " elements");
  WindowGeometry g;
  g.input = input;
  g.kernel = kernel;
  g.strides = spatial_attribute(node, "strides", rank, 1, 1);
  g.dilations = spatial_attribute(node, "dilations", rank, 1, 1);
  g.output.assign(rank, 0);
  g.pad_begin.assign(rank, 0);
  g.pad_end.assign(rank, 0);
  std::string auto_pad = auto_pad_mode(node);
  if (auto_pad == "SAME_UPPER" || auto_pad == "SAME_LOWER") {
    // ONNX derives the padding here; a pads attribute alongside is ignored, as in its reference.
    for (size_t d = 0; d < rank; ++d) place_same(g, d, auto_pad == "SAME_UPPER");
  } else {
    if (auto_pad == "NOTSET") {
      std::vector<int64_t> pads = pads_attribute(node, rank);
      g.pad_begin.assign(pads.begin(), pads.begin() + static_cast<int64_t>(rank));
      g.pad_end.assign(pads.begin() + static_cast<int64_t>(rank), pads.end());
    }
    for (size_t d = 0; d < rank; ++d) g.output[d] = padded_output_length(g, d, ceil_mode);
  }
  for (size_t d = 0; d < rank; ++d)
    KITE_CHECK(g.output[d] > 0, "output would be empty along spatial dim ", d, ": input length ", input[d],
               " padded by ", g.pad_begin[d], "+", g.pad_end[d], " is shorter than the window span ", g.span(d),
               " (kernel ", kernel[d], ", dilation ", g.dilations[d], ")");
  return g;
}

std::vector<std::vector<WindowRun>> window_runs(const WindowGeometry& g) {
  size_t rank = g.rank();
  std::vector<int64_t> in_strides = contiguous_strides(g.input);
  std::vector<int64_t> out_strides = contiguous_strides(g.output);
  int64_t kernel_size = shape_numel(g.kernel);
  std::vector<std::vector<WindowRun>> runs(static_cast<size_t>(kernel_size));
  for (int64_t k = 0; k < kernel_size; ++k) {
    std::vector<int64_t> offset = unravel_index(k, g.kernel);
    // Along each dim, the output positions [first, end) whose element at this offset is inside
    // the input: 0 <= o * stride + shift < input.
    std::vector<int64_t> shift(rank), first(rank), end(rank);
    bool empty = false;
    for (size_t d = 0; d < rank; ++d) {
      shift[d] = offset[d] * g.dilations[d] - g.pad_begin[d];
      first[d] = std::max<int64_t>(0, ceil_div(-shift[d], g.strides[d]));
      end[d] = std::min(g.output[d], floor_div(g.input[d] - 1 - shift[d], g.strides[d]) + 1);
      empty = empty || first[d] >= end[d];
    }
    if (empty) continue;
    std::vector<int64_t> position = first;
    do {
      int64_t in_start = 0;
      for (size_t d = 0; d < rank; ++d) in_start += (position[d] * g.strides[d] + shift[d]) * in_strides[d];
      append_run(runs[static_cast<size_t>(k)], {offset_of(position, out_strides), in_start, end.back() - first.back()},
                 g.strides.back());
    } while (next_index(position, first, end, rank - 1));
  }
  return runs;
}

}  // namespace kite
