// kite::Session: runs a Model. Create one per thread that runs inferences: a session keeps one
// memory arena for the intermediate values of its runs (planned from their lifetimes at
// creation), so two runs of one session must not overlap.
#pragma once
#include <cstdint>
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
  // Time every node (a clock read before and after each); read the totals with Session::profile().
  bool profile = false;
  // Keep every value a run computes, readable with Session::traced_values(): for calibrating a
  // quantizer and for comparing two models layer by layer. Convolutions are not fused with the
  // Add and activations after them (those intermediate values stay visible) and no memory is
  // reused, so a traced session is slower and larger.
  bool trace = false;
  // Convolutions computed as GEMM (1x1 and im2col) multiply and add in fp16 where the CPU has
  // ARMv8.2 fp16 vector arithmetic: twice the lanes of fp32, and sums with 11 significant bits
  // (kernels/f16_gemm.h says how close to fp32 that is). Ignored on other CPUs; plan() names
  // the kernels that use it ("f16_gemm_6x16_neonfp16"). Depthwise, Winograd and fully connected
  // layers stay fp32.
  bool fp16_arithmetic = false;
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

  // With SessionOptions::trace: every value computed by the last run() (inputs and outputs of
  // every node, constants left out), by name, in the order the nodes ran.
  NamedTensors traced_values() const;

  // What runs, node by node, after the inference rewrites: the node's name, its operator and the
  // kernel chosen for it ("reference" where no optimized kernel applies).
  struct PlannedNode {
    std::string name, op, kernel;
  };
  std::vector<PlannedNode> plan() const;

  // With SessionOptions::profile: each node's total time over all runs so far, in plan() order.
  struct NodeTime {
    std::string name, op, kernel;
    double total_ms = 0;
    int64_t runs = 0;
  };
  std::vector<NodeTime> profile() const;

  // Bytes of the arena that holds the intermediate values (allocated once, at creation).
  int64_t arena_bytes() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace kite
