// Conv's shape inference and reference kernel, shared with FusedConv (ops/fused_conv.cpp).
#pragma once
#include <vector>

#include "ops/op.h"

namespace kite {

std::vector<ValueType> conv_infer(const Node& node, const std::vector<const Value*>& inputs);
void conv_reference(const Node& node, const std::vector<const Tensor*>& inputs, std::vector<Tensor>& outputs);

}  // namespace kite
