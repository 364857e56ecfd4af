// ConvTranspose: the adjoint of Conv, with groups, strides, dilations, pads, output_padding,
// output_shape and auto_pad. X is (N, C, D1..Dk), W is (C, M/group, K1..Kk), Y is (N, M, O1..Ok).
//
// Every input position scatters its kernel-weighted value to the output positions a forward
// Conv from Y back to X would have read, so the geometry is that of a Conv whose input is Y.
#include <limits>
#include <string>
#include <tuple>

#include "ops/op_util.h"
#include "ops/window_geometry.h"

namespace kite {
namespace {

struct ConvTransposeShapes {
  int64_t batch = 0;
  int64_t in_channels = 0;
  int64_t out_channels = 0;
  int64_t group = 1;
  // The forward Conv from Y to X: geometry.input is Y's spatial shape, geometry.output is X's.
  WindowGeometry geometry;

  Shape output() const {
    Shape out{batch, out_channels};
    out.insert(out.end(), geometry.input.begin(), geometry.input.end());
    return out;
  }
};

// Output length along dim d, and the padding that goes with it. Per ONNX, output_shape (or, with
// SAME_* auto_pad, input * stride) fixes the length and the padding follows from it; otherwise
// the pads attribute fixes the padding and the length follows.
void place_output(const Node& node, WindowGeometry& g, const std::vector<int64_t>& output_padding) {
  size_t rank = g.rank();
  std::string auto_pad = auto_pad_mode(node);
  bool same = auto_pad == "SAME_UPPER" || auto_pad == "SAME_LOWER";
  bool shape_given = node.attrs.has("output_shape");
  std::vector<int64_t> output_shape =
      shape_given ? spatial_attribute(node, "output_shape", rank, 0, 1) : std::vector<int64_t>{};
  std::vector<int64_t> pads = (shape_given || same || auto_pad == "VALID") ? std::vector<int64_t>(2 * rank, 0)
                                                                          : pads_attribute(node, rank);
  for (size_t d = 0; d < rank; ++d) {
    int64_t unpadded = g.strides[d] * (g.output[d] - 1) + output_padding[d] + g.span(d);
    if (shape_given || same) {
      g.input[d] = shape_given ? output_shape[d] : g.output[d] * g.strides[d];
      std::tie(g.pad_begin[d], g.pad_end[d]) = split_padding(unpadded - g.input[d], auto_pad == "SAME_UPPER");
    } else {
      g.pad_begin[d] = pads[d];
      g.pad_end[d] = pads[rank + d];
      g.input[d] = unpadded - g.pad_begin[d] - g.pad_end[d];
    }
    KITE_CHECK(g.input[d] > 0, "output would be empty along spatial dim ", d, " (input length ", g.output[d],
               ", stride ", g.strides[d], ", kernel span ", g.span(d), ", pads ", g.pad_begin[d], "+", g.pad_end[d],
               ")");
  }
}

ConvTransposeShapes conv_transpose_shapes(const Node& node, const Shape& x, const Shape& w) {
  KITE_CHECK(x.size() >= 3, "input must be (N, C, D1, ...) with at least one spatial dim, got ", shape_to_string(x));
  KITE_CHECK(w.size() == x.size(), "weight ", shape_to_string(w), " has rank ", w.size(), ", input ",
             shape_to_string(x), " has rank ", x.size(), " (expected equal)");
  ConvTransposeShapes s;
  s.batch = x[0];
  s.in_channels = x[1];
  s.group = node.attrs.get_int("group", 1);
  KITE_CHECK(s.group >= 1, "group ", s.group, " must be positive");
  KITE_CHECK(w[0] == s.in_channels, "weight has ", w[0], " input channels, input has ", s.in_channels);
  KITE_CHECK(s.in_channels % s.group == 0, "input has ", s.in_channels, " channels, not divisible by group ",
             s.group);
  KITE_CHECK(w[1] <= std::numeric_limits<int64_t>::max() / s.group, "weight ", shape_to_string(w), " with group ",
             s.group, " has too many output channels");
  s.out_channels = w[1] * s.group;

  size_t rank = x.size() - 2;
  WindowGeometry& g = s.geometry;
  g.output.assign(x.begin() + 2, x.end());
  g.kernel = weight_kernel_shape(node, w);
  g.strides = spatial_attribute(node, "strides", rank, 1, 1);
  g.dilations = spatial_attribute(node, "dilations", rank, 1, 1);
  g.input.assign(rank, 0);
  g.pad_begin.assign(rank, 0);
  g.pad_end.assign(rank, 0);
  for (size_t d = 0; d < rank; ++d)
    KITE_CHECK(g.output[d] >= 1 && g.output[d] <= (int64_t{1} << 60) / g.strides[d], "input length ", g.output[d],
               " along spatial dim ", d, " is empty or too large for stride ", g.strides[d]);
  place_output(node, g, spatial_attribute(node, "output_padding", rank, 0, 0));
  return s;
}

std::vector<ValueType> infer_conv_transpose(const Node& node, const std::vector<const Value*>& inputs) {
  const Value& x = required_input(inputs, 0, "X");
  const Value& w = required_input(inputs, 1, "W");
  require_dtype(x.dtype, DType::f32, "X");
  require_dtype(w.dtype, DType::f32, "W");
  ConvTransposeShapes s = conv_transpose_shapes(node, x.shape, w.shape);
  if (const Value* b = optional_input(inputs, 2)) {
    require_dtype(b->dtype, DType::f32, "B");
    KITE_CHECK(b->shape == Shape{s.out_channels}, "bias B has shape ", shape_to_string(b->shape), ", expected [",
               s.out_channels, "] (one per output channel)");
  }
  return {{DType::f32, s.output()}};
}

// y[run.in_start + t * y_step] += weight * x[run.out_start + t] along every run: the mirror
// image of Conv's gather, reading the input contiguously.
void scatter_runs(const std::vector<WindowRun>& runs, float weight, const float* x, float* y, int64_t y_step) {
  for (const WindowRun& run : runs) {
    const float* xs = x + run.out_start;
    float* ys = y + run.in_start;
    if (y_step == 1) {  // the common unit stride, spelled out so the compiler can vectorize it
      for (int64_t t = 0; t < run.length; ++t) ys[t] += weight * xs[t];
    } else {
      for (int64_t t = 0; t < run.length; ++t) ys[t * y_step] += weight * xs[t];
    }
  }
}

void reference_conv_transpose(const Node& node, const std::vector<const Tensor*>& inputs,
                              std::vector<Tensor>& outputs) {
  const Tensor& x = *inputs[0];
  const Tensor& w = *inputs[1];
  const Tensor* b = optional_input(inputs, 2);
  ConvTransposeShapes s = conv_transpose_shapes(node, x.shape(), w.shape());
  const WindowGeometry& g = s.geometry;
  std::vector<std::vector<WindowRun>> runs = window_runs(g);
  int64_t in_size = shape_numel(g.output), out_size = shape_numel(g.input), kernel_size = shape_numel(g.kernel);
  int64_t in_per_group = s.in_channels / s.group, out_per_group = s.out_channels / s.group;
  const float* xd = x.data<float>();
  const float* wd = w.data<float>();
  float* yd = outputs[0].data<float>();
  for (int64_t n = 0; n < s.batch; ++n) {
    for (int64_t m = 0; m < s.out_channels; ++m) {
      float bias = b ? b->data<float>()[m] : 0.f;
      float* y = yd + (n * s.out_channels + m) * out_size;
      for (int64_t i = 0; i < out_size; ++i) y[i] = bias;
    }
    for (int64_t c = 0; c < s.in_channels; ++c) {
      const float* xc = xd + (n * s.in_channels + c) * in_size;
      int64_t first_output = c / in_per_group * out_per_group;
      for (int64_t mo = 0; mo < out_per_group; ++mo) {
        float* y = yd + (n * s.out_channels + first_output + mo) * out_size;
        const float* wc = wd + (c * out_per_group + mo) * kernel_size;
        for (int64_t k = 0; k < kernel_size; ++k)
          scatter_runs(runs[static_cast<size_t>(k)], wc[k], xc, y, g.strides.back());
      }
    }
  }
}

}  // namespace

OpDef op_conv_transpose() { return {"ConvTranspose", 2, 3, infer_conv_transpose, reference_conv_transpose}; }

}  // namespace kite
