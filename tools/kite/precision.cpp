// --precision: fp32 as loaded, fp16 as a --fp16 .kite file would give it; int8 in precision_int8.cpp.
#include "precision.h"

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <optional>
#include <vector>

#include "format/kite_file.h"
#include "graph/graph.h"
#include "kernels/f16_gemm.h"
#include "kernels/half_convert.h"
#include "usage_error.h"

namespace kite::cli {
namespace {

// `weights` rounded to fp16 and back, or nothing when every value already survives the round trip
// (as after loading a --fp16 file): then the model's own storage is kept, not copied.
std::optional<Tensor> rounded_to_fp16(const Tensor& weights) {
  constexpr int64_t kChunk = 4096;
  std::vector<uint16_t> half(kChunk);
  std::vector<float> back(kChunk);
  const float* src = weights.data<float>();
  const int64_t n = weights.numel();
  bool exact = true;
  for (int64_t i = 0; i < n && exact; i += kChunk) {
    int64_t count = std::min(kChunk, n - i);
    f32_to_f16(src + i, half.data(), count);
    f16_to_f32(half.data(), back.data(), count);
    exact = std::memcmp(src + i, back.data(), static_cast<size_t>(count) * sizeof(float)) == 0;
  }
  if (exact) return std::nullopt;
  Tensor rounded = Tensor::uninitialized(DType::f32, weights.shape());
  float* dst = rounded.data<float>();
  for (int64_t i = 0; i < n; i += kChunk) {
    int64_t count = std::min(kChunk, n - i);
    f32_to_f16(src + i, half.data(), count);
    f16_to_f32(half.data(), dst + i, count);
  }
  return rounded;
}

Model round_weights_to_fp16(const Model& model) {
  Graph graph = model.graph();  // values share their tensors' storage until replaced
  bool changed = false;
  for (Value& v : graph.values)
    if (v.constant && kite_stores_as_fp16(*v.constant))
      if (std::optional<Tensor> rounded = rounded_to_fp16(*v.constant)) {
        v.constant = std::move(*rounded);
        changed = true;
      }
  return changed ? Model::from_graph(std::move(graph)) : model;
}

}  // namespace

std::string check_precision(const std::string& precision) {
  if (precision == "fp32" || precision == "fp16" || precision == "int8") return "";
  return "must be fp32, fp16 or int8, got '" + precision + "'";
}

Model apply_precision(const Model& model, const std::string& precision) {
  if (precision == "fp32") return model;
  if (precision == "fp16") return round_weights_to_fp16(model);
  if (precision == "int8") return quantize_for_precision(model);
  throw UsageError("--precision " + check_precision(precision));
}

void apply_precision(const std::string& precision, SessionOptions& options) {
  options.fp16_arithmetic = precision == "fp16";
}

void note_precision(const std::string& precision) {
  if (precision == "fp16" && !f16_gemm_available())
    std::fprintf(stderr,
                 "kite: --precision fp16: this CPU has no fp16 arithmetic (ARMv8.2 FP16), so the fp16 weights "
                 "are multiplied in fp32\n");
}

}  // namespace kite::cli
