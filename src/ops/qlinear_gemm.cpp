// FusedQLinearGemm, kite's own (made by passes/fuse_qdq.cpp, never read from a file): a fully
// connected layer on a quantized input whose result leaves int8, the classifier head of a
// quantized network. Inputs: A [M, K] uint8, a_scale, a_zero_point, B [N, K] int8 (ONNX Gemm's B
// with transB = 1, zero point 0), b_scale (one, or one per row of B), b_zero_point, and an
// optional int32 bias C [N] (or [1, N]) in units of a_scale * b_scale[n]. Output, float [M, N]:
//     acc = C[n] + sum over k of (A[m, k] - a_zero_point) * B[n, k]            (exact, int32)
//     Y[m, n] = float(acc) * (a_scale * b_scale[n])
// which is gemm_q8_f32_out's (kernels/q8_gemm.h) definition: the node kernel
// (runtime/q8_gemm_kernel.cpp) is checked against this, bit for bit.
#include "ops/op_util.h"
#include "ops/quant_args.h"

namespace kite {
namespace {

std::vector<ValueType> infer_fused_qlinear_gemm(const Node&, const std::vector<const Value*>& inputs) {
  const Value& a = required_input(inputs, 0, "A");
  const Value& b = required_input(inputs, 3, "B");
  require_dtype(a.dtype, DType::u8, "A");
  require_dtype(b.dtype, DType::s8, "B");
  KITE_CHECK(a.shape.size() == 2 && b.shape.size() == 2, "A and B must be matrices, got A ", shape_to_string(a.shape),
             " and B ", shape_to_string(b.shape));
  KITE_CHECK(a.shape[1] == b.shape[1], "A ", shape_to_string(a.shape), " and B ", shape_to_string(b.shape),
             " (N x K) do not multiply");
  const int64_t n = b.shape[0];
  KITE_CHECK(check_quant_params(required_input(inputs, 1, "a_scale"), optional_input(inputs, 2), 1, DType::u8, "a") ==
                 DType::u8, "a_zero_point must be uint8");
  KITE_CHECK(check_quant_params(required_input(inputs, 4, "b_scale"), optional_input(inputs, 5), n, DType::s8, "b") ==
                 DType::s8, "b_zero_point must be int8");
  if (const Value* c = optional_input(inputs, 6)) {
    require_dtype(c->dtype, DType::s32, "C");
    KITE_CHECK(c->shape == Shape{n} || c->shape == (Shape{1, n}), "C has shape ", shape_to_string(c->shape),
               ", expected [", n, "] or [1, ", n, "]");
  }
  return {{DType::f32, {a.shape[0], n}}};
}

void reference_fused_qlinear_gemm(const Node&, const std::vector<const Tensor*>& inputs, std::vector<Tensor>& outputs) {
  const Tensor& a = *inputs[0];
  const Tensor& b = *inputs[3];
  QuantParams aq = read_quant_params(*inputs[1], optional_input(inputs, 2), DType::u8);
  QuantParams bq = read_quant_params(*inputs[4], optional_input(inputs, 5), DType::s8);
  const Tensor* c = optional_input(inputs, 6);
  const int64_t rows = a.dim(0), depth = a.dim(1), n = b.dim(0);
  float* y = outputs[0].data<float>();
  for (int64_t m = 0; m < rows; ++m)
    for (int64_t j = 0; j < n; ++j) {
      KITE_CHECK(bq.zero_point_at(j) == 0, "b_zero_point must be 0 (symmetric weights), got ", bq.zero_point_at(j));
      // Modulo 2^32, as the kernels sum.
      uint32_t acc = c ? static_cast<uint32_t>(c->data<int32_t>()[j]) : 0u;
      for (int64_t k = 0; k < depth; ++k)
        acc += static_cast<uint32_t>((quantized_at(a, m * depth + k) - aq.zero_point[0]) * quantized_at(b, j * depth + k));
      const float scale = aq.scale[0] * bq.scale_at(j);
      y[m * n + j] = static_cast<float>(static_cast<int32_t>(acc)) * scale;
    }
}

}  // namespace

OpDef op_fused_qlinear_gemm() {
  return {"FusedQLinearGemm", 6, 7, infer_fused_qlinear_gemm, reference_fused_qlinear_gemm, /*internal=*/true};
}

}  // namespace kite
