// The table of implemented operators. Each op_xxx() is defined in src/ops/<op>.cpp.
#include <algorithm>
#include <map>

#include "ops/op.h"

namespace kite {

OpDef op_identity();
OpDef op_dropout();
OpDef op_fused_conv();
// ops: group A (elementwise and shape)
OpDef op_relu();
OpDef op_leaky_relu();
OpDef op_sigmoid();
OpDef op_hard_sigmoid();
OpDef op_hard_swish();
OpDef op_tanh();
OpDef op_clip();
OpDef op_prelu();
OpDef op_add();
OpDef op_sub();
OpDef op_mul();
OpDef op_div();
OpDef op_concat();
OpDef op_split();
OpDef op_slice();
OpDef op_reshape();
OpDef op_flatten();
OpDef op_squeeze();
OpDef op_unsqueeze();
OpDef op_transpose();
OpDef op_shape();
OpDef op_gather();
OpDef op_cast();
OpDef op_constant_of_shape();
OpDef op_softmax();
OpDef op_reduce_mean();
OpDef op_pad();
OpDef op_expand();
// ops: group B (convolution, pooling, matrix, resize)
OpDef op_conv();
OpDef op_conv_transpose();
OpDef op_batch_normalization();
OpDef op_max_pool();
OpDef op_average_pool();
OpDef op_global_average_pool();
OpDef op_global_max_pool();
OpDef op_lrn();
OpDef op_gemm();
OpDef op_mat_mul();
OpDef op_resize();
// ops: group C (quantized)
OpDef op_quantize_linear();
OpDef op_dequantize_linear();
OpDef op_conv_integer();
OpDef op_qlinear_conv();
OpDef op_fused_qlinear_conv();
OpDef op_fused_qlinear_gemm();
OpDef op_matmul_integer();
OpDef op_qlinear_matmul();
OpDef op_fused_qlinear_add();
OpDef op_qlinear_global_average_pool();

namespace {

const std::map<std::string, OpDef>& op_table() {
  static const std::map<std::string, OpDef> table = [] {
    std::map<std::string, OpDef> t;
    for (const OpDef& def : {
             op_identity(),
             op_dropout(),
             op_fused_conv(),
             // table: group A
             op_relu(),
             op_leaky_relu(),
             op_sigmoid(),
             op_hard_sigmoid(),
             op_hard_swish(),
             op_tanh(),
             op_clip(),
             op_prelu(),
             op_add(),
             op_sub(),
             op_mul(),
             op_div(),
             op_concat(),
             op_split(),
             op_slice(),
             op_reshape(),
             op_flatten(),
             op_squeeze(),
             op_unsqueeze(),
             op_transpose(),
             op_shape(),
             op_gather(),
             op_cast(),
             op_constant_of_shape(),
             op_softmax(),
             op_reduce_mean(),
             op_pad(),
             op_expand(),
             // table: group B
             op_conv(),
             op_conv_transpose(),
             op_batch_normalization(),
             op_max_pool(),
             op_average_pool(),
             op_global_average_pool(),
             op_global_max_pool(),
             op_lrn(),
             op_gemm(),
             op_mat_mul(),
             op_resize(),
             // table: group C
             op_quantize_linear(),
             op_dequantize_linear(),
             op_conv_integer(),
             op_qlinear_conv(),
             op_fused_qlinear_conv(),
             op_fused_qlinear_gemm(),
             op_matmul_integer(),
             op_qlinear_matmul(),
             op_fused_qlinear_add(),
             op_qlinear_global_average_pool(),
         })
      t.emplace(def.name, def);
    return t;
  }();
  return table;
}

}  // namespace

const OpDef* find_op(const std::string& name) {
  auto it = op_table().find(name);
  return it == op_table().end() ? nullptr : &it->second;
}

std::vector<std::string> supported_ops() {
  std::vector<std::string> names;
  for (const auto& [name, def] : op_table())
    if (!def.internal) names.push_back(name);
  return names;
}

}  // namespace kite
