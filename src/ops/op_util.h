// Small helpers shared by operator implementations.
#pragma once
#include <cstdint>
#include <optional>
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
// Before opset 7, ONNX broadcast a smaller operand by lining its dimensions up with dimensions
// [axis, axis + shape.size()) of a rank-`rank` tensor. Returns `shape` padded with trailing 1s, so
// that NumPy rules give that result; throws if it does not fit.
Shape align_at_axis(const Shape& shape, int64_t axis, int64_t rank);
// Row-major strides of a shape, in elements.
std::vector<int64_t> contiguous_strides(const Shape& shape);

// Input `i` of a node if present (non-null and index in range), else nullptr.
const Value* optional_input(const std::vector<const Value*>& inputs, size_t i);
const Tensor* optional_input(const std::vector<const Tensor*>& inputs, size_t i);

// Reads a constant integer tensor (s64 or s32) as int64 values; throws ValueNeededAtRunTime
// naming `what` if the value is not a load-time constant.
std::vector<int64_t> constant_ints(const Value& v, const char* what);
// The contents of an input that shape inference needs; throws ValueNeededAtRunTime if the
// value is not a load-time constant.
const Tensor& constant_tensor(const Value& v, const char* what);
std::vector<int64_t> tensor_ints(const Tensor& t);
std::vector<float> tensor_floats(const Tensor& t);

// Maps each axis of a list into [0, rank) and rejects an axis given twice. Unlike normalize_axis,
// a scalar has no axis 0: every axis returned can index the shape.
std::vector<int64_t> normalize_axes(const std::vector<int64_t>& axes, int64_t rank);
// Product of shape[begin, end): the element count of a block of dimensions.
int64_t dims_product(const Shape& shape, int64_t begin, int64_t end);
// The multi-dimensional index of element `flat` of a row-major tensor of `shape`.
std::vector<int64_t> unravel_index(int64_t flat, const Shape& shape);
// Sum of index[i] * strides[i]: the flat offset of an index under (possibly broadcast) strides.
int64_t offset_of(const std::vector<int64_t>& index, const std::vector<int64_t>& strides);
// Copies `count` consecutive elements byte-wise (dtypes must match). Data-movement kernels use it
// so that they serve every dtype: exporters run shape arithmetic on int64 tensors.
void copy_elements(const Tensor& src, int64_t src_offset, Tensor& dst, int64_t dst_offset, int64_t count = 1);

// Throws unless `got` is `wanted`, naming `what` ("input", "slope", ...).
void require_dtype(DType got, DType wanted, const char* what);

// Overloads that let one template read an operator's arguments both in shape inference (from a
// Value, whose shape-defining inputs must be load-time constants) and in the reference kernel
// (from the Tensor), so the two can never disagree.
inline const Shape& shape_of(const Value& v) { return v.shape; }
inline const Shape& shape_of(const Tensor& t) { return t.shape(); }
inline DType dtype_of(const Value& v) { return v.dtype; }
inline DType dtype_of(const Tensor& t) { return t.dtype(); }
std::vector<int64_t> input_ints(const Value& v, const char* what);
std::vector<int64_t> input_ints(const Tensor& t, const char* what);

// Integer input `i`, or nullopt when the optional input is omitted.
template <typename In>
std::optional<std::vector<int64_t>> optional_ints(const std::vector<const In*>& inputs, size_t i, const char* what) {
  const In* in = optional_input(inputs, i);
  if (!in) return std::nullopt;
  return input_ints(*in, what);
}

// Integer input `i`; throws naming `what` when it is omitted.
template <typename In>
std::vector<int64_t> required_ints(const std::vector<const In*>& inputs, size_t i, const char* what) {
  const In* in = optional_input(inputs, i);
  KITE_CHECK(in, "input ", i, " (", what, ") is missing");
  return input_ints(*in, what);
}

// Input `i`, which the operator requires; throws naming `what` when it is omitted.
template <typename In>
const In& required_input(const std::vector<const In*>& inputs, size_t i, const char* what) {
  const In* in = optional_input(inputs, i);
  KITE_CHECK(in, "input ", i, " (", what, ") is missing");
  return *in;
}

// Element `i` of a bool tensor. Read as a byte: a model file can hold any byte value there, and
// loading one that is not 0 or 1 as a C++ bool is undefined (it yielded 2 through Cast).
bool bool_at(const Tensor& t, int64_t i);
// Reads element `i` of any numeric tensor as double (for dtype-generic reference kernels).
double element_as_double(const Tensor& t, int64_t i);
// Writes element `i` of any numeric tensor from double (with C++ conversion rules).
void set_element_from_double(Tensor& t, int64_t i, double v);

}  // namespace kite
