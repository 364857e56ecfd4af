#include <gtest/gtest.h>

#include "graph_fixtures.h"
#include "kite/session.h"

namespace kite {
namespace {

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

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

}  // namespace
}  // namespace kite
