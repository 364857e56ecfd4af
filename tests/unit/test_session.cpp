#include <gtest/gtest.h>

#include <new>

#include "graph_fixtures.h"
#include "kite/session.h"
#include "op_test_util.h"

namespace kite {
namespace {

using test::error_of;

TEST(Session, RunsAndIsDeterministic) {
  Model m = Model::from_graph(test::tiny_cnn());
  Session s(m);
  Tensor x = test::ramp({1, 3, 8, 8}, 1.f);
  NamedTensors a = s.run({{"image", x}});
  NamedTensors b = s.run({{"image", x}});
  ASSERT_EQ(a.size(), 1u);
  EXPECT_EQ(a[0].first, "scores");
  EXPECT_EQ(a[0].second.shape(), (Shape{1, 5}));
  for (int i = 0; i < 5; ++i) EXPECT_EQ(a[0].second.data<float>()[i], b[0].second.data<float>()[i]);
}

TEST(Session, InputErrorsAreClear) {
  Model m = Model::from_graph(test::tiny_cnn());
  Session s(m);
  Tensor good = test::ramp({1, 3, 8, 8}, 1.f);
  EXPECT_NE(error_of([&] { s.run({}); }).find("input 'image' is missing"), std::string::npos);
  EXPECT_NE(error_of([&] { s.run({{"img", good}}); }).find("no input named 'img'"), std::string::npos);
  EXPECT_NE(error_of([&] { s.run({{"image", test::ramp({1, 3, 8, 9}, 1.f)}}); }).find("must have shape [1, 3, 8, 8]"),
            std::string::npos);
  EXPECT_NE(error_of([&] { s.run({{"image", Tensor(DType::s64, {1, 3, 8, 8})}}); }).find("must be f32"),
            std::string::npos);
  EXPECT_NE(error_of([&] { s.run({{"image", good}, {"image", good}}); }).find("given twice"), std::string::npos);
}

// An output too large to allocate is a kite::Error naming the node, not a bare std::bad_alloc.
TEST(Session, OutOfMemoryNamesTheNode) {
  Graph g;
  int shape = g.add_constant("shape", Tensor::from_int64s({1}, {int64_t{1} << 55}));  // 128 PiB of f32
  g.outputs.push_back(test::add_node(g, "ConstantOfShape", "fill", {shape}));
  Model m = Model::from_graph(std::move(g));  // too large to fold: computed when the session runs
  Session s(m);
  std::string msg = error_of([&] { s.run({}); });
  EXPECT_NE(msg.find("ConstantOfShape node 'fill'"), std::string::npos) << msg;
  EXPECT_NE(msg.find("out of memory"), std::string::npos) << msg;
}

// A byte count within 64 of SIZE_MAX must not wrap around when rounded up to the alignment
// (which allocated 64 bytes for a tensor of 2^61 - 1 int64s).
TEST(Tensor, ByteSizeNearTheLimitIsNotRoundedDown) {
  EXPECT_THROW(Tensor(DType::s64, {(int64_t{1} << 61) - 1}), std::bad_alloc);
}

}  // namespace
}  // namespace kite
