// PRelu: y = x < 0 ? slope * x : x, with the slope broadcast to X's shape (unidirectionally:
// the output always has X's shape, e.g. a [C, 1, 1] slope against [N, C, H, W]).
#include "ops/op_util.h"

namespace kite {
namespace {

// Before opset 7 a slope with one entry per channel applied along axis 1 (PyTorch exported
// PReLU's [C] weight that way); from opset 7 on it broadcasts by NumPy rules.
Shape effective_slope_shape(const Node& node, const Shape& x, const Shape& slope) {
  bool per_channel = node.opset < 7 && slope.size() == 1 && x.size() >= 2 && slope[0] == x[1] && slope[0] != 1;
  return per_channel ? align_at_axis(slope, 1, static_cast<int64_t>(x.size())) : slope;
}

std::vector<ValueType> infer_prelu(const Node& node, const std::vector<const Value*>& inputs) {
  const Value& x = *inputs[0];
  const Value& slope = *inputs[1];
  require_dtype(x.dtype, DType::f32, "input");
  require_dtype(slope.dtype, DType::f32, "slope");
  Shape slope_shape = effective_slope_shape(node, x.shape, slope.shape);
  KITE_CHECK(slope_shape.size() <= x.shape.size() && broadcast_shapes(x.shape, slope_shape) == x.shape, "slope shape ",
             shape_to_string(slope.shape), " cannot be broadcast to input shape ", shape_to_string(x.shape));
  return {{DType::f32, x.shape}};
}

void reference_prelu(const Node& node, const std::vector<const Tensor*>& inputs, std::vector<Tensor>& outputs) {
  const Tensor& x = *inputs[0];
  const float* slope = inputs[1]->data<float>();
  std::vector<int64_t> slope_strides =
      broadcast_strides(effective_slope_shape(node, x.shape(), inputs[1]->shape()), x.shape());
  float* y = outputs[0].data<float>();
  for (int64_t i = 0; i < x.numel(); ++i) {
    float v = x.data<float>()[i];
    y[i] = v < 0.f ? slope[offset_of(unravel_index(i, x.shape()), slope_strides)] * v : v;
  }
}

}  // namespace

OpDef op_prelu() { return {"PRelu", 2, 2, infer_prelu, reference_prelu}; }

}  // namespace kite
