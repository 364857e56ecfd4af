// Post-training quantization to kite's int8 scheme, written as a standard QDQ graph (ONNX
// QuantizeLinear / DequantizeLinear around the float operators), which ONNX Runtime also runs
// and from which kite's session makes int8 kernels (passes/fuse_qdq.cpp):
//  - weights of convolutions: int8, symmetric ([-127, 127], zero point 0), one scale per output
//    channel, after BatchNormalization is folded into them; biases int32 with the scale
//    input_scale * weight_scale[m];
//  - activations: uint8, one scale and zero point per tensor, from the calibration ranges
//    (calibration.h); a ReLU / ReLU6 after a convolution or an Add is part of it (the quantized
//    tensor is the activation's output);
//  - MaxPool, Concat, Reshape and Flatten keep their input's scale and zero point (all inputs
//    of a Concat share one), so they run on the quantized values unchanged;
//  - a fully connected Gemm (A x B^T + C, B and C constant) gets int8 weights like a convolution's
//    (one scale per output) and an int32 bias, on its quantized input; its result stays float
//    (FusedQLinearGemm scales the int32 sums to float);
//  - operators without an int8 kernel (Softmax, MatMul, Sigmoid, ...) read the dequantized float
//    and run in fp32; graph outputs stay float.
#pragma once
#include <functional>
#include <string>
#include <vector>

#include "kite/model.h"
#include "kite/session.h"
#include "quant/calibration.h"

namespace kite {

struct QuantizeOptions {
  CalibrationMethod method = CalibrationMethod::kMinMax;
  double percentile = 99.99;         // for CalibrationMethod::kPercentile, in [50, 100]
  std::vector<std::string> exclude;  // node names (of the model given) left in fp32
  int threads = 0;                   // for the calibration runs; 0: one per core
  // 8: weights in [-127, 127]. 7: in [-63, 63], half the resolution, but a u8 x s8 pair product
  // sum then fits an int16 (255 * 63 * 2 < 2^15), which AVX2's vpmaddubsw sums twice as fast
  // (ONNX Runtime's reduce_range on CPUs without VNNI).
  int weight_bits = 8;
  // Called after each calibration run: (runs done, runs in all).
  std::function<void(int64_t, int64_t)> progress;
};

// The quantized model of `fp32`, calibrated on `samples` (each a complete set of the model's
// inputs). Throws kite::Error when there are no samples, an excluded name is not a node, or the
// model has nothing to quantize.
Model quantize_model(const Model& fp32, const std::vector<NamedTensors>& samples, const QuantizeOptions& options);

// The nodes whose weights quantize_model makes int8 (convolutions, fully connected Gemms), in graph order: the
// candidates for --exclude and for mixed precision.
std::vector<std::string> quantizable_nodes(const Model& fp32);

}  // namespace kite
