// Operator arguments (Slice, Split, Pad, ReduceMean, Clip, HardSigmoid) as their reference kernels read them,
// exposed so that the runtime's fast kernels resolve them from the same code at load time and
// can never disagree with the reference.
#pragma once
#include <cstdint>
#include <optional>
#include <vector>

#include "graph/graph.h"

namespace kite {

// Slice: the input index each output dimension starts at and its step (shape = output shape).
struct SliceWindow {
  std::vector<int64_t> start, step;
  Shape shape;
};
// Throws ValueNeededAtRunTime when starts/ends/axes/steps are not load-time constants.
SliceWindow slice_window(const Node& node, const std::vector<const Value*>& inputs);

// Split: the axis, and each output's extent along it.
int64_t split_axis(const Node& node, int64_t rank);
std::vector<int64_t> split_sizes(const Node& node, const std::vector<const Value*>& inputs, int64_t dim);

// Pad: per input axis, how many elements are added before and after (negative crops).
enum class PadMode { constant, reflect, edge };
struct PadArgs {
  std::vector<int64_t> begin, end;
  PadMode mode = PadMode::constant;
};
PadArgs pad_args(const Node& node, const std::vector<const Value*>& inputs);
// The element written into the border in constant mode, as a scalar of the data's dtype;
// nullopt when it is an input that is not a load-time constant.
std::optional<Tensor> pad_fill(const Node& node, const std::vector<const Value*>& inputs);
std::optional<Tensor> pad_fill(const Node& node, const std::vector<const Tensor*>& inputs);

// ReduceMean: per input axis, whether it is averaged over.
std::vector<bool> reduce_mean_axes(const Node& node, const std::vector<const Value*>& inputs);

// Gemm: whether it is A x B^T + C as written (transA 0, transB 1, alpha and beta 1), the form of an
// exported Linear layer, which the quantizer and the int8 fully connected kernel take.
bool gemm_is_linear(const Node& node);

// Clip: attributes before opset 11 (the float range when absent), optional scalar inputs from
// then on (an absent bound does not clip). nullopt when a bound input is not a load-time constant.
struct ClipBounds {
  float lo, hi;
};
std::optional<ClipBounds> clip_bounds(const Node& node, const std::vector<const Value*>& inputs);
std::optional<ClipBounds> clip_bounds(const Node& node, const std::vector<const Tensor*>& inputs);

// HardSigmoid: max(0, min(1, alpha * x + beta)), alpha 0.2 and beta 0.5 by default.
struct HardSigmoidParams {
  float alpha, beta;
};
HardSigmoidParams hard_sigmoid_params(const Node& node);

}  // namespace kite
