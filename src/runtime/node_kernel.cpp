#include "runtime/node_kernel.h"

namespace kite {

std::unique_ptr<NodeKernel> make_node_kernel(const Graph& g, const Node& n, const KernelChoices& choices) {
  if (n.op == "QLinearConv" || n.op == "FusedQLinearConv") return make_q8_conv_kernel(g, n);
  if (n.op == "FusedQLinearGemm") return make_q8_gemm_kernel(g, n);
  if (n.op == "FusedQLinearAdd" || n.op == "QLinearGlobalAveragePool" || n.op == "QuantizeLinear" ||
      n.op == "DequantizeLinear" || (n.op == "MaxPool" && g.values[static_cast<size_t>(n.inputs[0])].dtype == DType::u8))
    return make_q8_kernel(g, n);
  if (n.op == "Conv" || n.op == "FusedConv") return make_conv_kernel(g, n, choices);
  if (n.op == "MaxPool" || n.op == "AveragePool") return make_pool_kernel(g, n);
  if (n.op == "Gemm") return make_gemm_kernel(g, n);
  if (n.op == "Add" || n.op == "Sub" || n.op == "Mul" || n.op == "Div") return make_elementwise_kernel(g, n);
  if (n.op == "Transpose" || n.op == "Concat") return make_layout_kernel(g, n);
  if (n.op == "Slice" || n.op == "Split" || n.op == "Pad") return make_window_kernel(g, n);
  if (n.op == "Relu" || n.op == "Clip" || n.op == "LeakyRelu" || n.op == "HardSigmoid" || n.op == "HardSwish" ||
      n.op == "Sigmoid")
    return make_activation_kernel(g, n);
  if (n.op == "Reshape" || n.op == "Flatten" || n.op == "Squeeze" || n.op == "Unsqueeze" || n.op == "Identity")
    return make_relabel_kernel(g, n);
  if (n.op == "GlobalAveragePool" || n.op == "ReduceMean") return make_reduce_kernel(g, n);
  return nullptr;
}

}  // namespace kite
