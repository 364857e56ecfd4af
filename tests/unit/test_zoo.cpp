// The zoo against the numbers these architectures are published with. Parameters and MACs come
// from Model::layer_stats(), what `kite info` prints. A published number is matched within 3%, or
// within half a unit of its last printed digit where the table rounds harder than that.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>

#include "graph/graph.h"
#include "kite/session.h"
#include "kite/zoo.h"

namespace kite {
namespace {

struct Totals {
  int64_t params = 0;
  int64_t macs = 0;
  int64_t conv_macs = 0;  // Conv layers only, without the classifier
};

Totals totals(const std::string& spec) {
  Totals t;
  for (const LayerStats& r : zoo_model(spec, Calibration::kOff).layer_stats()) {
    t.params += r.params;
    t.macs += r.macs;
    if (r.op == "Conv") t.conv_macs += r.macs;
  }
  return t;
}

// `published` in units of `unit` (1e6 for "569M"), printed with `decimals` decimals.
void expect_published(int64_t kite_value, double published, double unit, int decimals, const std::string& what) {
  double value = static_cast<double>(kite_value) / unit;
  double rounding = 0.5 * std::pow(10.0, -decimals);
  double tolerance = std::max(0.03 * published, rounding);
  EXPECT_NEAR(value, published, tolerance) << what;
}

// MobileNet v1: TF-slim's model table (models/research/slim/nets/mobilenet_v1.md), MACs and
// parameters in millions, 1000 classes.
TEST(ZooPublished, MobileNetV1) {
  Totals t = totals("mobilenet_v1");
  expect_published(t.macs, 569, 1e6, 0, "1.0-224 MACs");
  expect_published(t.params, 4.24, 1e6, 2, "1.0-224 params");
  expect_published(totals("mobilenet_v1?resolution=128").macs, 186, 1e6, 0, "1.0-128 MACs");
  Totals a75 = totals("mobilenet_v1?alpha=0.75");
  expect_published(a75.macs, 317, 1e6, 0, "0.75-224 MACs");
  expect_published(a75.params, 2.59, 1e6, 2, "0.75-224 params");
  Totals a50 = totals("mobilenet_v1?alpha=0.5&resolution=160");
  expect_published(a50.macs, 77, 1e6, 0, "0.5-160 MACs");
  expect_published(a50.params, 1.34, 1e6, 2, "0.5-160 params");
  Totals a25 = totals("mobilenet_v1?alpha=0.25&resolution=128");
  expect_published(a25.macs, 14, 1e6, 0, "0.25-128 MACs");
  expect_published(a25.params, 0.47, 1e6, 2, "0.25-128 params");
}

// MobileNet v2: TF-slim's table (models/research/slim/nets/mobilenet/README.md). Its MACs count
// the convolutions, not the classifier: at 0.35-96 the classifier's 1.28M would be 11% of it.
// Parameters: torchvision's mobilenet_v2() has 3,504,872, the same architecture.
TEST(ZooPublished, MobileNetV2) {
  Totals t = totals("mobilenet_v2");
  expect_published(t.conv_macs, 300, 1e6, 0, "1.0-224 MACs");
  expect_published(t.params, 3.47, 1e6, 2, "1.0-224 params");
  EXPECT_EQ(t.params, 3504872) << "torchvision mobilenet_v2";
  Totals small = totals("mobilenet_v2?alpha=0.35&resolution=96");
  expect_published(small.conv_macs, 11, 1e6, 0, "0.35-96 MACs");
  expect_published(small.params, 1.66, 1e6, 2, "0.35-96 params");
  Totals wide = totals("mobilenet_v2?alpha=1.4");
  expect_published(wide.conv_macs, 582, 1e6, 0, "1.4-224 MACs");
  expect_published(wide.params, 6.06, 1e6, 2, "1.4-224 params");
}

TEST(ZooKnobs, AblationsChangeWhatTheyShould) {
  Totals linear = totals("mobilenet_v2");
  Totals relu6 = totals("mobilenet_v2?bottleneck=relu6");
  EXPECT_EQ(linear.params, relu6.params);  // an activation has no parameters
  int clips_linear = 0, clips_relu6 = 0;
  for (const LayerStats& r : zoo_model("mobilenet_v2", Calibration::kOff).layer_stats()) clips_linear += r.op == "Clip";
  for (const LayerStats& r : zoo_model("mobilenet_v2?bottleneck=relu6", Calibration::kOff).layer_stats())
    clips_relu6 += r.op == "Clip";
  EXPECT_EQ(clips_relu6 - clips_linear, 17);  // one per inverted residual block
  EXPECT_LT(totals("mobilenet_v2?expansion=3").macs, linear.macs);
}

std::string error_of(const std::string& spec) {
  try {
    zoo_model(spec, Calibration::kOff);
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

TEST(ZooKnobs, BadSpecsAreClearErrors) {
  EXPECT_NE(error_of("mobilenet_v9").find("no zoo model named 'mobilenet_v9'"), std::string::npos);
  EXPECT_NE(error_of("mobilenet_v1?alfa=0.5").find("unknown knob 'alfa'"), std::string::npos);
  EXPECT_NE(error_of("mobilenet_v1?alpha=2").find("(0, 1.5]"), std::string::npos);
  EXPECT_NE(error_of("mobilenet_v1?alpha=abc").find("not a number"), std::string::npos);
  EXPECT_NE(error_of("mobilenet_v1?resolution=100.5").find("whole number"), std::string::npos);
  EXPECT_NE(error_of("mobilenet_v2?bottleneck=gelu").find("not one of linear, relu6"), std::string::npos);
  EXPECT_NE(error_of("mobilenet_v1?alpha").find("not knob=value"), std::string::npos);
  EXPECT_NE(error_of("mobilenet_v1?batch=0").find("batch"), std::string::npos);
}

TEST(ZooKnobs, CommonKnobsShapeTheModel) {
  Model m = zoo_model("zoo:mobilenet_v1?alpha=0.25&resolution=64&batch=2&num_classes=10", Calibration::kOff);
  EXPECT_EQ(m.inputs()[0].shape, (Shape{2, 3, 64, 64}));
  EXPECT_EQ(m.outputs()[0].shape, (Shape{2, 10}));
}

const Tensor& first_weight(const Model& m) {
  for (const Value& v : m.graph().values)
    if (v.constant && v.constant->numel() > 100) return *v.constant;
  throw Error("no weight");
}

TEST(ZooWeights, DeterministicFromTheSeed) {
  Model a = zoo_model("mobilenet_v1?alpha=0.25&resolution=64", Calibration::kOff);
  Model b = zoo_model("mobilenet_v1?alpha=0.25&resolution=64", Calibration::kOff);
  Model c = zoo_model("mobilenet_v1?alpha=0.25&resolution=64&seed=1", Calibration::kOff);
  const Tensor &wa = first_weight(a), &wb = first_weight(b), &wc = first_weight(c);
  EXPECT_EQ(std::memcmp(wa.raw(), wb.raw(), wa.nbytes()), 0);
  EXPECT_NE(std::memcmp(wa.raw(), wc.raw(), wa.nbytes()), 0);
}

// Calibration keeps activations near unit variance, so outputs are neither tiny nor huge.
TEST(ZooWeights, CalibratedOutputsAreWellScaled) {
  for (const char* spec : {"mobilenet_v1?alpha=0.25&resolution=64", "mobilenet_v2?alpha=0.35&resolution=64"}) {
    Model m = zoo_model(spec);
    Session s(m);
    Tensor x(DType::f32, m.inputs()[0].shape);
    float* p = x.data<float>();
    for (int64_t i = 0; i < x.numel(); ++i) p[i] = std::sin(0.1f * static_cast<float>(i));
    Tensor y = s.run({{m.inputs()[0].name, x}})[0].second;
    double sum = 0, sq = 0;
    for (int64_t i = 0; i < y.numel(); ++i) {
      ASSERT_TRUE(std::isfinite(y.data<float>()[i]));
      sum += y.data<float>()[i];
      sq += y.data<float>()[i] * y.data<float>()[i];
    }
    double mean = sum / static_cast<double>(y.numel());
    double stddev = std::sqrt(sq / static_cast<double>(y.numel()) - mean * mean);
    EXPECT_GT(stddev, 0.1) << spec;
    EXPECT_LT(stddev, 10.0) << spec;
  }
}

}  // namespace
}  // namespace kite
