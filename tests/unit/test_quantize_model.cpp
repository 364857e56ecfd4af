// Post-training quantization (src/quant): calibration ranges, the QDQ graph it writes, and the
// int8 session made from it (passes/fuse_qdq.cpp) on a trained network from models/.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <random>

#include "graph/graph.h"
#include "kernels/requantize.h"
#include "kite/onnx.h"
#include "graph_fixtures.h"
#include "quant/compare_models.h"
#include "quant/quantize_model.h"

namespace kite {
namespace {

const std::string kModels = std::string(KITE_TEST_DATA_DIR) + "/../../models/fashion_mnist/";

std::vector<NamedTensors> random_samples(const Model& m, int count, uint32_t seed) {
  std::mt19937 random(seed);
  std::normal_distribution<float> normal(0.f, 1.f);
  std::vector<NamedTensors> samples;
  for (int i = 0; i < count; ++i) {
    Tensor t(DType::f32, m.inputs()[0].shape);
    for (int64_t k = 0; k < t.numel(); ++k) t.data<float>()[k] = normal(random);
    samples.push_back({{m.inputs()[0].name, t}});
  }
  return samples;
}

Tensor run(const Model& m, const NamedTensors& in, bool optimize = true, int threads = 1) {
  SessionOptions o;
  o.optimize = optimize;
  o.threads = threads;
  return Session(m, o).run(in)[0].second;
}

double cosine(const Tensor& a, const Tensor& b) {
  double ab = 0, aa = 0, bb = 0;
  for (int64_t i = 0; i < a.numel(); ++i) {
    ab += double(a.data<float>()[i]) * b.data<float>()[i];
    aa += double(a.data<float>()[i]) * a.data<float>()[i];
    bb += double(b.data<float>()[i]) * b.data<float>()[i];
  }
  return ab / std::sqrt(aa * bb);
}

TEST(QuantizeModel, EveryConvolutionAndGemmRunsInInt8AndTheOutputStaysClose) {
  for (const char* name : {"resnet_fm.onnx", "mobilenet_v2_fm.onnx"}) {
    Model fp32 = import_onnx(kModels + name);
    Model int8 = quantize_model(fp32, random_samples(fp32, 8, 1), QuantizeOptions{});
    int weighted = 0, gemms = 0;
    for (const Session::PlannedNode& n : Session(int8).plan()) {
      for (const char* op : {"Conv", "FusedConv", "Gemm"}) EXPECT_NE(n.op, op) << name << ": " << n.name << " was left in fp32";
      if (n.op == "FusedQLinearConv" || n.op == "FusedQLinearGemm") {
        ++weighted;
        gemms += n.op == "FusedQLinearGemm";
        EXPECT_NE(n.kernel, "reference") << name << ": " << n.name;
      }
    }
    EXPECT_EQ(weighted, static_cast<int>(quantizable_nodes(fp32).size())) << name;
    EXPECT_EQ(gemms, 1) << name << ": the classifier";
    NamedTensors input = random_samples(fp32, 1, 99)[0];
    Tensor want = run(fp32, input), got = run(int8, input);
    EXPECT_GT(cosine(want, got), 0.99) << name;
    // The int8 kernels' output is the same for any thread count.
    Tensor two = run(int8, input, true, 2);
    EXPECT_EQ(std::memcmp(got.raw(), two.raw(), got.nbytes()), 0) << name;
    // The QDQ graph run in float by the reference kernels (what ONNX Runtime's QDQ semantics
    // are) agrees with the int8 kernels to within rounding.
    Tensor qdq = run(int8, input, false);
    EXPECT_GT(cosine(qdq, got), 0.999) << name;
  }
}

TEST(QuantizeModel, ExcludedNodesStayFloatAndWeightsStayInt8InTheFile) {
  Model fp32 = import_onnx(kModels + "resnet_fm.onnx");
  std::vector<std::string> names = quantizable_nodes(fp32);
  ASSERT_FALSE(names.empty());
  QuantizeOptions o;
  o.exclude = {names[0]};
  Model int8 = quantize_model(fp32, random_samples(fp32, 4, 2), o);
  bool found = false;
  for (const Session::PlannedNode& n : Session(int8).plan())
    if (n.name == names[0]) found = n.op == "FusedConv" || n.op == "Conv";
  EXPECT_TRUE(found) << names[0] << " should run in fp32";
  int64_t s8_weights = 0;
  for (const Value& v : int8.graph().values)
    if (v.constant && v.constant->dtype() == DType::s8) s8_weights += v.constant->numel();
  EXPECT_GT(s8_weights, 50000);  // the ResNet's ~96k parameters, minus the excluded layer
  o.exclude.clear();
  o.weight_bits = 7;  // [-63, 63]
  Model narrow = quantize_model(fp32, random_samples(fp32, 2, 2), o);
  int8_t lo = 0, hi = 0;
  for (const Value& v : narrow.graph().values)
    if (v.constant && v.constant->dtype() == DType::s8)
      for (int64_t i = 0; i < v.constant->numel(); ++i) {
        lo = std::min(lo, v.constant->data<int8_t>()[i]);
        hi = std::max(hi, v.constant->data<int8_t>()[i]);
      }
  EXPECT_EQ(lo, -63);
  EXPECT_EQ(hi, 63);
  o.weight_bits = 6;
  EXPECT_THROW(quantize_model(fp32, random_samples(fp32, 1, 3), o), Error);
  o.weight_bits = 8;
  o.exclude = {"no such node"};
  EXPECT_THROW(quantize_model(fp32, random_samples(fp32, 1, 3), o), Error);
  EXPECT_THROW(quantize_model(fp32, {}, QuantizeOptions{}), Error);
}

// A convolution whose weights are tiny next to its bias (a near-zero BatchNormalization gamma
// folded in): b / (x_scale * w_scale) would overflow the int32 bias; the weight scale is raised.
TEST(QuantizeModel, BiasesAlwaysFitTheirInt32) {
  Graph g;
  int x = test::add_input(g, "x", {1, 2, 6, 6});
  Tensor w1 = Tensor::from_floats({3, 2, 3, 3}, std::vector<float>(54, 1e-9f));
  Tensor b1 = Tensor::from_floats({3}, {0.5f, -0.25f, 0.f});
  int c1 = test::add_node(g, "Conv", "conv1", {x, g.add_constant("w1", w1), g.add_constant("b1", b1)});
  int r1 = test::add_node(g, "Relu", "relu1", {c1});
  Tensor w2 = Tensor::from_floats({2, 3, 1, 1}, {0.5f, -0.5f, 0.25f, 1.f, 0.5f, -1.f});
  int c2 = test::add_node(g, "Conv", "conv2", {r1, g.add_constant("w2", w2)});
  g.outputs.push_back(c2);
  Model fp32 = Model::from_graph(g);
  Model int8 = quantize_model(fp32, random_samples(fp32, 2, 5), QuantizeOptions{});
  for (const Value& v : int8.graph().values) {
    if (!v.constant || v.constant->dtype() != DType::s32) continue;
    for (int64_t i = 0; i < v.constant->numel(); ++i) EXPECT_LE(std::abs(v.constant->data<int32_t>()[i]), 1 << 30);
  }
  NamedTensors input = random_samples(fp32, 1, 6)[0];
  Tensor want = run(fp32, input), got = run(int8, input);
  for (int64_t i = 0; i < want.numel(); ++i) EXPECT_NEAR(got.data<float>()[i], want.data<float>()[i], 0.02f);
}

// A fully connected layer A x B^T + C (transB = 1, alpha = beta = 1) after a convolution gets int8
// weights and runs as FusedQLinearGemm; Gemms of other forms (B not transposed, a scaled product)
// stay fp32, reading the dequantized input. All agree with the fp32 model.
TEST(QuantizeModel, FullyConnectedGemmsOfTheLinearFormBecomeInt8) {
  for (int form = 0; form < 3; ++form) {
    Graph g;
    int x = test::add_input(g, "x", {1, 2, 4, 4});
    int c = test::add_node(g, "Conv", "conv", {x, g.add_constant("w", test::ramp({3, 2, 3, 3}, 0.05f))});
    int r = test::add_node(g, "Relu", "relu", {c});
    int flat = test::add_node(g, "Flatten", "flatten", {r});
    Attributes attrs;
    attrs.set_int("transB", form == 1 ? 0 : 1);
    if (form == 2) attrs.set_float("alpha", 0.5f);
    Shape b_shape = form == 1 ? Shape{12, 5} : Shape{5, 12};
    int fc = test::add_node(g, "Gemm", "fc", {flat, g.add_constant("b", test::ramp(b_shape, 0.03f)),
                                              g.add_constant("c", Tensor::from_floats({5}, {0.1f, -0.2f, 0.3f, 0.f, 1.f}))},
                            attrs);
    g.outputs.push_back(fc);
    Model fp32 = Model::from_graph(g);
    std::vector<std::string> names = quantizable_nodes(fp32);
    EXPECT_EQ(std::count(names.begin(), names.end(), "fc"), form == 0 ? 1 : 0) << "form " << form;
    Model int8 = quantize_model(fp32, random_samples(fp32, 4, 7), QuantizeOptions{});
    std::string fc_op;
    for (const Session::PlannedNode& n : Session(int8).plan())
      if (n.name == "fc") fc_op = n.op;
    EXPECT_EQ(fc_op, form == 0 ? "FusedQLinearGemm" : "Gemm") << "form " << form;
    NamedTensors input = random_samples(fp32, 1, 8)[0];
    Tensor want = run(fp32, input), got = run(int8, input);
    ASSERT_EQ(got.shape(), (Shape{1, 5}));
    for (int64_t i = 0; i < want.numel(); ++i)
      EXPECT_NEAR(got.data<float>()[i], want.data<float>()[i], 0.02f * (1.f + std::fabs(want.data<float>()[i])))
          << "form " << form;
  }
}

// A QDQ Gemm from another quantizer: fused when its weights are symmetric (zero points 0) and C
// has one value per output ([N] or [1, N]); asymmetric weights keep the float Gemm. Either way
// the session's result matches the QDQ graph run by the reference kernels.
TEST(QuantizeModel, QdqGemmsFuseOnlyWithSymmetricWeights) {
  for (int variant = 0; variant < 3; ++variant) {
    Graph g;
    int x = test::add_input(g, "x", {1, 8});
    Tensor zp(DType::u8, {});
    zp.data<uint8_t>()[0] = 120;
    int xs = g.add_constant("xs", Tensor::from_floats({}, {0.02f})), xz = g.add_constant("xz", zp);
    int xq = test::add_node(g, "QuantizeLinear", "xq", {x, xs, xz});
    int xd = test::add_node(g, "DequantizeLinear", "xd", {xq, xs, xz});
    Tensor w(DType::s8, {5, 8});
    for (int64_t i = 0; i < w.numel(); ++i) w.data<int8_t>()[i] = static_cast<int8_t>(i * 37 % 255 - 127);
    Tensor wz(DType::s8, {5});
    if (variant == 2) wz.data<int8_t>()[3] = 4;
    Attributes axis;
    axis.set_int("axis", 0);
    int wd = test::add_node(g, "DequantizeLinear", "wd",
                            {g.add_constant("w", w), g.add_constant("ws", test::ramp({5}, 0.01f)), g.add_constant("wz", wz)},
                            axis);
    Shape c_shape = variant == 1 ? Shape{1, 5} : Shape{5};
    Attributes attrs;
    attrs.set_int("transB", 1);
    int y = test::add_node(g, "Gemm", "fc", {xd, wd, g.add_constant("c", Tensor::from_floats(c_shape, {0.5f, -1.f, 0.f, 2.f, 1.f}))},
                           attrs);
    g.outputs.push_back(y);
    Model m = Model::from_graph(g);
    std::string fc_op;
    for (const Session::PlannedNode& n : Session(m).plan())
      if (n.name == "fc") fc_op = n.op;
    EXPECT_EQ(fc_op, variant == 2 ? "Gemm" : "FusedQLinearGemm") << "variant " << variant;
    NamedTensors input = {{"x", test::ramp({1, 8}, 0.3f)}};
    Tensor want = run(m, input, false), got = run(m, input);
    ASSERT_EQ(got.shape(), (Shape{1, 5}));
    // The bias is rounded to the int32 grid of x_scale * w_scale: half a step at most.
    for (int64_t i = 0; i < want.numel(); ++i) EXPECT_NEAR(got.data<float>()[i], want.data<float>()[i], 1e-3f) << variant;
  }
}

TEST(CompareModels, MatchesQuantizedTensorsAndRanksTheWorstFirst) {
  Model fp32 = import_onnx(kModels + "resnet_fm.onnx");
  NamedTensors input = random_samples(fp32, 1, 4)[0];
  std::vector<TensorError> same = compare_models(fp32, fp32, input, 1);
  ASSERT_FALSE(same.empty());
  for (const TensorError& e : same) {
    EXPECT_EQ(e.max_abs, 0.0) << e.name;
    EXPECT_TRUE(std::isinf(e.sqnr_db)) << e.name;
  }
  Model int8 = quantize_model(fp32, random_samples(fp32, 8, 1), QuantizeOptions{});
  std::vector<TensorError> errors = compare_models(fp32, int8, input, 1);
  // Every quantized tensor (the convolutions' and Adds' outputs, ...) and the logits.
  EXPECT_GE(errors.size(), quantizable_nodes(fp32).size());
  for (size_t i = 1; i < errors.size(); ++i) EXPECT_LE(errors[i - 1].sqnr_db, errors[i].sqnr_db);
  for (const TensorError& e : errors) {
    EXPECT_GT(e.cosine, 0.95) << e.name;
    EXPECT_GT(e.max_abs, 0.0) << e.name;
    EXPECT_FALSE(e.producer.empty()) << e.name;
  }
}

TEST(Calibration, RangesOfEachMethod) {
  std::mt19937 random(5);
  std::uniform_real_distribution<float> uniform(0.f, 1.f);
  std::vector<float> x(200000);
  for (float& v : x) v = uniform(random);
  x[0] = 50.f;  // one outlier
  TensorStatistics s;
  s.observe_extremes(x.data(), static_cast<int64_t>(x.size()));
  s.observe_histogram(x.data(), static_cast<int64_t>(x.size()));
  Range minmax = s.range(CalibrationMethod::kMinMax, 0);
  EXPECT_EQ(minmax.hi, 50.f);
  EXPECT_GE(minmax.lo, 0.f);
  Range p = s.range(CalibrationMethod::kPercentile, 99.9);
  EXPECT_GT(p.hi, 0.95f);
  EXPECT_LT(p.hi, 1.1f);  // the outlier is clipped
  Range kl = s.range(CalibrationMethod::kKL, 0);
  EXPECT_GT(kl.hi, 0.5f);
  EXPECT_LT(kl.hi, 50.f);
  EXPECT_THROW(parse_calibration_method("median"), Error);
}

TEST(Requantize, RoundingIsToNearestEvenAndAddIsWithinOneStep) {
  std::mt19937 random(9);
  std::uniform_real_distribution<float> wide(-300.f, 300.f);
  for (int i = 0; i < 100000; ++i) {
    float y = i < 1000 ? static_cast<float>(i - 500) * 0.5f : wide(random);  // ties included
    EXPECT_EQ(round_half_even(y), std::nearbyint(y)) << y;
  }
  // The block form of quantize_value (the QuantizeLinear kernel's loop) equals it everywhere:
  // ties, saturation both ways, infinities, NaN.
  std::vector<float> x;
  for (int i = -600; i <= 600; ++i) x.push_back(static_cast<float>(i) * 0.25f);
  for (float v : {INFINITY, -INFINITY, NAN, 1e30f, -1e30f, 0.f, -0.f}) x.push_back(v);
  for (int i = 0; i < 5000; ++i) x.push_back(wide(random));
  for (int32_t zero_point : {0, 1, 128, 255}) {
    std::vector<uint8_t> y(x.size());
    quantize_u8_block(x.data(), y.data(), static_cast<int64_t>(x.size()), 0.5f, zero_point);
    for (size_t i = 0; i < x.size(); ++i)
      ASSERT_EQ(y[i], quantize_value(x[i], 0.5f, zero_point, 0, 255)) << x[i] << " zero point " << zero_point;
  }
  std::uniform_real_distribution<float> scale(0.001f, 0.2f);
  for (int i = 0; i < 2000; ++i) {
    float sa = scale(random), sb = scale(random), sy = scale(random);
    AddRequant r = make_add_requant(sa, sb, sy);
    int32_t qa = static_cast<int32_t>(random() % 256), qb = static_cast<int32_t>(random() % 256);
    double exact = ((qa - 128) * double(sa) + (qb - 3) * double(sb)) / sy + 10;
    int32_t got = requantize_add(qa, 128, qb, 3, r, 10, -100000, 100000);
    EXPECT_LE(std::fabs(got - exact), 0.5 + 1e-3) << sa << " " << sb << " " << sy;
  }
}

}  // namespace
}  // namespace kite
