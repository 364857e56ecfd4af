// Checks one node's optimized kernel against its reference kernel: the session must plan a fast
// kernel (the SIMD one of this CPU, or the portable one when forced), match the reference
// within a tolerance, and give bitwise identical results for 1, 2 and 4 threads.
#pragma once
#include <string>
#include <vector>

#include "graph/graph.h"
#include "kite/session.h"

namespace kite::test {

struct OneNode {
  std::string op;
  Attributes attrs;
  Shape input;
  std::vector<Tensor> constants;  // inputs 1.. (empty Tensor: omitted)
  bool residual = false;          // FusedConv's input 3, fed at run time
  int outputs = 1;                // Split has several
  // f32 outputs: |fast - reference| <= tolerance * (1 + max|reference|). The default covers the
  // reassociation of the GEMM and FMA's single rounding for the K (<= 600) used in these tests.
  float tolerance = 1e-5f;
  DType input_dtype = DType::f32;  // f32 (normal random values) or u8 (uniform bytes)
};

// The graph x -> node -> outputs, with spec.constants as the node's other inputs.
Model one_node_model(const OneNode& spec);

void expect_matches_reference(const OneNode& spec, const std::string& what);

Attributes conv_attrs(int64_t k, int64_t stride, std::vector<int64_t> pads, int64_t group = 1, int64_t dilation = 1);

}  // namespace kite::test
