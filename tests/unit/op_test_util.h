// Shared helpers for the unit tests: tensor builders, runners for one operator's shape inference
// and reference kernel (the way the runtime would run them, so operator tests state inputs,
// attributes and expected outputs only), and checks.
#pragma once
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "graph/graph.h"
#include "ops/op.h"

namespace kite::test {

struct OpCase {
  std::string op;
  Attributes attrs;
  // An empty Tensor() marks an omitted optional input.
  std::vector<Tensor> inputs;
  // Which inputs shape inference may read as load-time constants (default: all of them).
  std::vector<bool> constant;
  int num_outputs = 1;
  int opset = 17;
};

// An OpCase with no attributes, every input constant and one output.
OpCase make_case(const std::string& op, std::vector<Tensor> inputs, int opset = 17);

// Throws kite::Error exactly as the runtime would for a bad node.
std::vector<Tensor> run_op(const OpCase& c);

// --- Tensor builders ---

Tensor f32(Shape shape, const std::vector<float>& values);
Tensor s64(Shape shape, const std::vector<int64_t>& values);
Tensor s32(Shape shape, const std::vector<int32_t>& values);
// A 1-D int64 tensor, the form of most shape-defining inputs.
Tensor ints(const std::vector<int64_t>& values);
// f32 0, 1, 2, ... in row-major order.
Tensor iota(Shape shape);
// f32, every element `value`.
Tensor filled(Shape shape, float value);
// f32, uniform in [-1, 1), the same for the same seed.
Tensor random_tensor(const Shape& shape, uint32_t seed);

// --- Index arithmetic for brute-force references ---

// Row-major flat index <-> multi-index.
std::vector<int64_t> unravel(int64_t flat, const Shape& shape);
int64_t ravel(const std::vector<int64_t>& index, const Shape& shape);
// values[d], or `fallback` when an attribute list is empty (the ONNX default).
int64_t param(const std::vector<int64_t>& values, size_t d, int64_t fallback);

// --- Checks ---

// Max |a - b| over all elements; shapes and dtypes must match (checked with gtest).
float max_abs_diff(const Tensor& a, const Tensor& b);
// `t` is f32 with exactly this shape and these values.
void expect_floats(const Tensor& t, const Shape& shape, const std::vector<float>& values);
// `t` is an integer tensor of `dtype` with this shape and these values.
void expect_ints(const Tensor& t, DType dtype, const Shape& shape, const std::vector<int64_t>& values);
// The same for s64, the dtype of shape arithmetic.
void expect_ints(const Tensor& t, const Shape& shape, const std::vector<int64_t>& values);
// Runs `c` expecting a kite::Error whose message contains `fragment`.
void expect_error(const OpCase& c, const std::string& fragment);
// The message of the kite::Error `f` throws, or "" if it throws none.
std::string error_of(const std::function<void()>& f);

// The whole file, bytes as they are ("" if it cannot be read).
std::string slurp(const std::string& path);

}  // namespace kite::test
