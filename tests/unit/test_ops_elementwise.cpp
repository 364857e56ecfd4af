// Elementwise operators (activations, arithmetic), Softmax, ReduceMean and Cast against
// hand-computed values.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "op_test_util.h"
#include "ops/op_util.h"

namespace kite {
namespace {

using test::expect_error;
using test::expect_ints;
using test::f32;
using test::make_case;
using test::max_abs_diff;
using test::OpCase;
using test::run_op;
using test::s32;
using test::s64;

// Runs a one-input f32 op on `x` and returns its output.
Tensor run_unary(const std::string& op, const Tensor& x, const Attributes& attrs = {}) {
  OpCase c = make_case(op, {x});
  c.attrs = attrs;
  return run_op(c)[0];
}

constexpr float kTol = 1e-6f;

// --- activations ---

TEST(OpRelu, ZeroesNegatives) {
  Tensor y = run_unary("Relu", f32({2, 3}, {-1.f, 0.f, 2.5f, -0.5f, 7.f, -100.f}));
  EXPECT_EQ(max_abs_diff(y, f32({2, 3}, {0.f, 0.f, 2.5f, 0.f, 7.f, 0.f})), 0.f);
}

TEST(OpRelu, RejectsIntegerInput) { EXPECT_THROW(run_unary("Relu", s64({2}, {-1, 1})), Error); }

TEST(OpLeakyRelu, DefaultAlphaIsOneHundredth) {
  Tensor y = run_unary("LeakyRelu", f32({3}, {-2.f, 0.f, 3.f}));
  EXPECT_LE(max_abs_diff(y, f32({3}, {-0.02f, 0.f, 3.f})), kTol);
}

TEST(OpLeakyRelu, UsesAlphaAttribute) {
  Attributes a;
  a.set_float("alpha", 0.1f);
  Tensor y = run_unary("LeakyRelu", f32({2}, {-5.f, 5.f}), a);
  EXPECT_LE(max_abs_diff(y, f32({2}, {-0.5f, 5.f})), kTol);
}

TEST(OpSigmoid, MatchesLogistic) {
  Tensor y = run_unary("Sigmoid", f32({4}, {0.f, 2.f, -2.f, -100.f}));
  EXPECT_LE(max_abs_diff(y, f32({4}, {0.5f, 0.880797078f, 0.119202922f, 0.f})), kTol);
}

TEST(OpTanh, MatchesTanh) {
  Tensor y = run_unary("Tanh", f32({3}, {0.f, 0.5f, -1.f}));
  EXPECT_LE(max_abs_diff(y, f32({3}, {0.f, 0.462117157f, -0.761594156f})), kTol);
}

TEST(OpHardSigmoid, DefaultsAreAlphaPoint2BetaPoint5) {
  Tensor y = run_unary("HardSigmoid", f32({4}, {-3.f, 0.f, 1.f, 3.f}));
  EXPECT_LE(max_abs_diff(y, f32({4}, {0.f, 0.5f, 0.7f, 1.f})), kTol);
}

TEST(OpHardSigmoid, UsesAttributes) {
  Attributes a;
  a.set_float("alpha", 0.5f);
  a.set_float("beta", 0.25f);
  Tensor y = run_unary("HardSigmoid", f32({3}, {1.f, -1.f, 2.f}), a);
  EXPECT_LE(max_abs_diff(y, f32({3}, {0.75f, 0.f, 1.f})), kTol);
}

TEST(OpHardSwish, MatchesFormula) {
  Tensor y = run_unary("HardSwish", f32({5}, {-4.f, -1.f, 1.f, 3.f, 4.f}));
  EXPECT_LE(max_abs_diff(y, f32({5}, {0.f, -1.f / 3.f, 2.f / 3.f, 3.f, 4.f})), kTol);
}

// --- Clip ---

const std::vector<float> kClipInput = {-2.f, -0.5f, 0.5f, 2.f};

TEST(OpClip, Opset6ReadsAttributes) {
  OpCase c = make_case("Clip", {f32({4}, kClipInput)}, 6);
  c.attrs.set_float("min", -1.f);
  c.attrs.set_float("max", 1.f);
  EXPECT_EQ(max_abs_diff(run_op(c)[0], f32({4}, {-1.f, -0.5f, 0.5f, 1.f})), 0.f);
}

TEST(OpClip, Opset6MissingMinDoesNotClipBelow) {
  OpCase c = make_case("Clip", {f32({4}, kClipInput)}, 6);
  c.attrs.set_float("max", 0.f);
  EXPECT_EQ(max_abs_diff(run_op(c)[0], f32({4}, {-2.f, -0.5f, 0.f, 0.f})), 0.f);
}

TEST(OpClip, Opset13MinInputOnly) {
  OpCase c = make_case("Clip", {f32({4}, kClipInput), f32({}, {0.f})}, 13);
  c.constant = {true, false};  // bounds need not be constants
  EXPECT_EQ(max_abs_diff(run_op(c)[0], f32({4}, {0.f, 0.f, 0.5f, 2.f})), 0.f);
}

TEST(OpClip, Opset13MaxInputOnly) {
  OpCase c = make_case("Clip", {f32({4}, kClipInput), Tensor(), f32({1}, {1.f})}, 13);
  EXPECT_EQ(max_abs_diff(run_op(c)[0], f32({4}, {-2.f, -0.5f, 0.5f, 1.f})), 0.f);
}

TEST(OpClip, Opset13WithoutBoundsIsIdentity) {
  OpCase c = make_case("Clip", {f32({4}, kClipInput)}, 13);
  EXPECT_EQ(max_abs_diff(run_op(c)[0], f32({4}, kClipInput)), 0.f);
}

TEST(OpClip, MinAboveMaxGivesMax) {
  OpCase c = make_case("Clip", {f32({4}, kClipInput), f32({}, {2.f}), f32({}, {1.f})}, 13);
  EXPECT_EQ(max_abs_diff(run_op(c)[0], f32({4}, {1.f, 1.f, 1.f, 1.f})), 0.f);
}

TEST(OpClip, RejectsNonScalarBound) {
  OpCase c = make_case("Clip", {f32({4}, kClipInput), f32({2}, {0.f, 1.f})}, 13);
  EXPECT_THROW(run_op(c), Error);
}

TEST(OpClip, RejectsBoundInputBeforeOpset11) {
  OpCase c = make_case("Clip", {f32({4}, kClipInput), f32({}, {0.f})}, 6);
  EXPECT_THROW(run_op(c), Error);
}

// --- PRelu ---

TEST(OpPRelu, SlopePerChannelBroadcastsToNCHW) {
  Tensor x = f32({1, 2, 2, 2}, {-1.f, 2.f, -3.f, 4.f, -5.f, 6.f, -7.f, 8.f});
  Tensor y = run_op(make_case("PRelu", {x, f32({2, 1, 1}, {0.1f, 0.5f})}))[0];
  EXPECT_LE(max_abs_diff(y, f32({1, 2, 2, 2}, {-0.1f, 2.f, -0.3f, 4.f, -2.5f, 6.f, -3.5f, 8.f})), kTol);
}

TEST(OpPRelu, SingleSlope) {
  Tensor y = run_op(make_case("PRelu", {f32({2}, {-4.f, 4.f}), f32({1}, {0.25f})}))[0];
  EXPECT_EQ(max_abs_diff(y, f32({2}, {-1.f, 4.f})), 0.f);
}

TEST(OpPRelu, Opset6AppliesAVectorSlopePerChannel) {
  Tensor x = f32({1, 2, 2}, {-1.f, -2.f, -3.f, 4.f});
  Tensor slope = f32({2}, {0.5f, 0.25f});
  Tensor y = run_op(make_case("PRelu", {x, slope}, 6))[0];
  EXPECT_LE(max_abs_diff(y, f32({1, 2, 2}, {-0.5f, -1.f, -0.75f, 4.f})), kTol);
  // From opset 7 the same slope broadcasts along the last axis.
  Tensor z = run_op(make_case("PRelu", {x, slope}, 7))[0];
  EXPECT_LE(max_abs_diff(z, f32({1, 2, 2}, {-0.5f, -0.5f, -1.5f, 4.f})), kTol);
}

TEST(OpPRelu, RejectsSlopeThatDoesNotBroadcastToInput) {
  Tensor x = f32({1, 2, 2, 2}, std::vector<float>(8, 1.f));
  EXPECT_THROW(run_op(make_case("PRelu", {x, f32({3}, {1.f, 2.f, 3.f})})), Error);
  // Bidirectional broadcasting would grow the output; PRelu's output must keep X's shape.
  EXPECT_THROW(run_op(make_case("PRelu", {f32({2}, {1.f, 2.f}), f32({3, 1}, {1.f, 2.f, 3.f})})), Error);
}

// --- Add, Sub, Mul, Div ---

TEST(OpAdd, BroadcastsTrailingVector) {
  Tensor y = run_op(make_case("Add", {f32({2, 3}, {1, 2, 3, 4, 5, 6}), f32({3}, {10, 20, 30})}))[0];
  EXPECT_EQ(max_abs_diff(y, f32({2, 3}, {11, 22, 33, 14, 25, 36})), 0.f);
}

TEST(OpAdd, BroadcastsBothWays) {
  Tensor y = run_op(make_case("Add", {f32({2, 1}, {1, 2}), f32({1, 3}, {10, 20, 30})}))[0];
  EXPECT_EQ(max_abs_diff(y, f32({2, 3}, {11, 21, 31, 12, 22, 32})), 0.f);
}

TEST(OpAdd, ScalarOperand) {
  Tensor y = run_op(make_case("Add", {f32({}, {100}), f32({2}, {1, 2})}))[0];
  EXPECT_EQ(max_abs_diff(y, f32({2}, {101, 102})), 0.f);
}

TEST(OpAdd, Float64) {
  Tensor a(DType::f64, {2});
  a.data<double>()[0] = 0.1;
  a.data<double>()[1] = 1e300;
  Tensor y = run_op(make_case("Add", {a, a}))[0];
  ASSERT_EQ(y.dtype(), DType::f64);
  EXPECT_EQ(y.data<double>()[0], 0.2);
  EXPECT_EQ(y.data<double>()[1], 2e300);
}

TEST(OpAdd, Int64WrapsAroundOnOverflow) {
  int64_t max = std::numeric_limits<int64_t>::max();
  Tensor y = run_op(make_case("Add", {s64({2}, {max, 5}), s64({1}, {1})}))[0];
  expect_ints(y, DType::s64, {2}, {std::numeric_limits<int64_t>::min(), 6});
}

TEST(OpAdd, RejectsIncompatibleShapes) {
  EXPECT_THROW(run_op(make_case("Add", {f32({2, 3}, std::vector<float>(6)), f32({2}, {1, 2})})), Error);
}

TEST(OpAdd, RejectsMixedDtypes) { EXPECT_THROW(run_op(make_case("Add", {f32({1}, {1}), s64({1}, {1})})), Error); }

TEST(OpAdd, Uint8WrapsAround) {
  Tensor a(DType::u8, {2});
  a.data<uint8_t>()[0] = 200;
  a.data<uint8_t>()[1] = 7;
  Tensor y = run_op(make_case("Add", {a, a}))[0];
  ASSERT_EQ(y.dtype(), DType::u8);
  EXPECT_EQ(y.data<uint8_t>()[0], 144);  // 400 mod 256
  EXPECT_EQ(y.data<uint8_t>()[1], 14);
}

TEST(OpAdd, RejectsUnsupportedDtype) {
  Tensor a(DType::boolean, {2});
  EXPECT_THROW(run_op(make_case("Add", {a, a})), Error);
}

TEST(OpAdd, Opset6BroadcastAlignsAtAxis) {
  std::vector<float> a(12);
  for (int i = 0; i < 12; ++i) a[static_cast<size_t>(i)] = static_cast<float>(i);
  OpCase c = make_case("Add", {f32({2, 3, 2}, a), f32({3}, {100, 200, 300})}, 6);
  c.attrs.set_int("broadcast", 1);
  c.attrs.set_int("axis", 1);
  EXPECT_EQ(max_abs_diff(run_op(c)[0], f32({2, 3, 2}, {100, 101, 202, 203, 304, 305, 106, 107, 208, 209, 310, 311})),
            0.f);
}

TEST(OpAdd, Opset6NeedsBroadcastAttributeForDifferentShapes) {
  OpCase c = make_case("Add", {f32({2, 2}, {1, 2, 3, 4}), f32({2}, {1, 2})}, 6);
  EXPECT_THROW(run_op(c), Error);
  c.attrs.set_int("broadcast", 1);  // trailing alignment by default
  EXPECT_EQ(max_abs_diff(run_op(c)[0], f32({2, 2}, {2, 4, 4, 6})), 0.f);
}

TEST(OpSub, Int64Broadcast) {
  Tensor y = run_op(make_case("Sub", {s64({3}, {5, -3, 0}), s64({2, 1}, {7, 1})}))[0];
  expect_ints(y, DType::s64, {2, 3}, {-2, -10, -7, 4, -4, -1});
}

TEST(OpMul, Int32) {
  Tensor y = run_op(make_case("Mul", {s32({2}, {2, 3}), s32({1}, {-4})}))[0];
  expect_ints(y, DType::s32, {2}, {-8, -12});
}

TEST(OpMul, Float) {
  Tensor y = run_op(make_case("Mul", {f32({2, 2}, {1, 2, 3, 4}), f32({2, 1}, {0.5f, -2})}))[0];
  EXPECT_EQ(max_abs_diff(y, f32({2, 2}, {0.5f, 1, -6, -8})), 0.f);
}

TEST(OpDiv, IntegerTruncatesTowardZero) {
  Tensor y = run_op(make_case("Div", {s64({4}, {7, -7, 7, -7}), s64({4}, {2, 2, -2, -2})}))[0];
  expect_ints(y, DType::s64, {4}, {3, -3, -3, 3});
  Tensor z = run_op(make_case("Div", {s32({2}, {-9, 9}), s32({}, {4})}))[0];
  expect_ints(z, DType::s32, {2}, {-2, 2});
}

TEST(OpDiv, IntegerDivisionByZeroThrows) {
  EXPECT_THROW(run_op(make_case("Div", {s64({2}, {1, 2}), s64({2}, {1, 0})})), Error);
}

TEST(OpDiv, MinimumOverMinusOneWraps) {
  int64_t min = std::numeric_limits<int64_t>::min();
  Tensor y = run_op(make_case("Div", {s64({1}, {min}), s64({1}, {-1})}))[0];
  expect_ints(y, DType::s64, {1}, {min});
}

TEST(OpDiv, Float) {
  Tensor y = run_op(make_case("Div", {f32({3}, {1, -1, 1}), f32({3}, {4, 4, 0})}))[0];
  EXPECT_EQ(y.data<float>()[0], 0.25f);
  EXPECT_EQ(y.data<float>()[1], -0.25f);
  EXPECT_TRUE(std::isinf(y.data<float>()[2]));
}

// --- Softmax ---

TEST(OpSoftmax, Opset13DefaultsToLastAxis) {
  Tensor y = run_op(make_case("Softmax", {f32({2, 3}, {1, 2, 3, 0, 0, 0})}, 13))[0];
  EXPECT_LE(max_abs_diff(y, f32({2, 3}, {0.0900305732f, 0.244728471f, 0.665240956f, 1 / 3.f, 1 / 3.f, 1 / 3.f})), kTol);
}

const float kLn3 = 1.09861229f;

TEST(OpSoftmax, Opset13AlongAxis0) {
  OpCase c = make_case("Softmax", {f32({2, 2}, {0, 0, kLn3, 0})}, 13);
  c.attrs.set_int("axis", 0);
  EXPECT_LE(max_abs_diff(run_op(c)[0], f32({2, 2}, {0.25f, 0.5f, 0.75f, 0.5f})), kTol);
}

TEST(OpSoftmax, Opset11CoercesTo2D) {
  // Default axis 1 on [1, 2, 2]: one group of all four elements.
  Tensor y = run_op(make_case("Softmax", {f32({1, 2, 2}, {0, 0, 0, kLn3})}, 11))[0];
  EXPECT_LE(max_abs_diff(y, f32({1, 2, 2}, {1 / 6.f, 1 / 6.f, 1 / 6.f, 0.5f})), kTol);
}

TEST(OpSoftmax, Opset13AxisIsOneDimensionOnly) {
  // The same input and axis as above, but opset 13 normalizes along dimension 1 alone.
  OpCase c = make_case("Softmax", {f32({1, 2, 2}, {0, 0, 0, kLn3})}, 13);
  c.attrs.set_int("axis", 1);
  EXPECT_LE(max_abs_diff(run_op(c)[0], f32({1, 2, 2}, {0.5f, 0.25f, 0.5f, 0.75f})), kTol);
}

TEST(OpSoftmax, LargeInputsDoNotOverflow) {
  Tensor y = run_op(make_case("Softmax", {f32({2}, {1000, 1000})}))[0];
  EXPECT_LE(max_abs_diff(y, f32({2}, {0.5f, 0.5f})), kTol);
}

TEST(OpSoftmax, RejectsAxisOutOfRange) {
  OpCase c = make_case("Softmax", {f32({2, 2}, {0, 0, 0, 0})});
  c.attrs.set_int("axis", 2);
  EXPECT_THROW(run_op(c), Error);
}

// --- ReduceMean ---

Tensor reduce_input() { return f32({2, 3}, {1, 2, 3, 4, 5, 6}); }

TEST(OpReduceMean, KeepsDimsByDefault) {
  OpCase c = make_case("ReduceMean", {reduce_input()}, 13);
  c.attrs.set_ints("axes", {1});
  EXPECT_EQ(max_abs_diff(run_op(c)[0], f32({2, 1}, {2, 5})), 0.f);
}

TEST(OpReduceMean, NegativeAxisWithoutKeepdims) {
  OpCase c = make_case("ReduceMean", {reduce_input()}, 13);
  c.attrs.set_ints("axes", {-2});
  c.attrs.set_int("keepdims", 0);
  EXPECT_EQ(max_abs_diff(run_op(c)[0], f32({3}, {2.5f, 3.5f, 4.5f})), 0.f);
}

TEST(OpReduceMean, NoAxesReducesEverything) {
  OpCase c = make_case("ReduceMean", {reduce_input()}, 13);
  EXPECT_EQ(max_abs_diff(run_op(c)[0], f32({1, 1}, {3.5f})), 0.f);
  c.attrs.set_int("keepdims", 0);
  EXPECT_EQ(max_abs_diff(run_op(c)[0], f32({}, {3.5f})), 0.f);
}

TEST(OpReduceMean, TwoOfThreeAxes) {
  OpCase c = make_case("ReduceMean", {f32({2, 2, 2}, {0, 1, 2, 3, 4, 5, 6, 7})}, 13);
  c.attrs.set_ints("axes", {0, 2});
  EXPECT_EQ(max_abs_diff(run_op(c)[0], f32({1, 2, 1}, {2.5f, 4.5f})), 0.f);
}

TEST(OpReduceMean, Opset18AxesInput) {
  OpCase c = make_case("ReduceMean", {reduce_input(), s64({1}, {0})}, 18);
  EXPECT_EQ(max_abs_diff(run_op(c)[0], f32({1, 3}, {2.5f, 3.5f, 4.5f})), 0.f);
}

TEST(OpReduceMean, Opset18NoopWithEmptyAxes) {
  OpCase c = make_case("ReduceMean", {reduce_input()}, 18);
  c.attrs.set_int("noop_with_empty_axes", 1);
  EXPECT_EQ(max_abs_diff(run_op(c)[0], reduce_input()), 0.f);
}

TEST(OpReduceMean, Opset18AxesMustBeConstant) {
  OpCase c = make_case("ReduceMean", {reduce_input(), s64({1}, {0})}, 18);
  c.constant = {true, false};
  EXPECT_THROW(run_op(c), Error);
}

TEST(OpReduceMean, RejectsBadAxes) {
  OpCase c = make_case("ReduceMean", {reduce_input()}, 13);
  c.attrs.set_ints("axes", {1, -1});
  EXPECT_THROW(run_op(c), Error);
  c.attrs.set_ints("axes", {2});
  EXPECT_THROW(run_op(c), Error);
}

// --- Cast ---

Tensor run_cast(const Tensor& x, int64_t to) {
  OpCase c = make_case("Cast", {x});
  c.attrs.set_int("to", to);
  return run_op(c)[0];
}

TEST(OpCast, FloatToInt32TruncatesTowardZero) {
  expect_ints(run_cast(f32({4}, {1.7f, -1.7f, 300.f, -0.2f}), 6), DType::s32, {4}, {1, -1, 300, 0});
}

TEST(OpCast, FloatToUint8Saturates) {
  Tensor y = run_cast(f32({3}, {300.f, -5.f, 2.9f}), 2);
  ASSERT_EQ(y.dtype(), DType::u8);
  EXPECT_EQ(y.data<uint8_t>()[0], 255);
  EXPECT_EQ(y.data<uint8_t>()[1], 0);
  EXPECT_EQ(y.data<uint8_t>()[2], 2);
}

TEST(OpCast, LargeInt64StaysExact) {
  int64_t big = (int64_t{1} << 62) + 1;  // not representable as a double
  expect_ints(run_cast(s64({1}, {big}), 7), DType::s64, {1}, {big});
}

TEST(OpCast, Int64ToFloatAndInt32) {
  EXPECT_EQ(max_abs_diff(run_cast(s64({2}, {3, -2}), 1), f32({2}, {3, -2})), 0.f);
  expect_ints(run_cast(s64({2, 1}, {3, -2}), 6), DType::s32, {2, 1}, {3, -2});
}

TEST(OpCast, ToAndFromBool) {
  Tensor b = run_cast(f32({3}, {0.f, 0.5f, -1.f}), 9);
  ASSERT_EQ(b.dtype(), DType::boolean);
  EXPECT_FALSE(b.data<bool>()[0]);
  EXPECT_TRUE(b.data<bool>()[1]);
  EXPECT_TRUE(b.data<bool>()[2]);
  EXPECT_EQ(max_abs_diff(run_cast(b, 11), run_cast(f32({3}, {0, 1, 1}), 11)), 0.f);
}

TEST(OpCast, FloatToHalfRoundsToNearestEvenAndBack) {
  // 1 + 2^-11 lies halfway between two halves: ties go to the even one (1.0).
  Tensor h = run_cast(f32({5}, {1.f, 1.f + 1.f / 2048, 65504.f, 70000.f, 5.960464477539063e-8f}), 10);
  ASSERT_EQ(h.dtype(), DType::f16);
  const uint16_t* bits = h.data<uint16_t>();
  EXPECT_EQ(bits[0], 0x3c00);
  EXPECT_EQ(bits[1], 0x3c00);
  EXPECT_EQ(bits[2], 0x7bff);  // the largest half
  EXPECT_EQ(bits[3], 0x7c00);  // overflow to infinity
  EXPECT_EQ(bits[4], 0x0001);  // the smallest subnormal
  Tensor back = run_cast(h, 1);
  EXPECT_EQ(back.data<float>()[2], 65504.f);
  EXPECT_EQ(back.data<float>()[4], 5.960464477539063e-8f);
}

TEST(OpCast, BoolBytesOtherThanZeroOrOneReadAsTrue) {
  // A model file may hold any byte in a bool tensor; it means true, never the byte's value.
  Tensor b(DType::boolean, {2});
  static_cast<uint8_t*>(b.raw_mutable())[0] = 2;
  expect_ints(run_cast(b, 7), DType::s64, {2}, {1, 0});
  EXPECT_EQ(max_abs_diff(run_cast(b, 1), f32({2}, {1, 0})), 0.f);
}

TEST(OpCast, RejectsUnsupportedTargets) {
  EXPECT_THROW(run_cast(f32({1}, {1}), 16), Error);                 // bfloat16
  EXPECT_THROW(run_cast(f32({1}, {1}), 8), Error);                  // string
  EXPECT_THROW(run_op(make_case("Cast", {f32({1}, {1})})), Error);  // no 'to'
}

// --- Dropout ---

TEST(OpDropout, InferenceModeIsTheIdentity) {
  OpCase c = make_case("Dropout", {f32({2}, {1, 2}), f32({}, {0.5f}), Tensor(DType::boolean, {})}, 13);
  EXPECT_EQ(max_abs_diff(run_op(c)[0], f32({2}, {1, 2})), 0.f);
}

TEST(OpDropout, TrainingModeMustBeAScalar) {
  OpCase empty = make_case("Dropout", {f32({2}, {1, 2}), Tensor(), Tensor(DType::boolean, {0})}, 13);
  expect_error(empty, "training_mode");
}

}  // namespace
}  // namespace kite
