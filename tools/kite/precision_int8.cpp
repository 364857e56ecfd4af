// --precision int8 (see precision.h): one function, kept apart from the fp32 and fp16 paths.
#include <cstdio>

#include "calibration_source.h"
#include "graph/graph.h"
#include "kernels/q8_gemm.h"
#include "precision.h"
#include "quant/quantize_model.h"

namespace kite::cli {

bool holds_int8(const Model& model) {
  for (const Node& n : model.graph().nodes)
    if (n.op == "QuantizeLinear" || n.op == "DequantizeLinear" || n.op == "QLinearConv" || n.op == "QLinearMatMul" ||
        n.op == "ConvInteger" || n.op == "MatMulInteger")
      return true;
  return false;
}

Model quantize_for_precision(const Model& model) {
  if (holds_int8(model)) return model;
  // Said on stderr, every time: these ranges come from noise, so the outputs' accuracy means
  // nothing; the speed does. `kite quantize --calib` calibrates on real data.
  constexpr int64_t kSamples = 4;
  // The weights' width that runs fastest here: 7 bits for AVX2's vpmaddubsw path, 8 where the CPU
  // has an int8 dot product (VNNI, SDOT), which takes any weights (kite quantize --weight-bits;
  // accuracy: docs/QUANTIZATION.md).
  QuantizeOptions o;
  o.weight_bits = gemm_q8_has_dot_product() ? 8 : 7;
  std::fprintf(stderr, "kite: --precision int8 on an fp32 model: quantized with %d-bit weights and ranges from %lld "
               "random inputs (right for measuring speed, not accuracy; use kite quantize --calib for a model to "
               "deploy)\n", o.weight_bits, static_cast<long long>(kSamples));
  return quantize_model(model, random_calibration_samples(model, kSamples), o);
}

}  // namespace kite::cli
