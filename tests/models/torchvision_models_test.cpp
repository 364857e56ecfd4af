// Whole networks against PyTorch: scripts/export_torchvision_models.py exports torchvision models
// (random seeded weights) with a fixed input and PyTorch's output; kite must match within
// max|diff| <= 1e-4 * max|ref| with the same top-1 class, from the .onnx file and from the .kite
// file converted from it (bit-identical to each other). KITE_MODEL_DIR names the export folder.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>

#include "io/npy.h"
#include "kite/onnx.h"
#include "kite/session.h"

namespace fs = std::filesystem;

namespace kite {
namespace {

struct ModelCase {
  std::string folder;  // under KITE_MODEL_DIR: one per export opset
  std::string name;
};

void PrintTo(const ModelCase& c, std::ostream* os) { *os << c.folder << "/" << c.name; }

fs::path model_dir() {
  const char* env = std::getenv("KITE_MODEL_DIR");
  return env ? env : "models";
}

int64_t argmax(const Tensor& t) {
  const float* p = t.data<float>();
  return std::max_element(p, p + t.numel()) - p;
}

Tensor run_once(const Model& model, const Tensor& input) {
  Session session(model);
  NamedTensors out = session.run({{model.inputs()[0].name, input}});
  return out[0].second;
}

class TorchvisionModel : public ::testing::TestWithParam<ModelCase> {};

TEST_P(TorchvisionModel, MatchesPyTorch) {
  const ModelCase& c = GetParam();
  fs::path base = model_dir() / c.folder / c.name;
  for (const char* ext : {".onnx", ".input.npy", ".output.npy"})
    ASSERT_TRUE(fs::exists(base.string() + ext)) << base.string() + ext
                                                 << " is missing: run scripts/export_torchvision_models.py";
  Tensor input = read_npy(base.string() + ".input.npy");
  Tensor want = read_npy(base.string() + ".output.npy");

  Model model = import_onnx(base.string() + ".onnx");
  Tensor got = run_once(model, input);
  ASSERT_EQ(got.shape(), want.shape());
  const float* g = got.data<float>();
  const float* w = want.data<float>();
  float max_ref = 0, max_diff = 0;
  for (int64_t i = 0; i < want.numel(); ++i) {
    max_ref = std::max(max_ref, std::fabs(w[i]));
    max_diff = std::max(max_diff, std::fabs(g[i] - w[i]));
  }
  ASSERT_GT(max_ref, 0.f) << "reference output is all zeros: the test would prove nothing";
  EXPECT_LE(max_diff, 1e-4f * max_ref) << "max|diff| " << max_diff << ", max|ref| " << max_ref;
  EXPECT_EQ(argmax(got), argmax(want));

  fs::path kite_file = fs::temp_directory_path() / (c.folder + "_" + c.name + ".kite");
  model.save_kite(kite_file.string());
  Tensor from_kite = run_once(Model::load_kite(kite_file.string()), input);
  fs::remove(kite_file);
  ASSERT_EQ(from_kite.shape(), got.shape());
  EXPECT_TRUE(std::equal(g, g + got.numel(), from_kite.data<float>())) << ".kite and .onnx outputs differ";
}

std::string case_name(const ::testing::TestParamInfo<ModelCase>& info) {
  return info.param.folder + "_" + info.param.name;
}

INSTANTIATE_TEST_SUITE_P(
    Opset13, TorchvisionModel,
    ::testing::Values(ModelCase{"opset13", "mobilenet_v1"}, ModelCase{"opset13", "mobilenet_v2"},
                      ModelCase{"opset13", "resnet18"}, ModelCase{"opset13", "resnet50"},
                      ModelCase{"opset13", "googlenet"}, ModelCase{"opset13", "inception_v3"},
                      ModelCase{"opset13", "squeezenet1_1"}, ModelCase{"opset13", "shufflenet_v2_x1_0"},
                      ModelCase{"opset13", "mobilenet_v3_large"}, ModelCase{"opset13", "efficientnet_b0"}),
    case_name);

// The opsets at the ends of the supported range, where attributes moved to inputs.
INSTANTIATE_TEST_SUITE_P(OtherOpsets, TorchvisionModel,
                         ::testing::Values(ModelCase{"opset11", "mobilenet_v2"}, ModelCase{"opset11", "shufflenet_v2_x1_0"},
                                           ModelCase{"opset17", "mobilenet_v3_large"}, ModelCase{"opset17", "shufflenet_v2_x1_0"}),
                         case_name);

}  // namespace
}  // namespace kite
