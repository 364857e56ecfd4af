// Identity and Dropout (inference: the input passes through unchanged; Dropout's optional mask
// output is all true).
#include <cstring>

#include "ops/op_util.h"

namespace kite {
namespace {

std::vector<ValueType> infer_passthrough(const Node& node, const std::vector<const Value*>& inputs) {
  if (node.op == "Dropout") {
    // Training-mode dropout is random; running it as the identity would be a silent wrong answer.
    const Value* training = optional_input(inputs, 2);
    bool training_mode = node.attrs.get_int("is_test", 1) == 0;  // opset < 7 spelled it is_test
    if (training) {
      KITE_CHECK(shape_numel(training->shape) == 1, "training_mode must be a scalar, got shape ",
                 shape_to_string(training->shape));
      training_mode = training_mode || !training->constant || element_as_double(*training->constant, 0) != 0;
    }
    KITE_CHECK(!training_mode, "training mode is not supported: kite runs inference only");
  }
  std::vector<ValueType> out{{inputs[0]->dtype, inputs[0]->shape}};
  if (node.outputs.size() > 1) out.push_back({DType::boolean, inputs[0]->shape});
  return out;
}

void reference_passthrough(const Node&, const std::vector<const Tensor*>& inputs, std::vector<Tensor>& outputs) {
  if (inputs[0]->nbytes()) std::memcpy(outputs[0].raw_mutable(), inputs[0]->raw(), inputs[0]->nbytes());
  if (outputs.size() > 1) {
    bool* mask = outputs[1].data<bool>();
    for (int64_t i = 0; i < outputs[1].numel(); ++i) mask[i] = true;
  }
}

}  // namespace

OpDef op_identity() { return {"Identity", 1, 1, infer_passthrough, reference_passthrough}; }
// Inputs 2 and 3 (ratio, training_mode) only matter for training.
OpDef op_dropout() { return {"Dropout", 1, 3, infer_passthrough, reference_passthrough}; }

}  // namespace kite
