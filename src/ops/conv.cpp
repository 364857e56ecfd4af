// Conv: N-d convolution (really cross-correlation, as in ONNX) with groups, strides, dilations,
// explicit or automatic padding and an optional bias. X is (N, C, D1..Dk), W is
// (M, C/group, K1..Kk), Y is (N, M, O1..Ok).
#include "ops/conv.h"
#include "ops/op_util.h"
#include "ops/window_geometry.h"

namespace kite {
namespace {

struct ConvShapes {
  int64_t batch = 0;
  int64_t in_channels = 0;
  int64_t out_channels = 0;
  int64_t group = 1;
  WindowGeometry geometry;

  Shape output() const {
    Shape out{batch, out_channels};
    out.insert(out.end(), geometry.output.begin(), geometry.output.end());
    return out;
  }
};

ConvShapes conv_shapes(const Node& node, const Shape& x, const Shape& w) {
  KITE_CHECK(x.size() >= 3, "input must be (N, C, D1, ...) with at least one spatial dim, got ", shape_to_string(x));
  KITE_CHECK(w.size() == x.size(), "weight ", shape_to_string(w), " has rank ", w.size(), ", input ",
             shape_to_string(x), " has rank ", x.size(), " (expected equal)");
  ConvShapes s;
  s.batch = x[0];
  s.in_channels = x[1];
  s.out_channels = w[0];
  s.group = node.attrs.get_int("group", 1);
  KITE_CHECK(s.group >= 1, "group ", s.group, " must be positive");
  KITE_CHECK(s.in_channels % s.group == 0, "input has ", s.in_channels, " channels, not divisible by group ",
             s.group);
  KITE_CHECK(w[1] == s.in_channels / s.group, "weight has ", w[1], " input channels per group, input has ",
             s.in_channels, " channels and group ", s.group, " (expected ", s.in_channels / s.group, ")");
  KITE_CHECK(s.out_channels % s.group == 0, "weight has ", s.out_channels, " output channels, not divisible by group ",
             s.group);
  Shape spatial(x.begin() + 2, x.end());
  s.geometry = window_geometry(node, spatial, weight_kernel_shape(node, w), /*ceil_mode=*/false);
  return s;
}

std::vector<ValueType> infer_conv(const Node& node, const std::vector<const Value*>& inputs) {
  const Value& x = required_input(inputs, 0, "X");
  const Value& w = required_input(inputs, 1, "W");
  require_dtype(x.dtype, DType::f32, "X");
  require_dtype(w.dtype, DType::f32, "W");
  ConvShapes s = conv_shapes(node, x.shape, w.shape);
  if (const Value* b = optional_input(inputs, 2)) {
    require_dtype(b->dtype, DType::f32, "B");
    KITE_CHECK(b->shape == Shape{s.out_channels}, "bias B has shape ", shape_to_string(b->shape), ", expected [",
               s.out_channels, "] (one per output channel)");
  }
  return {{DType::f32, s.output()}};
}

// y[run.out_start + t] += weight * x[run.in_start + t * x_step] along every run: the output
// walks contiguous memory.
void gather_runs(const std::vector<WindowRun>& runs, float weight, const float* x, int64_t x_step, float* y) {
  for (const WindowRun& run : runs) {
    const float* xs = x + run.in_start;
    float* ys = y + run.out_start;
    if (x_step == 1) {  // the common unit stride, spelled out so the compiler can vectorize it
      for (int64_t t = 0; t < run.length; ++t) ys[t] += weight * xs[t];
    } else {
      for (int64_t t = 0; t < run.length; ++t) ys[t] += weight * xs[t * x_step];
    }
  }
}

}  // namespace

std::vector<ValueType> conv_infer(const Node& node, const std::vector<const Value*>& inputs) {
  return infer_conv(node, inputs);
}

void conv_reference(const Node& node, const std::vector<const Tensor*>& inputs, std::vector<Tensor>& outputs) {
  const Tensor& x = *inputs[0];
  const Tensor& w = *inputs[1];
  const Tensor* b = optional_input(inputs, 2);
  ConvShapes s = conv_shapes(node, x.shape(), w.shape());
  const WindowGeometry& g = s.geometry;
  std::vector<std::vector<WindowRun>> runs = window_runs(g);
  int64_t in_size = shape_numel(g.input), out_size = shape_numel(g.output), kernel_size = shape_numel(g.kernel);
  int64_t in_per_group = s.in_channels / s.group, out_per_group = s.out_channels / s.group;
  const float* xd = x.data<float>();
  const float* wd = w.data<float>();
  float* yd = outputs[0].data<float>();
  for (int64_t n = 0; n < s.batch; ++n) {
    for (int64_t m = 0; m < s.out_channels; ++m) {
      float* y = yd + (n * s.out_channels + m) * out_size;
      float bias = b ? b->data<float>()[m] : 0.f;
      for (int64_t i = 0; i < out_size; ++i) y[i] = bias;
      int64_t first_channel = m / out_per_group * in_per_group;
      for (int64_t c = 0; c < in_per_group; ++c) {
        const float* xc = xd + (n * s.in_channels + first_channel + c) * in_size;
        const float* wc = wd + (m * in_per_group + c) * kernel_size;
        for (int64_t k = 0; k < kernel_size; ++k)
          gather_runs(runs[static_cast<size_t>(k)], wc[k], xc, g.strides.back(), y);
      }
    }
  }
}

OpDef op_conv() { return {"Conv", 2, 3, infer_conv, conv_reference}; }

}  // namespace kite
