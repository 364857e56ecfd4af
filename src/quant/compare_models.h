// Layer-by-layer error between two models of one network (fp32 against int8, fp32 against
// fp16): both run on the same inputs with every value kept (SessionOptions::trace), and each
// tensor of the first is matched with the second's tensor of the same name, or, for a quantized
// model, with the uint8 tensor its QuantizeLinear makes of it (dequantized for the comparison).
// It is how a user finds the layer that loses the accuracy.
#pragma once
#include <string>
#include <vector>

#include "kite/model.h"
#include "kite/session.h"

namespace kite {

struct TensorError {
  std::string name;      // the tensor's name in the first model
  std::string producer;  // the name of the node of the first model that computes it
  Shape shape;
  double cosine = 1;     // cosine similarity of the two tensors, flattened
  double sqnr_db = 0;    // 10 log10(sum a^2 / sum (a - b)^2); infinity when they are equal
  double max_abs = 0;    // largest |a - b|
};

// Every matched f32 tensor of `reference`, worst first (lowest SQNR). Both models must take the
// same inputs. Throws kite::Error when no tensor matches.
std::vector<TensorError> compare_models(const Model& reference, const Model& other, const NamedTensors& inputs,
                                        int threads = 0);

}  // namespace kite
