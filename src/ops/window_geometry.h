// Sliding-window geometry shared by convolution and pooling: where a kernel, moved with strides
// and dilations over a padded input of k spatial dimensions, lands. Conv, ConvTranspose and the
// pooling ops all read their attributes through here, so they agree on every edge case
// (auto_pad, ceil_mode, asymmetric pads) and validate them the same way.
#pragma once
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "graph/graph.h"

namespace kite {

struct WindowGeometry {
  Shape input;   // spatial extent of the input (k dims)
  Shape output;  // spatial extent of the output: one position per window
  std::vector<int64_t> kernel;
  std::vector<int64_t> strides;
  std::vector<int64_t> dilations;
  std::vector<int64_t> pad_begin;  // resolved padding (auto_pad applied); ConvTranspose may make it negative
  std::vector<int64_t> pad_end;

  size_t rank() const { return input.size(); }
  // Input positions covered by one window along dim d, first to last.
  int64_t span(size_t d) const { return (kernel[d] - 1) * dilations[d] + 1; }
  // Input position of kernel element `k` of the window at output position `o` along dim d;
  // outside [0, input[d]) it lies in the padding.
  int64_t input_position(size_t d, int64_t o, int64_t k) const {
    return o * strides[d] - pad_begin[d] + k * dilations[d];
  }
};

// A per-spatial-dimension ints attribute (strides, dilations, kernel_shape, output_padding):
// `rank` values, each in [min_value, 2^31], or `fallback` in every dim when the attribute is absent.
std::vector<int64_t> spatial_attribute(const Node& node, const char* name, size_t rank, int64_t fallback,
                                       int64_t min_value);

// Splits `total` padding (negative: cropping) into {begin, end} the way ONNX does: begin gets
// floor(total / 2) when `extra_at_end` (SAME_UPPER), end gets it otherwise.
std::pair<int64_t, int64_t> split_padding(int64_t total, bool extra_at_end);

// The kernel's spatial shape from a Conv or ConvTranspose weight (channels, channels, k1, ..., kn),
// checked against the optional kernel_shape attribute.
std::vector<int64_t> weight_kernel_shape(const Node& node, const Shape& weight);

// The pads attribute [x1_begin, x2_begin, ..., x1_end, x2_end, ...]: 2 * `rank` values, each in
// [0, 2^31]; zeros when absent.
std::vector<int64_t> pads_attribute(const Node& node, size_t rank);

// The node's auto_pad attribute ("NOTSET" when absent); throws on an unknown value.
std::string auto_pad_mode(const Node& node);

// Windows of `kernel` over the spatial dims `input`, placed by the node's strides, dilations, pads
// and auto_pad. With `ceil_mode` a last, partial window is kept as long as it starts inside the
// input or its leading padding. Throws on inconsistent attributes or an empty output.
WindowGeometry window_geometry(const Node& node, const Shape& input, const std::vector<int64_t>& kernel,
                               bool ceil_mode);

// A run of consecutive output positions along the last spatial dim whose window element at one
// kernel offset lies inside the input: output position out_start + t pairs with input position
// in_start + t * strides.back(), for t < length. Positions are flat row-major spatial indices.
struct WindowRun {
  int64_t out_start;
  int64_t in_start;
  int64_t length;
};

// For each kernel offset (flat, row-major over the kernel), the runs covering every
// (output position, input position) pair it connects; pairs whose input position falls in the
// padding are left out. Conv gathers along these runs, ConvTranspose scatters along them and
// pooling reduces along them, so none of them tests bounds in its inner loop.
std::vector<std::vector<WindowRun>> window_runs(const WindowGeometry& g);

}  // namespace kite
