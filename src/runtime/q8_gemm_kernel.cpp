// FusedQLinearGemm (ops/qlinear_gemm.cpp): a quantized fully connected layer with float output,
// the classifier head of an int8 network. The weights are packed once, at load (pack_q8_a);
// each row of A is one column of the int8 product (gemm_q8_f32_out, kernels/q8_gemm.h), which
// takes its matrix-vector path on int16 pairs, or, on CPUs with AVX512_VNNI, the quad tile one
// column wide, and the threads split the weights' row panels. At batch 1 the layer reads the
// weights once: as pairs, half the bytes of the fp32 Gemm's floats; as quads, a quarter.
// Integer sums are exact and the scale is one float multiply, so the output is bitwise the
// reference's for any thread count.
#include "kernels/cpu_features.h"
#include "kernels/q8_gemm.h"
#include "ops/quant_args.h"
#include "runtime/node_kernel.h"

namespace kite {
namespace {

class Q8GemmKernel : public NodeKernel {
 public:
  Q8GemmKernel(const Tensor& weights, float a_scale, int32_t a_zero, const QuantParams& b, const Tensor* bias)
      // At batch 1 every product here has one column. The quad tile computes 16 for it, but reads
      // one byte a weight where the matrix-vector kernel reads two: with AVX512_VNNI (and AMX)
      // that made ResNet-50's 2048 -> 1000 layer 0.29-0.37 -> 0.11 ms and MobileNet v1's
      // 0.09 -> 0.05 (kite run --profile). Elsewhere (AVX2, NEON, SDOT; not measured there) the
      // pairs and the matrix-vector kernel.
      : packed_(pack_q8_a(weights.data<int8_t>(), weights.dim(0), weights.dim(1), weights.dim(1),
                          /*quads=*/cpu_has_avx512_vnni())) {
    const int64_t n = weights.dim(0);
    bias_.assign(static_cast<size_t>(n), 0);
    if (bias) std::copy(bias->data<int32_t>(), bias->data<int32_t>() + n, bias_.begin());
    for (int64_t j = 0; j < n; ++j) scale_.push_back(a_scale * b.scale_at(j));  // the reference's product
    epilogue_.row_bias = bias_.data();
    epilogue_.row_scale = scale_.data();
    epilogue_.b_zero_point = a_zero;
  }

  std::string name() const override { return std::string("q8_fully_connected/") + gemm_q8_kernel_name(packed_); }

  void run(const std::vector<const Tensor*>& in, std::vector<Tensor>& out, ThreadPool& pool) override {
    const int64_t rows = in[0]->dim(0), depth = packed_.depth(), n = packed_.rows();
    for (int64_t m = 0; m < rows; ++m) {
      const uint8_t* a = in[0]->data<uint8_t>() + m * depth;
      float* y = out[0].data<float>() + m * n;
      pool.parallel_for(packed_.panel_count(), [&](int64_t p0, int64_t p1) {
        gemm_q8_f32_out(packed_, a, 1, 1, y, 1, epilogue_, 0, 1, p0, p1);
      });
    }
  }

 private:
  PackedQ8A packed_;
  std::vector<int32_t> bias_;
  std::vector<float> scale_;
  Q8GemmEpilogue epilogue_;
};

}  // namespace

std::unique_ptr<NodeKernel> make_q8_gemm_kernel(const Graph& g, const Node& n) {
  const Value* a = g.input_values(n)[0];
  const Tensor* w = g.constant_input(n, 3);
  if (!a || !w || a->dtype != DType::u8 || !a->shape_known || w->dtype() != DType::s8 || w->rank() != 2) return nullptr;
  for (size_t i : {1, 4})
    if (!g.constant_input(n, i)) return nullptr;
  for (size_t i : {2, 5, 6})
    if (i < n.inputs.size() && n.inputs[i] >= 0 && !g.constant_input(n, i)) return nullptr;
  QuantParams aq = read_quant_params(*g.constant_input(n, 1), g.constant_input(n, 2), DType::u8);
  QuantParams bq = read_quant_params(*g.constant_input(n, 4), g.constant_input(n, 5), DType::s8);
  for (int32_t z : bq.zero_point)
    if (z != 0) return nullptr;  // the reference says why
  if (w->dim(1) > 65535) return nullptr;  // pack_q8_a's limit on K
  const Tensor* bias = n.inputs.size() > 6 && n.inputs[6] >= 0 ? g.constant_input(n, 6) : nullptr;
  return std::make_unique<Q8GemmKernel>(*w, aq.scale[0], aq.zero_point[0], bq, bias);
}

}  // namespace kite
