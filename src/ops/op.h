// The contract every operator fulfils: check its node and infer its outputs' types and shapes,
// and compute them with a naive reference kernel. The reference kernel is written for clarity,
// never optimized: it is the truth every fast kernel is tested against.
#pragma once
#include <string>
#include <vector>

#include "graph/graph.h"

namespace kite {

// Thrown by shape inference when an output's shape depends on the contents of an input that is
// only known at run time (a Reshape whose target shape is a graph input, say). Such nodes, and
// the nodes after them, are shape-inferred when they run instead of when the model loads.
class ValueNeededAtRunTime : public Error {
 public:
  using Error::Error;
};

struct ValueType {
  DType dtype = DType::f32;
  Shape shape;
};

// Checks the node's attributes and input types and returns the type of each output.
// `inputs[i]` is nullptr for an omitted optional input; a Value with `constant` set lets shape
// inference read shape-defining inputs (Reshape's shape, Slice's starts, ...).
// Throws kite::Error with a message that says what is wrong (the caller adds the node's name).
using InferFn = std::vector<ValueType> (*)(const Node& node, const std::vector<const Value*>& inputs);

// Computes the outputs. `outputs` arrive allocated with the inferred types and zero-filled.
// `inputs[i]` is nullptr for an omitted optional input.
using ReferenceFn = void (*)(const Node& node, const std::vector<const Tensor*>& inputs,
                             std::vector<Tensor>& outputs);

struct OpDef {
  const char* name;
  int min_inputs;
  int max_inputs;
  InferFn infer;
  ReferenceFn reference;
  // kite's own operators, made by inference passes; never accepted from a model file.
  bool internal = false;
};

// The operator called `name` (an ONNX op_type), or nullptr if kite does not implement it.
const OpDef* find_op(const std::string& name);
// Every op_type a model file may use, sorted (internal operators left out).
std::vector<std::string> supported_ops();

}  // namespace kite
