// Small helpers shared by operator implementations.
#pragma once
#include <cstdint>
#include <vector>

#include "graph/graph.h"
#include "ops/op.h"

namespace kite {

// Maps a possibly negative axis into [0, rank); throws if out of range.
int64_t normalize_axis(int64_t axis, int64_t rank);

// NumPy-style broadcast of two shapes; throws if incompatible.
Shape broadcast_shapes(const Shape& a, const Shape& b);
// Element strides of `shape` when broadcast up to `out` (0 along broadcast dimensions).
std::vector<int64_t> broadcast_strides(const Shape& shape, const Shape& out);
// Row-major strides of a shape, in elements.
std::vector<int64_t> contiguous_strides(const Shape& shape);

// Input `i` of a node if present (non-null and index in range), else nullptr.
const Value* optional_input(const std::vector<const Value*>& inputs, size_t i);
const Tensor* optional_input(const std::vector<const Tensor*>& inputs, size_t i);

// Reads a constant integer tensor (s64 or s32) as int64 values. Throws naming `what` if the
// value is not a load-time constant: kite plans static shapes.
std::vector<int64_t> constant_ints(const Value& v, const char* what);
std::vector<int64_t> tensor_ints(const Tensor& t);
std::vector<float> tensor_floats(const Tensor& t);

// Reads element `i` of any numeric tensor as double (for dtype-generic reference kernels).
double element_as_double(const Tensor& t, int64_t i);
// Writes element `i` of any numeric tensor from double (with C++ conversion rules).
void set_element_from_double(Tensor& t, int64_t i, double v);

}  // namespace kite
