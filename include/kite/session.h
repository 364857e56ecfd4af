// kite::Session: runs a Model. Create one per thread that runs inferences. (The reference
// executor allocates each intermediate tensor when its node runs and frees it after its last
// reader; it keeps no buffers between runs.)
#pragma once
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "kite/model.h"

namespace kite {

using NamedTensors = std::vector<std::pair<std::string, Tensor>>;

struct SessionOptions {
  // false runs the graph as loaded with every node's naive reference kernel: slow, and the
  // truth the optimized path (fusions, fast kernels) is tested against.
  bool optimize = true;
  // Worker threads; 0 means one per core. (The reference executor runs on the calling thread.)
  int threads = 0;
};

class Session {
 public:
  explicit Session(const Model& model, SessionOptions options = {});
  ~Session();
  Session(Session&&) noexcept;
  Session& operator=(Session&&) noexcept;

  // Runs the model. Every model input must be given exactly once, by name, with the model's
  // dtype and shape; anything else throws kite::Error naming the input. Returns the model's
  // outputs in the order of Model::outputs().
  NamedTensors run(const NamedTensors& inputs);

  // What runs, node by node, after the inference rewrites: the node's name, its operator and the
  // kernel chosen for it ("reference" where no optimized kernel applies).
  struct PlannedNode {
    std::string name, op, kernel;
  };
  std::vector<PlannedNode> plan() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace kite
