// Data-movement and shape operators against hand-computed values, including the int64 shape
// arithmetic exporters emit and each operator's opset variants.
#include <gtest/gtest.h>

#include <limits>

#include "op_test_util.h"
#include "ops/op_util.h"

namespace kite {
namespace {

using test::expect_floats;
using test::expect_ints;
using test::f32;
using test::iota;
using test::ints;
using test::make_case;
using test::max_abs_diff;
using test::OpCase;
using test::run_op;
using test::s32;
using test::s64;

constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
constexpr int64_t kMin = std::numeric_limits<int64_t>::min();

// --- Concat ---

TEST(OpConcat, AlongLastAxis) {
  OpCase c = make_case("Concat", {f32({2, 1}, {1, 2}), f32({2, 2}, {3, 4, 5, 6})});
  c.attrs.set_int("axis", 1);
  expect_floats(run_op(c)[0], {2, 3}, {1, 3, 4, 2, 5, 6});
  c.attrs.set_int("axis", -1);
  expect_floats(run_op(c)[0], {2, 3}, {1, 3, 4, 2, 5, 6});
}

TEST(OpConcat, AlongFirstAxis) {
  OpCase c = make_case("Concat", {f32({1, 2}, {1, 2}), f32({2, 2}, {3, 4, 5, 6})});
  c.attrs.set_int("axis", 0);
  expect_floats(run_op(c)[0], {3, 2}, {1, 2, 3, 4, 5, 6});
}

TEST(OpConcat, Int64ShapesWithEmptyPart) {
  OpCase c = make_case("Concat", {ints({1}), ints({}), ints({2, 3})});
  c.attrs.set_int("axis", 0);
  expect_ints(run_op(c)[0], {3}, {1, 2, 3});
}

TEST(OpConcat, RejectsBadInputs) {
  OpCase mismatch = make_case("Concat", {f32({2, 1}, {1, 2}), f32({3, 2}, std::vector<float>(6))});
  mismatch.attrs.set_int("axis", 1);
  EXPECT_THROW(run_op(mismatch), Error);
  OpCase dtypes = make_case("Concat", {f32({1}, {1}), ints({1})});
  dtypes.attrs.set_int("axis", 0);
  EXPECT_THROW(run_op(dtypes), Error);
  OpCase scalars = make_case("Concat", {f32({}, {1}), f32({}, {2})});
  scalars.attrs.set_int("axis", 0);
  EXPECT_THROW(run_op(scalars), Error);
  OpCase bad_axis = make_case("Concat", {f32({1}, {1})});
  bad_axis.attrs.set_int("axis", 1);
  EXPECT_THROW(run_op(bad_axis), Error);
  EXPECT_THROW(run_op(make_case("Concat", {f32({1}, {1})})), Error);  // no axis
}

// --- Split ---

TEST(OpSplit, EquallyIntoOutputs) {
  OpCase c = make_case("Split", {f32({6}, {1, 2, 3, 4, 5, 6})});
  c.num_outputs = 3;
  std::vector<Tensor> out = run_op(c);
  expect_floats(out[0], {2}, {1, 2});
  expect_floats(out[1], {2}, {3, 4});
  expect_floats(out[2], {2}, {5, 6});
}

TEST(OpSplit, Opset11SizesAttribute) {
  OpCase c = make_case("Split", {f32({2, 3}, {1, 2, 3, 4, 5, 6})}, 11);
  c.attrs.set_int("axis", 1);
  c.attrs.set_ints("split", {1, 2});
  c.num_outputs = 2;
  std::vector<Tensor> out = run_op(c);
  expect_floats(out[0], {2, 1}, {1, 4});
  expect_floats(out[1], {2, 2}, {2, 3, 5, 6});
}

TEST(OpSplit, Opset13SizesInput) {
  OpCase c = make_case("Split", {f32({2, 3}, {1, 2, 3, 4, 5, 6}), ints({1, 2})}, 13);
  c.attrs.set_int("axis", -1);
  c.num_outputs = 2;
  std::vector<Tensor> out = run_op(c);
  expect_floats(out[0], {2, 1}, {1, 4});
  expect_floats(out[1], {2, 2}, {2, 3, 5, 6});
}

TEST(OpSplit, ZeroSizedPart) {
  OpCase c = make_case("Split", {ints({7, 8, 9}), ints({0, 3})}, 13);
  c.num_outputs = 2;
  std::vector<Tensor> out = run_op(c);
  expect_ints(out[0], {0}, {});
  expect_ints(out[1], {3}, {7, 8, 9});
}

TEST(OpSplit, NegativeAxisEqualSplit) {
  OpCase c = make_case("Split", {iota({2, 4})}, 13);
  c.attrs.set_int("axis", -1);
  c.num_outputs = 2;
  std::vector<Tensor> out = run_op(c);
  expect_floats(out[0], {2, 2}, {0, 1, 4, 5});
  expect_floats(out[1], {2, 2}, {2, 3, 6, 7});
}

TEST(OpSplit, Opset18NumOutputsMakesLastChunkSmaller) {
  OpCase c = make_case("Split", {f32({5}, {1, 2, 3, 4, 5})}, 18);
  c.attrs.set_int("num_outputs", 3);
  c.num_outputs = 3;
  std::vector<Tensor> out = run_op(c);
  expect_floats(out[0], {2}, {1, 2});
  expect_floats(out[1], {2}, {3, 4});
  expect_floats(out[2], {1}, {5});
}

TEST(OpSplit, RejectsBadSizes) {
  OpCase uneven = make_case("Split", {f32({5}, {1, 2, 3, 4, 5})}, 13);
  uneven.num_outputs = 2;
  EXPECT_THROW(run_op(uneven), Error);
  OpCase bad_sum = make_case("Split", {f32({5}, {1, 2, 3, 4, 5}), ints({2, 2})}, 13);
  bad_sum.num_outputs = 2;
  EXPECT_THROW(run_op(bad_sum), Error);
  OpCase bad_count = make_case("Split", {f32({5}, {1, 2, 3, 4, 5}), ints({1, 1, 3})}, 13);
  bad_count.num_outputs = 2;
  EXPECT_THROW(run_op(bad_count), Error);
  OpCase negative = make_case("Split", {f32({5}, {1, 2, 3, 4, 5}), ints({-1, 6})}, 13);
  negative.num_outputs = 2;
  EXPECT_THROW(run_op(negative), Error);
  OpCase not_constant = make_case("Split", {f32({5}, {1, 2, 3, 4, 5}), ints({2, 3})}, 13);
  not_constant.num_outputs = 2;
  not_constant.constant = {true, false};
  EXPECT_THROW(run_op(not_constant), Error);
}

// --- Slice ---

TEST(OpSlice, Opset13StartsEndsAxes) {
  Tensor y = run_op(make_case("Slice", {iota({3, 4}), ints({1}), ints({3}), ints({1})}, 13))[0];
  expect_floats(y, {3, 2}, {1, 2, 5, 6, 9, 10});
}

TEST(OpSlice, Opset9Attributes) {
  OpCase c = make_case("Slice", {iota({3, 4})}, 9);
  c.attrs.set_ints("starts", {0, 1});
  c.attrs.set_ints("ends", {2, 1000});
  expect_floats(run_op(c)[0], {2, 3}, {1, 2, 3, 5, 6, 7});
}

TEST(OpSlice, ReverseWithInt64MinEnd) {
  Tensor y = run_op(make_case("Slice", {iota({3, 4}), ints({-1}), ints({kMin}), ints({1}), ints({-1})}, 13))[0];
  expect_floats(y, {3, 4}, {3, 2, 1, 0, 7, 6, 5, 4, 11, 10, 9, 8});
}

TEST(OpSlice, PositiveStepToInt64Max) {
  Tensor y = run_op(make_case("Slice", {iota({3, 4}), ints({0}), ints({kMax}), ints({0}), ints({2})}, 13))[0];
  expect_floats(y, {2, 4}, {0, 1, 2, 3, 8, 9, 10, 11});
}

TEST(OpSlice, NegativeStepOfTwo) {
  Tensor y = run_op(make_case("Slice", {iota({3, 4}), ints({3}), ints({0}), ints({1}), ints({-2})}, 13))[0];
  expect_floats(y, {3, 2}, {3, 1, 7, 5, 11, 9});
}

TEST(OpSlice, NegativeAxisAndStart) {
  Tensor y = run_op(make_case("Slice", {iota({3, 4}), ints({-2}), ints({kMax}), ints({-1})}, 13))[0];
  expect_floats(y, {3, 2}, {2, 3, 6, 7, 10, 11});
}

TEST(OpSlice, StartPastTheEndIsEmpty) {
  Tensor y = run_op(make_case("Slice", {iota({3, 4}), ints({10}), ints({20}), ints({0})}, 13))[0];
  EXPECT_EQ(y.shape(), (Shape{0, 4}));
}

TEST(OpSlice, ReverseOfEmptyAxisIsEmpty) {
  Tensor y = run_op(make_case("Slice", {f32({0}, {}), ints({-1}), ints({kMin}), ints({0}), ints({-1})}, 13))[0];
  EXPECT_EQ(y.shape(), (Shape{0}));
}

TEST(OpSlice, Int64ShapeTail) {
  Tensor y = run_op(make_case("Slice", {ints({1, 3, 224, 224}), ints({2}), ints({4})}, 13))[0];
  expect_ints(y, {2}, {224, 224});
}

TEST(OpSlice, RejectsBadArguments) {
  EXPECT_THROW(run_op(make_case("Slice", {iota({3, 4}), ints({0}), ints({2}), ints({0}), ints({0})}, 13)), Error);
  EXPECT_THROW(run_op(make_case("Slice", {iota({3, 4}), ints({0, 0}), ints({2})}, 13)), Error);
  EXPECT_THROW(run_op(make_case("Slice", {iota({3, 4}), ints({0, 0}), ints({2, 2}), ints({1, -1})}, 13)), Error);
  EXPECT_THROW(run_op(make_case("Slice", {iota({3, 4}), ints({0}), ints({2}), ints({2})}, 13)), Error);
  EXPECT_THROW(run_op(make_case("Slice", {iota({3, 4}), ints({0})}, 13)), Error);  // no ends
  OpCase not_constant = make_case("Slice", {iota({3, 4}), ints({0}), ints({2})}, 13);
  not_constant.constant = {true, false, true};
  EXPECT_THROW(run_op(not_constant), Error);
}

// --- Flatten ---

Tensor run_flatten(const Tensor& x, std::optional<int64_t> axis) {
  OpCase c = make_case("Flatten", {x});
  if (axis) c.attrs.set_int("axis", *axis);
  return run_op(c)[0];
}

TEST(OpFlatten, Axes) {
  Tensor x = iota({2, 3, 4});
  std::vector<float> data(x.data<float>(), x.data<float>() + 24);
  expect_floats(run_flatten(x, std::nullopt), {2, 12}, data);
  expect_floats(run_flatten(x, 0), {1, 24}, data);
  expect_floats(run_flatten(x, 3), {24, 1}, data);
  expect_floats(run_flatten(x, -1), {6, 4}, data);
  EXPECT_THROW(run_flatten(x, 4), Error);
  EXPECT_THROW(run_flatten(x, -4), Error);
}

// --- Reshape ---

Tensor run_reshape(const Tensor& x, const std::vector<int64_t>& shape, bool allow_zero = false) {
  OpCase c = make_case("Reshape", {x, ints(shape)});
  if (allow_zero) c.attrs.set_int("allowzero", 1);
  return run_op(c)[0];
}

TEST(OpReshape, ZeroCopiesAndMinusOneInfers) {
  Tensor x = iota({2, 3, 4});
  std::vector<float> data(x.data<float>(), x.data<float>() + 24);
  expect_floats(run_reshape(x, {0, -1}), {2, 12}, data);
  expect_floats(run_reshape(x, {-1}), {24}, data);
  expect_floats(run_reshape(x, {4, 0, 2}), {4, 3, 2}, data);
}

TEST(OpReshape, AllowZeroMeansZero) {
  EXPECT_EQ(run_reshape(f32({0, 3}, {}), {3, 0}, true).shape(), (Shape{3, 0}));
  // Without allowzero the 0 would copy dimension 1 (3), giving 9 elements for 0.
  EXPECT_THROW(run_reshape(f32({0, 3}, {}), {3, 0}), Error);
}

TEST(OpReshape, Int64Data) { expect_ints(run_reshape(ints({1, 2, 3, 4}), {2, 2}), {2, 2}, {1, 2, 3, 4}); }

TEST(OpReshape, Opset4ShapeAttribute) {
  OpCase c = make_case("Reshape", {iota({2, 3})}, 4);
  c.attrs.set_ints("shape", {3, -1});
  expect_floats(run_op(c)[0], {3, 2}, {0, 1, 2, 3, 4, 5});
}

TEST(OpReshape, RejectsBadShapes) {
  Tensor x = iota({2, 3, 4});
  EXPECT_THROW(run_reshape(x, {-1, -1}), Error);
  EXPECT_THROW(run_reshape(x, {5, -1}), Error);
  EXPECT_THROW(run_reshape(x, {7}), Error);
  EXPECT_THROW(run_reshape(x, {-2, -12}), Error);
  EXPECT_THROW(run_reshape(x, {1, 1, 1, 0}), Error);  // 0 past the input's rank
  EXPECT_THROW(run_reshape(f32({0, 3}, {}), {0, -1}, true), Error);
  OpCase not_constant = make_case("Reshape", {x, ints({24})});
  not_constant.constant = {true, false};
  EXPECT_THROW(run_op(not_constant), Error);
}

// --- Transpose ---

TEST(OpTranspose, DefaultReversesAxes) {
  expect_floats(run_op(make_case("Transpose", {iota({2, 3})}))[0], {3, 2}, {0, 3, 1, 4, 2, 5});
}

TEST(OpTranspose, Perm) {
  OpCase c = make_case("Transpose", {iota({1, 2, 3})});
  c.attrs.set_ints("perm", {2, 0, 1});
  expect_floats(run_op(c)[0], {3, 1, 2}, {0, 3, 1, 4, 2, 5});
}

TEST(OpTranspose, Int64) {
  expect_ints(run_op(make_case("Transpose", {s64({2, 2}, {1, 2, 3, 4})}))[0], {2, 2}, {1, 3, 2, 4});
}

TEST(OpTranspose, RejectsBadPerm) {
  const std::vector<std::vector<int64_t>> bad_perms = {{0, 0}, {0, 2}, {0}, {-1, 0}};
  for (const std::vector<int64_t>& perm : bad_perms) {
    OpCase c = make_case("Transpose", {iota({2, 3})});
    c.attrs.set_ints("perm", perm);
    EXPECT_THROW(run_op(c), Error);
  }
}

// --- Squeeze and Unsqueeze ---

TEST(OpSqueeze, Opset11AxesAttribute) {
  OpCase c = make_case("Squeeze", {iota({1, 3, 1, 2})}, 11);
  c.attrs.set_ints("axes", {0});
  expect_floats(run_op(c)[0], {3, 1, 2}, {0, 1, 2, 3, 4, 5});
}

TEST(OpSqueeze, Opset13AxesInput) {
  expect_floats(run_op(make_case("Squeeze", {iota({1, 3, 1, 2}), ints({-2})}, 13))[0], {1, 3, 2}, {0, 1, 2, 3, 4, 5});
}

TEST(OpSqueeze, WithoutAxesRemovesAllOnes) {
  expect_floats(run_op(make_case("Squeeze", {iota({1, 3, 1, 2})}, 13))[0], {3, 2}, {0, 1, 2, 3, 4, 5});
}

TEST(OpSqueeze, RejectsBadAxes) {
  EXPECT_THROW(run_op(make_case("Squeeze", {iota({1, 3}), ints({1})}, 13)), Error);
  EXPECT_THROW(run_op(make_case("Squeeze", {iota({1, 3}), ints({2})}, 13)), Error);
  EXPECT_THROW(run_op(make_case("Squeeze", {f32({}, {1}), ints({0})}, 13)), Error);
}

TEST(OpUnsqueeze, Opset11AxesAttribute) {
  OpCase c = make_case("Unsqueeze", {iota({3, 2})}, 11);
  c.attrs.set_ints("axes", {0});
  expect_floats(run_op(c)[0], {1, 3, 2}, {0, 1, 2, 3, 4, 5});
}

TEST(OpUnsqueeze, Opset13AxesIndexTheOutput) {
  expect_floats(run_op(make_case("Unsqueeze", {iota({3, 2}), ints({1, -1})}, 13))[0], {3, 1, 2, 1}, {0, 1, 2, 3, 4, 5});
  expect_floats(run_op(make_case("Unsqueeze", {iota({3}), ints({2, 0})}, 13))[0], {1, 3, 1}, {0, 1, 2});
}

TEST(OpUnsqueeze, ScalarToVector) {
  expect_ints(run_op(make_case("Unsqueeze", {s64({}, {7}), ints({0})}, 13))[0], {1}, {7});
}

TEST(OpUnsqueeze, RejectsBadAxes) {
  EXPECT_THROW(run_op(make_case("Unsqueeze", {iota({3})}, 13)), Error);
  EXPECT_THROW(run_op(make_case("Unsqueeze", {iota({3}), ints({0, 0})}, 13)), Error);
  EXPECT_THROW(run_op(make_case("Unsqueeze", {iota({3}), ints({2})}, 13)), Error);
}

// --- Shape ---

Tensor run_shape(const Shape& shape, std::optional<int64_t> start, std::optional<int64_t> end) {
  OpCase c = make_case("Shape", {Tensor(DType::f32, shape)}, 15);
  if (start) c.attrs.set_int("start", *start);
  if (end) c.attrs.set_int("end", *end);
  return run_op(c)[0];
}

TEST(OpShape, WholeShape) { expect_ints(run_shape({2, 3, 4}, std::nullopt, std::nullopt), {3}, {2, 3, 4}); }

TEST(OpShape, Opset15StartAndEnd) {
  expect_ints(run_shape({2, 3, 4}, 1, std::nullopt), {2}, {3, 4});
  expect_ints(run_shape({2, 3, 4}, std::nullopt, -1), {2}, {2, 3});
  expect_ints(run_shape({2, 3, 4}, -2, 100), {2}, {3, 4});
  expect_ints(run_shape({2, 3, 4}, 2, 1), {0}, {});
}

TEST(OpShape, Scalar) { expect_ints(run_shape({}, std::nullopt, std::nullopt), {0}, {}); }

// --- Gather ---

Tensor run_gather(const Tensor& data, const Tensor& indices, int64_t axis, bool indices_constant = true) {
  OpCase c = make_case("Gather", {data, indices});
  c.attrs.set_int("axis", axis);
  c.constant = {true, indices_constant};
  return run_op(c)[0];
}

TEST(OpGather, RowsByInt64Indices) {
  expect_floats(run_gather(f32({3, 2}, {1, 2, 3, 4, 5, 6}), ints({2, 0}), 0), {2, 2}, {5, 6, 1, 2});
}

TEST(OpGather, NegativeInt32IndicesAlongAxis1) {
  Tensor y = run_gather(f32({3, 2}, {1, 2, 3, 4, 5, 6}), s32({2, 1}, {-1, 0}), -1);
  expect_floats(y, {3, 2, 1}, {2, 1, 4, 3, 6, 5});
}

TEST(OpGather, ScalarIndexDropsTheAxis) {
  expect_floats(run_gather(f32({3, 2}, {1, 2, 3, 4, 5, 6}), s64({}, {1}), 0), {2}, {3, 4});
  expect_ints(run_gather(ints({1, 3, 224, 224}), s64({}, {1}), 0, false), {}, {3});
}

TEST(OpGather, RejectsOutOfRangeIndices) {
  Tensor data = f32({3, 2}, {1, 2, 3, 4, 5, 6});
  EXPECT_THROW(run_gather(data, ints({3}), 0), Error);
  EXPECT_THROW(run_gather(data, ints({-4}), 0), Error);
  EXPECT_THROW(run_gather(data, ints({0, 5}), 0, false), Error);  // caught by the kernel
  EXPECT_THROW(run_gather(data, ints({0}), 2), Error);
  EXPECT_THROW(run_gather(data, f32({1}, {0}), 0), Error);
  EXPECT_THROW(run_gather(f32({}, {1}), ints({0}), 0), Error);
}

// --- ConstantOfShape ---

Attributes value_attribute(const Tensor& value) {
  Attribute a;
  a.kind = Attribute::Kind::kTensor;
  a.tensor = value;
  Attributes attrs;
  attrs.set("value", a);
  return attrs;
}

TEST(OpConstantOfShape, DefaultsToFloatZero) {
  expect_floats(run_op(make_case("ConstantOfShape", {ints({2, 3})}))[0], {2, 3}, std::vector<float>(6, 0.f));
}

TEST(OpConstantOfShape, Int64Value) {
  OpCase c = make_case("ConstantOfShape", {ints({2})});
  c.attrs = value_attribute(s64({1}, {7}));
  expect_ints(run_op(c)[0], {2}, {7, 7});
}

TEST(OpConstantOfShape, EmptyShapeGivesScalar) {
  OpCase c = make_case("ConstantOfShape", {ints({})});
  c.attrs = value_attribute(f32({1}, {2.5f}));
  expect_floats(run_op(c)[0], {}, {2.5f});
}

TEST(OpConstantOfShape, RejectsBadArguments) {
  OpCase two_values = make_case("ConstantOfShape", {ints({2})});
  two_values.attrs = value_attribute(f32({2}, {1, 2}));
  EXPECT_THROW(run_op(two_values), Error);
  EXPECT_THROW(run_op(make_case("ConstantOfShape", {ints({2, -1})})), Error);
  OpCase not_constant = make_case("ConstantOfShape", {ints({2})});
  not_constant.constant = {false};
  EXPECT_THROW(run_op(not_constant), Error);
}

// --- Pad ---

TEST(OpPad, Opset11ConstantValue) {
  // pads = [row begin, column begin, row end, column end]
  Tensor y = run_op(make_case("Pad", {f32({2, 2}, {1, 2, 3, 4}), ints({1, 0, 0, 1}), f32({}, {9})}, 11))[0];
  expect_floats(y, {3, 3}, {9, 9, 9, 1, 2, 9, 3, 4, 9});
}

TEST(OpPad, Opset11DefaultsToZero) {
  Tensor y = run_op(make_case("Pad", {f32({2, 2}, {1, 2, 3, 4}), ints({1, 0, 0, 1})}, 11))[0];
  expect_floats(y, {3, 3}, {0, 0, 0, 1, 2, 0, 3, 4, 0});
}

TEST(OpPad, Opset2Attributes) {
  OpCase c = make_case("Pad", {f32({2, 2}, {1, 2, 3, 4})}, 2);
  c.attrs.set_ints("pads", {0, 1, 0, 1});
  c.attrs.set_float("value", 5.f);
  expect_floats(run_op(c)[0], {2, 4}, {5, 1, 2, 5, 5, 3, 4, 5});
}

Tensor run_pad_mode(const Tensor& x, const std::vector<int64_t>& pads, const std::string& mode) {
  OpCase c = make_case("Pad", {x, ints(pads)}, 13);
  c.attrs.set_string("mode", mode);
  return run_op(c)[0];
}

TEST(OpPad, Reflect) {
  expect_floats(run_pad_mode(f32({3}, {1, 2, 3}), {2, 2}, "reflect"), {7}, {3, 2, 1, 2, 3, 2, 1});
  // Pads wider than the axis keep reflecting, as NumPy does.
  expect_floats(run_pad_mode(f32({2}, {1, 2}), {3, 0}, "reflect"), {5}, {2, 1, 2, 1, 2});
  expect_floats(run_pad_mode(f32({1}, {4}), {1, 1}, "reflect"), {3}, {4, 4, 4});
}

TEST(OpPad, Edge) {
  expect_floats(run_pad_mode(f32({2, 2}, {1, 2, 3, 4}), {0, 1, 1, 0}, "edge"), {3, 3}, {1, 1, 2, 3, 3, 4, 3, 3, 4});
}

TEST(OpPad, NegativePadsCrop) { expect_floats(run_pad_mode(f32({4}, {1, 2, 3, 4}), {-1, -2}, "constant"), {1}, {2}); }

TEST(OpPad, Opset18Axes) {
  Tensor y = run_op(make_case("Pad", {f32({2, 2}, {1, 2, 3, 4}), ints({1, 1}), Tensor(), ints({-1})}, 18))[0];
  expect_floats(y, {2, 4}, {0, 1, 2, 0, 0, 3, 4, 0});
}

TEST(OpPad, Int64DataAndValue) {
  Tensor y = run_op(make_case("Pad", {ints({5, 6}), ints({1, 1}), s64({}, {-1})}, 13))[0];
  expect_ints(y, {4}, {-1, 5, 6, -1});
}

TEST(OpPad, RejectsBadArguments) {
  Tensor x = f32({4}, {1, 2, 3, 4});
  EXPECT_THROW(run_pad_mode(x, {1, 1, 1, 1}, "constant"), Error);
  EXPECT_THROW(run_pad_mode(x, {1, 1}, "wrap"), Error);
  EXPECT_THROW(run_pad_mode(x, {-3, -2}, "constant"), Error);
  EXPECT_THROW(run_pad_mode(x, {kMax, kMax}, "constant"), Error);
  EXPECT_THROW(run_pad_mode(f32({0}, {}), {1, 0}, "reflect"), Error);
  EXPECT_THROW(run_pad_mode(f32({0}, {}), {0, 1}, "edge"), Error);
  EXPECT_THROW(run_op(make_case("Pad", {x, ints({1, 1}), ints({0})}, 13)), Error);  // value's dtype
}

// --- Expand ---

TEST(OpExpand, BroadcastsToLargerShape) {
  Tensor y = run_op(make_case("Expand", {f32({3, 1}, {1, 2, 3}), ints({2, 1, 4})}))[0];
  expect_floats(y, {2, 3, 4}, {1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3});
}

TEST(OpExpand, IsBidirectional) {
  // A 1 in the shape keeps the input's dimension; the input's 1 takes the shape's.
  expect_floats(run_op(make_case("Expand", {f32({2, 1}, {1, 2}), ints({1, 3})}))[0], {2, 3}, {1, 1, 1, 2, 2, 2});
  expect_ints(run_op(make_case("Expand", {ints({4, 5}), ints({1})}))[0], {2}, {4, 5});
}

TEST(OpExpand, RejectsBadShapes) {
  EXPECT_THROW(run_op(make_case("Expand", {f32({3}, {1, 2, 3}), ints({4})})), Error);
  EXPECT_THROW(run_op(make_case("Expand", {f32({1}, {1}), ints({-2})})), Error);
}

}  // namespace
}  // namespace kite
