#include "op_test_util.h"

#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <iterator>
#include <random>
#include <utility>

#include "ops/op_util.h"

namespace kite::test {

OpCase make_case(const std::string& op, std::vector<Tensor> inputs, int opset) {
  OpCase c;
  c.op = op;
  c.inputs = std::move(inputs);
  c.opset = opset;
  return c;
}

std::vector<Tensor> run_op(const OpCase& c) {
  const OpDef* def = find_op(c.op);
  KITE_CHECK(def, "no operator ", c.op);
  Node node;
  node.op = c.op;
  node.name = "test";
  node.attrs = c.attrs;
  node.opset = c.opset;
  std::vector<Value> values(c.inputs.size());
  std::vector<const Value*> in_values;
  std::vector<const Tensor*> in_tensors;
  for (size_t i = 0; i < c.inputs.size(); ++i) {
    node.inputs.push_back(c.inputs[i].empty() ? -1 : static_cast<int>(i));
    if (c.inputs[i].empty()) {
      in_values.push_back(nullptr);
      in_tensors.push_back(nullptr);
      continue;
    }
    values[i].name = "input" + std::to_string(i);
    values[i].dtype = c.inputs[i].dtype();
    values[i].shape = c.inputs[i].shape();
    values[i].shape_known = true;
    bool is_constant = i < c.constant.size() ? c.constant[i] : true;
    if (is_constant) values[i].constant = c.inputs[i];
    in_values.push_back(&values[i]);
    in_tensors.push_back(&c.inputs[i]);
  }
  for (int i = 0; i < c.num_outputs; ++i) node.outputs.push_back(static_cast<int>(c.inputs.size()) + i);
  std::vector<ValueType> types = def->infer(node, in_values);
  KITE_CHECK(types.size() == static_cast<size_t>(c.num_outputs), c.op, " inferred ", types.size(), " outputs");
  std::vector<Tensor> outputs;
  for (const ValueType& t : types) outputs.emplace_back(t.dtype, t.shape);
  def->reference(node, in_tensors, outputs);
  return outputs;
}

Tensor f32(Shape shape, const std::vector<float>& values) { return Tensor::from_floats(std::move(shape), values); }

Tensor s64(Shape shape, const std::vector<int64_t>& values) { return Tensor::from_int64s(std::move(shape), values); }

Tensor s32(Shape shape, const std::vector<int32_t>& values) {
  Tensor t(DType::s32, std::move(shape));
  for (size_t i = 0; i < values.size(); ++i) t.data<int32_t>()[i] = values[i];
  return t;
}

Tensor ints(const std::vector<int64_t>& values) { return s64({static_cast<int64_t>(values.size())}, values); }

Tensor iota(Shape shape) {
  Tensor t(DType::f32, std::move(shape));
  for (int64_t i = 0; i < t.numel(); ++i) t.data<float>()[i] = static_cast<float>(i);
  return t;
}

Tensor filled(Shape shape, float value) {
  Tensor t(DType::f32, std::move(shape));
  for (int64_t i = 0; i < t.numel(); ++i) t.data<float>()[i] = value;
  return t;
}

Tensor random_tensor(const Shape& shape, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> dist(-1.f, 1.f);
  Tensor t(DType::f32, shape);
  for (int64_t i = 0; i < t.numel(); ++i) t.data<float>()[i] = dist(rng);
  return t;
}

std::vector<int64_t> unravel(int64_t flat, const Shape& shape) {
  std::vector<int64_t> index(shape.size());
  for (size_t d = shape.size(); d-- > 0;) {
    index[d] = flat % shape[d];
    flat /= shape[d];
  }
  return index;
}

int64_t ravel(const std::vector<int64_t>& index, const Shape& shape) {
  int64_t flat = 0;
  for (size_t d = 0; d < shape.size(); ++d) flat = flat * shape[d] + index[d];
  return flat;
}

int64_t param(const std::vector<int64_t>& values, size_t d, int64_t fallback) {
  return values.empty() ? fallback : values[d];
}

float max_abs_diff(const Tensor& a, const Tensor& b) {
  EXPECT_EQ(a.dtype(), b.dtype());
  EXPECT_EQ(a.shape(), b.shape());
  if (a.dtype() != b.dtype() || a.shape() != b.shape()) return INFINITY;
  double worst = 0;
  for (int64_t i = 0; i < a.numel(); ++i)
    worst = std::max(worst, std::fabs(element_as_double(a, i) - element_as_double(b, i)));
  return static_cast<float>(worst);
}

void expect_floats(const Tensor& t, const Shape& shape, const std::vector<float>& values) {
  EXPECT_EQ(max_abs_diff(t, f32(shape, values)), 0.f);
}

void expect_ints(const Tensor& t, DType dtype, const Shape& shape, const std::vector<int64_t>& values) {
  EXPECT_EQ(t.dtype(), dtype);
  EXPECT_EQ(t.shape(), shape);
  EXPECT_EQ(tensor_ints(t), values);
}

void expect_ints(const Tensor& t, const Shape& shape, const std::vector<int64_t>& values) {
  expect_ints(t, DType::s64, shape, values);
}

void expect_error(const OpCase& c, const std::string& fragment) {
  try {
    run_op(c);
    ADD_FAILURE() << c.op << " accepted a bad case; expected an error mentioning '" << fragment << "'";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(fragment), std::string::npos) << "message: " << e.what();
  }
}

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

}  // namespace kite::test
