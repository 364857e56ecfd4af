// Resize (opset 10, and 11+ with roi, scales, sizes): nearest-neighbour or N-linear resampling
// to the shape that scales or sizes fix (read at load time when they are constants, else when the
// node runs). Cubic interpolation and antialiasing are not implemented.
//
// Both modes are separable, so every axis is resampled on its own: each output index along an
// axis reads at most two input indices (a "tap") whose weights come from mapping the output
// coordinate back into the input by the coordinate_transformation_mode.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <initializer_list>
#include <string>
#include <utility>

#include "ops/op_util.h"

namespace kite {
namespace {

enum class Interpolation { kNearest, kLinear };
enum class CoordinateMode {
  kHalfPixel,
  kHalfPixelSymmetric,
  kPytorchHalfPixel,
  kAlignCorners,
  kAsymmetric,
  kTfHalfPixelForNn,
  kTfCropAndResize,
};
// kOpset10 is Resize-10's nearest rule (as in onnxruntime and the opset-10 conformance tests):
// floor along an upsampled axis, ceil along a downsampled one.
enum class Rounding { kRoundPreferFloor, kRoundPreferCeil, kFloor, kCeil, kOpset10 };
enum class AspectPolicy { kStretch, kNotLarger, kNotSmaller };

struct ResizeAttributes {
  Interpolation interpolation = Interpolation::kNearest;
  CoordinateMode coordinates = CoordinateMode::kHalfPixel;
  Rounding rounding = Rounding::kRoundPreferFloor;
  AspectPolicy aspect = AspectPolicy::kStretch;
  float extrapolation_value = 0.f;
};

// How one axis is resized.
struct AxisPlan {
  int64_t in = 1;
  int64_t out = 1;
  double scale = 1.0;  // the given scale, or out / in when sizes were given
  double roi_start = 0.0, roi_end = 1.0;
};

template <typename Enum>
Enum parse_choice(const Node& node, const char* name, const std::string& fallback,
                  std::initializer_list<std::pair<const char*, Enum>> choices) {
  std::string value = node.attrs.get_string(name, fallback);
  std::string known;
  for (const auto& [text, choice] : choices) {
    if (value == text) return choice;
    known += known.empty() ? text : std::string(", ") + text;
  }
  fail(name, " '", value, "' is not supported (expected one of ", known, ")");
}

ResizeAttributes resize_attributes(const Node& node) {
  ResizeAttributes a;
  std::string mode = node.attrs.get_string("mode", "nearest");
  KITE_CHECK(mode != "cubic", "mode 'cubic' is not supported: kite implements nearest and linear");
  a.interpolation = parse_choice<Interpolation>(node, "mode", "nearest",
                                                {{"nearest", Interpolation::kNearest}, {"linear", Interpolation::kLinear}});
  KITE_CHECK(node.attrs.get_int("antialias", 0) == 0, "antialias is not supported");
  if (node.opset < 11) {
    // Resize-10 has none of the later attributes; its coordinates are asymmetric.
    a.coordinates = CoordinateMode::kAsymmetric;
    a.rounding = Rounding::kOpset10;
    return a;
  }
  a.coordinates = parse_choice<CoordinateMode>(node, "coordinate_transformation_mode", "half_pixel",
                                               {{"half_pixel", CoordinateMode::kHalfPixel},
                                                {"half_pixel_symmetric", CoordinateMode::kHalfPixelSymmetric},
                                                {"pytorch_half_pixel", CoordinateMode::kPytorchHalfPixel},
                                                {"align_corners", CoordinateMode::kAlignCorners},
                                                {"asymmetric", CoordinateMode::kAsymmetric},
                                                {"tf_half_pixel_for_nn", CoordinateMode::kTfHalfPixelForNn},
                                                {"tf_crop_and_resize", CoordinateMode::kTfCropAndResize}});
  a.rounding = parse_choice<Rounding>(node, "nearest_mode", "round_prefer_floor",
                                      {{"round_prefer_floor", Rounding::kRoundPreferFloor},
                                       {"round_prefer_ceil", Rounding::kRoundPreferCeil},
                                       {"floor", Rounding::kFloor},
                                       {"ceil", Rounding::kCeil}});
  a.aspect = parse_choice<AspectPolicy>(node, "keep_aspect_ratio_policy", "stretch",
                                        {{"stretch", AspectPolicy::kStretch},
                                         {"not_larger", AspectPolicy::kNotLarger},
                                         {"not_smaller", AspectPolicy::kNotSmaller}});
  a.extrapolation_value = node.attrs.get_float("extrapolation_value", 0.f);
  return a;
}

// --- Planning the output shape --------------------------------------------------------------

struct InputSlots {
  int roi = -1;
  int scales = 1;
  int sizes = -1;
};

InputSlots input_slots(int opset) { return opset < 11 ? InputSlots{-1, 1, -1} : InputSlots{1, 2, 3}; }

// An optional input that counts as given: present and not empty (ONNX marks an unused roi or
// scales input with an empty tensor).
template <typename In>
const In* given_input(const std::vector<const In*>& inputs, int slot) {
  const In* in = slot < 0 ? nullptr : optional_input(inputs, static_cast<size_t>(slot));
  return in && shape_numel(shape_of(*in)) > 0 ? in : nullptr;
}

// The contents of scales: at load time only when it is a constant (otherwise the node's shape is
// inferred when it runs), at run time always.
const Tensor& constant_of(const Value& v, const char* what) { return constant_tensor(v, what); }
const Tensor& constant_of(const Tensor& t, const char*) { return t; }

// The axes that scales, sizes and roi describe: the axes attribute (opset 18+) or all of them.
std::vector<int64_t> resized_axes(const Node& node, int64_t rank) {
  if (node.attrs.has("axes")) return normalize_axes(node.attrs.get_ints("axes", {}), rank);
  std::vector<int64_t> all(static_cast<size_t>(rank));
  for (int64_t d = 0; d < rank; ++d) all[static_cast<size_t>(d)] = d;
  return all;
}

void check_count(size_t count, const std::vector<int64_t>& axes, const char* what) {
  KITE_CHECK(count == axes.size(), what, " has ", count, " values, expected ", axes.size(), " (one per resized axis)");
}

void check_roi_count(int64_t count, const std::vector<int64_t>& axes) {
  KITE_CHECK(count == 2 * static_cast<int64_t>(axes.size()), "roi has ", count, " values, expected ", 2 * axes.size(),
             " (a start and an end per resized axis)");
}

void apply_scales(std::vector<AxisPlan>& plan, const std::vector<int64_t>& axes, const std::vector<float>& scales) {
  check_count(scales.size(), axes, "scales");
  for (size_t i = 0; i < axes.size(); ++i) {
    AxisPlan& a = plan[static_cast<size_t>(axes[i])];
    KITE_CHECK(std::isfinite(scales[i]) && scales[i] > 0, "scales value ", scales[i], " must be positive");
    a.scale = scales[i];
    double length = a.scale * static_cast<double>(a.in);
    KITE_CHECK(length < 1e15, "scales value ", scales[i], " makes axis ", axes[i], " too long");
    a.out = static_cast<int64_t>(std::floor(length));
  }
}

void apply_sizes(std::vector<AxisPlan>& plan, const std::vector<int64_t>& axes, const std::vector<int64_t>& sizes,
                 AspectPolicy aspect) {
  check_count(sizes.size(), axes, "sizes");
  for (size_t i = 0; i < axes.size(); ++i) {
    AxisPlan& a = plan[static_cast<size_t>(axes[i])];
    KITE_CHECK(sizes[i] > 0, "sizes value ", sizes[i], " must be positive");
    KITE_CHECK(a.in > 0, "axis ", axes[i], " is empty and cannot be resized to ", sizes[i]);
    a.out = sizes[i];
    a.scale = static_cast<double>(a.out) / static_cast<double>(a.in);
  }
  if (aspect == AspectPolicy::kStretch) return;
  // One scale for all resized axes, the smallest (not_larger) or largest (not_smaller) asked for.
  double scale = plan[static_cast<size_t>(axes[0])].scale;
  for (int64_t axis : axes) {
    double s = plan[static_cast<size_t>(axis)].scale;
    scale = aspect == AspectPolicy::kNotLarger ? std::min(scale, s) : std::max(scale, s);
  }
  for (int64_t axis : axes) {
    AxisPlan& a = plan[static_cast<size_t>(axis)];
    a.scale = scale;
    double length = scale * static_cast<double>(a.in);
    KITE_CHECK(length < 1e15, "keep_aspect_ratio_policy makes axis ", axis, " too long");
    a.out = static_cast<int64_t>(length + 0.5);  // rounds half up, as ONNX specifies
  }
}

template <typename In>
std::vector<AxisPlan> plan_resize(const Node& node, const ResizeAttributes& attrs,
                                  const std::vector<const In*>& inputs) {
  const Shape& x = shape_of(*inputs[0]);
  int64_t rank = static_cast<int64_t>(x.size());
  std::vector<AxisPlan> plan(x.size());
  for (size_t d = 0; d < x.size(); ++d) plan[d].in = plan[d].out = x[d];
  std::vector<int64_t> axes = resized_axes(node, rank);
  InputSlots slots = input_slots(node.opset);
  const In* scales = given_input(inputs, slots.scales);
  const In* sizes = given_input(inputs, slots.sizes);
  KITE_CHECK(scales || sizes, "needs a non-empty scales or sizes input");
  KITE_CHECK(!(scales && sizes), "takes scales or sizes, not both");
  if (scales) {
    require_dtype(dtype_of(*scales), DType::f32, "scales");
    apply_scales(plan, axes, tensor_floats(constant_of(*scales, "scales")));
  } else {
    apply_sizes(plan, axes, input_ints(*sizes, "sizes"), attrs.aspect);
  }
  for (size_t d = 0; d < plan.size(); ++d)
    KITE_CHECK(plan[d].out > 0, "output would be empty along axis ", d, " (input length ", plan[d].in, ", scale ",
               plan[d].scale, ")");
  if (attrs.coordinates == CoordinateMode::kTfCropAndResize) {
    const In* roi = given_input(inputs, slots.roi);
    KITE_CHECK(roi, "coordinate_transformation_mode tf_crop_and_resize needs the roi input");
    check_roi_count(shape_numel(shape_of(*roi)), axes);
  }
  return plan;
}

std::vector<ValueType> infer_resize(const Node& node, const std::vector<const Value*>& inputs) {
  const Value& x = required_input(inputs, 0, "X");
  require_dtype(x.dtype, DType::f32, "X");
  std::vector<AxisPlan> plan = plan_resize(node, resize_attributes(node), inputs);
  Shape out;
  for (const AxisPlan& a : plan) out.push_back(a.out);
  return {{DType::f32, out}};
}

// --- Resampling -----------------------------------------------------------------------------

// Where output index `o` along an axis lies in the input's coordinates.
double original_coordinate(CoordinateMode mode, const AxisPlan& a, int64_t o) {
  double x = static_cast<double>(o), in = static_cast<double>(a.in);
  // The resized length before rounding down: the ONNX reference divides by it (align_corners,
  // tf_crop_and_resize) rather than by the integer output length.
  double length = a.scale * in;
  switch (mode) {
    case CoordinateMode::kHalfPixel: return (x + 0.5) / a.scale - 0.5;
    case CoordinateMode::kHalfPixelSymmetric: {
      double offset = in / 2 * (1 - static_cast<double>(a.out) / length);
      return offset + (x + 0.5) / a.scale - 0.5;
    }
    case CoordinateMode::kPytorchHalfPixel: return length > 1 ? (x + 0.5) / a.scale - 0.5 : 0.0;
    case CoordinateMode::kAlignCorners: return length > 1 ? x * (in - 1) / (length - 1) : 0.0;
    case CoordinateMode::kAsymmetric: return x / a.scale;
    case CoordinateMode::kTfHalfPixelForNn: return (x + 0.5) / a.scale;
    case CoordinateMode::kTfCropAndResize:
      return length > 1 ? a.roi_start * (in - 1) + x * (a.roi_end - a.roi_start) * (in - 1) / (length - 1)
                        : 0.5 * (a.roi_start + a.roi_end) * (in - 1);
  }
  return 0.0;
}

double nearest_index(Rounding rounding, double x, double scale) {
  double below = std::floor(x);
  switch (rounding) {
    case Rounding::kRoundPreferFloor: return x - below <= 0.5 ? below : below + 1;
    case Rounding::kRoundPreferCeil: return x - below < 0.5 ? below : below + 1;
    case Rounding::kFloor: return below;
    case Rounding::kCeil: return std::ceil(x);
    case Rounding::kOpset10: return scale < 1 ? std::ceil(x) : below;
  }
  return below;
}

// Output index o along an axis = first_weight * in[first] + second_weight * in[second], or the
// extrapolation value when `outside` (tf_crop_and_resize past the input's edge).
struct Tap {
  int64_t first = 0, second = 0;
  double first_weight = 1.0, second_weight = 0.0;
  bool outside = false;
};

std::vector<Tap> axis_taps(const ResizeAttributes& attrs, const AxisPlan& a) {
  std::vector<Tap> taps(static_cast<size_t>(a.out));
  double last = static_cast<double>(a.in - 1);
  // Coordinates past the edges read the edge element (ONNX pads by replicating the edge).
  auto clamp_index = [&](double i) { return static_cast<int64_t>(std::clamp(i, 0.0, last)); };
  for (int64_t o = 0; o < a.out; ++o) {
    Tap& tap = taps[static_cast<size_t>(o)];
    double x = original_coordinate(attrs.coordinates, a, o);
    if (attrs.coordinates == CoordinateMode::kTfCropAndResize && !(x >= 0 && x <= last)) {
      tap.outside = true;
      continue;
    }
    x = std::clamp(x, -1.0, last + 1);  // no effect on the result, keeps the integer conversions in range
    if (attrs.interpolation == Interpolation::kNearest) {
      tap.first = tap.second = clamp_index(nearest_index(attrs.rounding, x, a.scale));
      continue;
    }
    double below = std::floor(x);
    tap.first = clamp_index(below);
    tap.second = clamp_index(below + 1);
    tap.second_weight = x - below;
    tap.first_weight = 1.0 - tap.second_weight;
  }
  return taps;
}

bool is_identity(const std::vector<Tap>& taps, const AxisPlan& a) {
  if (a.in != a.out) return false;
  for (size_t o = 0; o < taps.size(); ++o)
    if (taps[o].outside || taps[o].first != static_cast<int64_t>(o) || taps[o].second_weight != 0) return false;
  return true;
}

Tensor resample_axis(const Tensor& x, size_t axis, const std::vector<Tap>& taps, float extrapolation_value) {
  Shape shape = x.shape();
  int64_t in = shape[axis], out = static_cast<int64_t>(taps.size());
  shape[axis] = out;
  Tensor y(DType::f32, shape);
  int64_t outer = dims_product(shape, 0, static_cast<int64_t>(axis));
  int64_t inner = dims_product(shape, static_cast<int64_t>(axis) + 1, static_cast<int64_t>(shape.size()));
  for (int64_t block = 0; block < outer; ++block)
    for (int64_t o = 0; o < out; ++o) {
      const Tap& tap = taps[static_cast<size_t>(o)];
      float* yr = y.data<float>() + (block * out + o) * inner;
      const float* first = x.data<float>() + (block * in + tap.first) * inner;
      const float* second = x.data<float>() + (block * in + tap.second) * inner;
      for (int64_t i = 0; i < inner; ++i) {
        if (tap.outside) {
          yr[i] = extrapolation_value;
        } else if (tap.second_weight == 0) {  // an exact hit: copy, so inf and NaN neighbours stay out
          yr[i] = first[i];
        } else {
          yr[i] = static_cast<float>(tap.first_weight * first[i] + tap.second_weight * second[i]);
        }
      }
    }
  return y;
}

void read_roi(std::vector<AxisPlan>& plan, const Node& node, const Tensor& roi) {
  std::vector<int64_t> axes = resized_axes(node, static_cast<int64_t>(plan.size()));
  std::vector<float> values = tensor_floats(roi);
  check_roi_count(static_cast<int64_t>(values.size()), axes);
  for (size_t i = 0; i < axes.size(); ++i) {
    AxisPlan& a = plan[static_cast<size_t>(axes[i])];
    a.roi_start = values[i];
    a.roi_end = values[axes.size() + i];
    KITE_CHECK(std::isfinite(a.roi_start) && std::isfinite(a.roi_end), "roi values must be finite");
  }
}

void reference_resize(const Node& node, const std::vector<const Tensor*>& inputs, std::vector<Tensor>& outputs) {
  ResizeAttributes attrs = resize_attributes(node);
  std::vector<AxisPlan> plan = plan_resize(node, attrs, inputs);
  if (attrs.coordinates == CoordinateMode::kTfCropAndResize)
    read_roi(plan, node, *given_input(inputs, input_slots(node.opset).roi));
  // Innermost axis first, as the ONNX reference nests its 1-D interpolations.
  Tensor current = *inputs[0];
  for (size_t d = plan.size(); d-- > 0;) {
    std::vector<Tap> taps = axis_taps(attrs, plan[d]);
    if (!is_identity(taps, plan[d])) current = resample_axis(current, d, taps, attrs.extrapolation_value);
  }
  if (current.nbytes()) std::memcpy(outputs[0].raw_mutable(), current.raw(), current.nbytes());
}

}  // namespace

// Opset 10 takes (X, scales); opset 11+ takes (X, roi, scales, sizes) where roi may be omitted
// and one of scales and sizes is given: plan_resize checks which.
OpDef op_resize() { return {"Resize", 1, 4, infer_resize, reference_resize}; }

}  // namespace kite
