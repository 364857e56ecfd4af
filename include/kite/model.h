// kite::Model: a loaded network, ready to be run by a kite::Session.
//
//   kite::Model model = kite::load_model("mobilenet_v2.onnx");   // kite/onnx.h: .onnx or .kite
//   kite::Session session(model);
//   kite::Tensor input(kite::DType::f32, model.inputs()[0].shape);
//   // ... fill input.data<float>() ...
//   auto outputs = session.run({{model.inputs()[0].name, input}});
//   const float* scores = outputs[0].second.data<float>();
//
// Model::load_kite reads kite's own .kite file (memory-mapped: the weights are not copied) and needs
// nothing beyond the C++ standard library; ONNX import lives in the separate kite_onnx library.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "kite/tensor.h"

namespace kite {

struct Graph;  // internal representation, see src/graph/graph.h

// Name, element type and shape of a model input or output.
struct TensorInfo {
  std::string name;
  DType dtype;
  Shape shape;
};

// One per-layer row of Model::layer_stats(): what `kite info` prints.
struct LayerStats {
  std::string name;
  std::string op;
  Shape output_shape;   // the first output's
  int64_t params = 0;   // learned scalars (weights, biases, BN scale and shift)
  int64_t macs = 0;     // multiply-accumulates of Conv, ConvTranspose, Gemm, MatMul
};

class Model {
 public:
  // Loads a .kite file. Throws kite::Error naming the problem for a missing, truncated or corrupt
  // file, or for operators kite does not implement.
  static Model load_kite(const std::string& path);
  // Wraps a graph built in memory (importers, the zoo). Validates it, infers every shape and
  // folds constant sub-graphs; throws kite::Error listing every unsupported operator at once.
  static Model from_graph(Graph graph);

  std::vector<TensorInfo> inputs() const;
  std::vector<TensorInfo> outputs() const;
  std::vector<LayerStats> layer_stats() const;

  // Writes the model as a .kite file (weights 64-byte aligned). Writes to a temporary file and
  // renames it, so a failure never leaves a partial file behind.
  void save_kite(const std::string& path) const;

  const Graph& graph() const { return *graph_; }

 private:
  std::shared_ptr<const Graph> graph_;
};

}  // namespace kite
