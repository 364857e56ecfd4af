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

// ResNet: torchvision's models (MACs from its model table, parameters exact: same architecture
// with shortcut B and the stride on the 3x3), and He et al. 2016, Table 1, for the original
// bottleneck with its stride on the first 1x1 (3.8 GFLOPs, counted as multiply-adds).
TEST(ZooPublished, ResNet) {
  const struct {
    int depth;
    double gmacs, mparams;
    int64_t torchvision_params;
  } rows[] = {{18, 1.8, 11.7, 11689512},
              {34, 3.6, 21.8, 21797672},
              {50, 4.1, 25.6, 25557032},
              {101, 7.8, 44.5, 44549160},
              {152, 11.5, 60.2, 60192808}};
  for (const auto& row : rows) {
    Totals t = totals("resnet?depth=" + std::to_string(row.depth));
    expect_published(t.macs, row.gmacs, 1e9, 1, "resnet" + std::to_string(row.depth) + " MACs");
    expect_published(t.params, row.mparams, 1e6, 1, "resnet" + std::to_string(row.depth) + " params");
    EXPECT_EQ(t.params, row.torchvision_params) << "torchvision resnet" << row.depth;
  }
  expect_published(totals("resnet?depth=50&stride_in=1x1").macs, 3.8, 1e9, 1, "resnet50, paper's bottleneck");
}

// GoogLeNet: torchvision's googlenet (aux_logits=False), 1.5G MACs / 6.6M parameters.
TEST(ZooPublished, GoogLeNet) {
  Totals t = totals("googlenet");
  expect_published(t.macs, 1.5, 1e9, 1, "MACs");
  expect_published(t.params, 6.6, 1e6, 1, "params");
  EXPECT_EQ(t.params, 6624904) << "torchvision googlenet";
}

// Inception v3: Szegedy et al. 2016 (5.7G multiply-adds), torchvision's inception_v3 (23.8M).
TEST(ZooPublished, InceptionV3) {
  Totals t = totals("inception_v3");
  expect_published(t.macs, 5.7, 1e9, 1, "MACs");
  expect_published(t.params, 23.8, 1e6, 1, "params");
  EXPECT_EQ(t.params, 23834568) << "torchvision inception_v3(aux_logits=False)";
}

// Xception: Chollet 2017 / Keras applications (22.9M parameters; Keras counts 22,910,480 with
// 54,528 BatchNorm running statistics, which PyTorch-style counting leaves out), 8.4G MACs.
TEST(ZooPublished, Xception) {
  Totals t = totals("xception");
  expect_published(t.macs, 8.4, 1e9, 1, "MACs");
  expect_published(t.params, 22.9, 1e6, 1, "params");
  EXPECT_EQ(t.params, 22910480 - 54528) << "Keras Xception, trainable parameters";
}

// SqueezeNet: Iandola et al. 2016 and torchvision (1.0: 0.82G / 1.25M; 1.1: 0.35G / 1.24M).
TEST(ZooPublished, SqueezeNet) {
  Totals v10 = totals("squeezenet?version=1.0");
  expect_published(v10.macs, 0.82, 1e9, 2, "1.0 MACs");
  expect_published(v10.params, 1.25, 1e6, 2, "1.0 params");
  EXPECT_EQ(v10.params, 1248424) << "torchvision squeezenet1_0";
  Totals v11 = totals("squeezenet?version=1.1");
  expect_published(v11.macs, 0.35, 1e9, 2, "1.1 MACs");
  expect_published(v11.params, 1.24, 1e6, 2, "1.1 params");
  EXPECT_EQ(v11.params, 1235496) << "torchvision squeezenet1_1";
}

// ShuffleNet v2 1.0: Ma et al. 2018 (146M FLOPs, counted as multiply-adds) and torchvision
// (2.28M). ShuffleNet v1 g=3 1.0: Zhang et al. 2018, Table 2 (137M FLOPs).
TEST(ZooPublished, ShuffleNet) {
  Totals v2 = totals("shufflenet_v2");
  expect_published(v2.macs, 146, 1e6, 0, "v2 MACs");
  expect_published(v2.params, 2.28, 1e6, 2, "v2 params");
  EXPECT_EQ(v2.params, 2278604) << "torchvision shufflenet_v2_x1_0";
  expect_published(totals("shufflenet_v1?groups=3").macs, 137, 1e6, 0, "v1 g=3 MACs");
}

TEST(ZooKnobs, AblationsChangeWhatTheyShould) {
  Totals a = totals("resnet?depth=50&shortcut=A"), b = totals("resnet?depth=50&shortcut=B"),
         c = totals("resnet?depth=50&shortcut=C");
  EXPECT_LT(a.params, b.params);  // zero-padding shortcuts have no weights
  EXPECT_LT(b.params, c.params);  // projections everywhere
  EXPECT_LT(totals("inception_v3").macs, totals("inception_v3?factorize=off").macs);
  Totals lrn_off = totals("googlenet"), lrn_on = totals("googlenet?lrn=on");
  EXPECT_EQ(lrn_on.params + lrn_on.macs, lrn_off.params + lrn_off.macs);
  EXPECT_GT(totals("googlenet?branch3=5x5").params, lrn_on.params);

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

TEST(ZooWeights, IndependentOfCalibrationAndBatch) {
  Model off = zoo_model("mobilenet_v1?alpha=0.25&resolution=64", Calibration::kOff);
  Model on = zoo_model("mobilenet_v1?alpha=0.25&resolution=64", Calibration::kOn);
  Model batch2 = zoo_model("mobilenet_v1?alpha=0.25&resolution=96&batch=2", Calibration::kOff);
  const Tensor &a = first_weight(off), &b = first_weight(on), &c = first_weight(batch2);
  EXPECT_EQ(std::memcmp(a.raw(), b.raw(), a.nbytes()), 0);
  EXPECT_EQ(std::memcmp(a.raw(), c.raw(), a.nbytes()), 0);
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
