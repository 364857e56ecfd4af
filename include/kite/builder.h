// kite::GraphBuilder: builds a network in code, layer by layer, the way the model zoo does.
//
//   kite::GraphBuilder b(/*seed=*/7, kite::Calibration::kOn);
//   kite::Var x = b.input("input", {1, 3, 224, 224});
//   x = b.relu(b.batch_norm(b.conv(x, kite::ConvSpec::square(32, 3, /*stride=*/2))));
//   ...
//   b.output(b.linear(b.flatten(b.global_avg_pool(x)), 1000), "logits");
//   kite::Model model = b.build();
//
// Weights are deterministic functions of the seed (He-normal convolutions), the same on every
// platform. With calibration on, the builder runs the network on a fixed random input as it is
// built, and each BatchNormalization gets the mean and variance of what actually reaches it, so
// activations stay near unit variance through any depth: benchmarks and quantization then see
// realistic values, never denormals or overflow. That costs one inference while building; a
// builder without calibration (for counting parameters and MACs) costs nothing.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "kite/model.h"

namespace kite {

// A value in the graph being built.
struct Var {
  int id = -1;
};

enum class Calibration { kOff, kOn };

struct ConvSpec {
  int64_t out_channels = 0;
  int64_t kernel_h = 1, kernel_w = 1;
  int64_t stride = 1;
  int64_t pad_h = 0, pad_w = 0;  // symmetric padding
  int64_t groups = 1;
  bool bias = false;

  // k x k, padded to keep the size at stride 1 ("same").
  static ConvSpec square(int64_t out_channels, int64_t k, int64_t stride = 1, int64_t groups = 1);
  // kh x kw at stride 1, padded to keep the size (Inception's 1x7 / 7x1 factorizations).
  static ConvSpec rect(int64_t out_channels, int64_t kh, int64_t kw);
  ConvSpec& with_bias() { bias = true; return *this; }
  ConvSpec& no_padding() { pad_h = pad_w = 0; return *this; }
};

class GraphBuilder {
 public:
  GraphBuilder(uint64_t seed, Calibration calibration);
  ~GraphBuilder();
  GraphBuilder(const GraphBuilder&) = delete;
  GraphBuilder& operator=(const GraphBuilder&) = delete;

  Var input(const std::string& name, Shape shape);
  void output(Var v, const std::string& name);
  const Shape& shape(Var v) const;
  int64_t channels(Var v) const { return shape(v).at(1); }

  // Node names are "<scope>/<layer>"; a Scope names the layers made while it lives.
  class Scope {
   public:
    Scope(GraphBuilder& b, const std::string& name);
    ~Scope();
   private:
    GraphBuilder& b_;
  };

  // Learned layers.
  Var conv(Var x, const ConvSpec& spec);
  Var batch_norm(Var x);
  Var linear(Var x, int64_t out_features);  // Gemm with transposed weight and bias

  // Activations.
  Var relu(Var x);
  Var relu6(Var x);  // Clip(0, 6)
  Var sigmoid(Var x);
  Var hard_swish(Var x);

  // Pooling.
  Var max_pool(Var x, int64_t kernel, int64_t stride, int64_t pad = 0, bool ceil_mode = false);
  Var avg_pool(Var x, int64_t kernel, int64_t stride, int64_t pad = 0, bool count_include_pad = false);
  Var global_avg_pool(Var x);
  Var lrn(Var x, int64_t size, float alpha, float beta, float bias);

  // Structure.
  Var add(Var a, Var b);
  Var concat(const std::vector<Var>& parts);  // along channels
  std::vector<Var> split(Var x, const std::vector<int64_t>& channel_sizes);
  Var channel_shuffle(Var x, int64_t groups);  // Reshape, Transpose, Reshape
  Var flatten(Var x);
  // Every stride-th row and column (ResNet option A's shortcut subsampling).
  Var subsample(Var x, int64_t stride);
  // Appends `extra` zero channels (ResNet option A's zero-padding shortcut).
  Var pad_channels(Var x, int64_t extra);

  Model build();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace kite
