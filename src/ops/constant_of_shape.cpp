// ConstantOfShape: a tensor of the shape given by input 0, filled with the one element of the
// 'value' tensor attribute (f32 0 when absent).
#include "ops/op_util.h"

namespace kite {
namespace {

Tensor fill_value(const Node& node) {
  if (!node.attrs.has("value")) return Tensor(DType::f32, {});
  const Tensor& value = node.attrs.get_tensor("value");
  KITE_CHECK(value.numel() == 1, "attribute 'value' must hold one element, it holds ", value.numel());
  return value;
}

std::vector<ValueType> infer_constant_of_shape(const Node& node, const std::vector<const Value*>& inputs) {
  Shape shape = required_ints(inputs, 0, "shape");
  shape_numel(shape);  // rejects negative dimensions and sizes that overflow
  return {{fill_value(node).dtype(), shape}};
}

void reference_constant_of_shape(const Node& node, const std::vector<const Tensor*>&, std::vector<Tensor>& outputs) {
  Tensor value = fill_value(node);
  for (int64_t i = 0; i < outputs[0].numel(); ++i) copy_elements(value, 0, outputs[0], i);
}

}  // namespace

OpDef op_constant_of_shape() { return {"ConstantOfShape", 1, 1, infer_constant_of_shape, reference_constant_of_shape}; }

}  // namespace kite
