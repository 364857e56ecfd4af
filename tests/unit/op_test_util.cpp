#include "op_test_util.h"

#include <gtest/gtest.h>

#include <cmath>

#include "ops/op_util.h"

namespace kite::test {

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

float max_abs_diff(const Tensor& a, const Tensor& b) {
  EXPECT_EQ(a.dtype(), b.dtype());
  EXPECT_EQ(a.shape(), b.shape());
  if (a.dtype() != b.dtype() || a.shape() != b.shape()) return INFINITY;
  double worst = 0;
  for (int64_t i = 0; i < a.numel(); ++i)
    worst = std::max(worst, std::fabs(element_as_double(a, i) - element_as_double(b, i)));
  return static_cast<float>(worst);
}

}  // namespace kite::test
