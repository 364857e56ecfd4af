// ONNX's own backend tests (Debian package libonnx-testdata): each test folder holds model.onnx
// and test_data_set_N/{input,output}_K.pb. Every test whose model uses only operators kite
// implements must pass, or be listed in kOutOfScope with the reason. The data folder comes from
// KITE_ONNX_TESTDATA (default: the package's location); a missing folder fails the suite.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "kite/onnx.h"
#include "kite/session.h"
#include "onnx/onnx_messages.h"
#include "ops/op.h"
#include "ops/op_util.h"

namespace fs = std::filesystem;

namespace kite {
namespace {

// Tests of supported operators that kite deliberately does not pass. Each must be refused with a
// kite::Error whose message contains the given text (never a wrong answer or a crash).
struct OutOfScope {
  const char* reason;
  const char* error_contains;
};
const std::map<std::string, OutOfScope> kOutOfScope = [] {
  std::map<std::string, OutOfScope> m;
  auto add = [&](std::initializer_list<const char*> names, OutOfScope why) {
    for (const char* n : names) m[std::string("node/") + n] = why;
  };
  add({"test_batchnorm_epsilon_training_mode", "test_batchnorm_example_training_mode", "test_training_dropout",
       "test_training_dropout_default", "test_training_dropout_default_mask", "test_training_dropout_mask",
       "test_training_dropout_zero_ratio", "test_training_dropout_zero_ratio_mask"},
      {"training mode: kite is an inference engine", "not supported: kite runs inference only"});
  add({"test_cast_BFLOAT16_to_FLOAT", "test_cast_FLOAT_to_BFLOAT16", "test_castlike_BFLOAT16_to_FLOAT_expanded",
       "test_castlike_FLOAT_to_BFLOAT16_expanded"},
      {"bfloat16 is not one of kite's types", "data type 16"});
  add({"test_cast_FLOAT_to_STRING", "test_cast_STRING_to_FLOAT", "test_castlike_FLOAT_to_STRING_expanded",
       "test_castlike_STRING_to_FLOAT_expanded"},
      {"string tensors are not one of kite's types", "data type 8"});
  add({"test_clip_default_int8_inbounds", "test_clip_default_int8_max", "test_clip_default_int8_min"},
      {"Clip on int8 tensors: float activations only (int8 networks clamp inside their kernels)", "must be f32"});
  add({"test_identity_opt", "test_identity_sequence"},
      {"optional and sequence types: kite runs tensors only", "has no element type"});
  add({"test_resize_downsample_scales_cubic", "test_resize_downsample_scales_cubic_A_n0p5_exclude_outside",
       "test_resize_downsample_scales_cubic_align_corners", "test_resize_downsample_sizes_cubic",
       "test_resize_upsample_scales_cubic", "test_resize_upsample_scales_cubic_A_n0p5_exclude_outside",
       "test_resize_upsample_scales_cubic_align_corners", "test_resize_upsample_scales_cubic_asymmetric",
       "test_resize_upsample_sizes_cubic"},
      {"cubic Resize: kite implements nearest and linear", "mode 'cubic' is not supported"});
  return m;
}();

std::string data_root() {
  const char* env = std::getenv("KITE_ONNX_TESTDATA");
  return env ? env : "/usr/share/libonnx-testdata/data";
}

std::string read_bytes(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// The operators a test model uses; Constant nodes are imported as weights.
std::set<std::string> ops_of(const onnx::ModelProto& m) {
  std::set<std::string> ops;
  for (const auto& n : m.graph.nodes)
    if (n.op_type != "Constant") ops.insert(n.domain.empty() || n.domain == "ai.onnx" ? n.op_type : n.domain + "." + n.op_type);
  return ops;
}

bool all_supported(const std::set<std::string>& ops) {
  for (const std::string& op : ops)
    if (!find_op(op)) return false;
  return true;
}

struct BackendCase {
  std::string name;  // "node/test_relu"
  fs::path dir;
};

void PrintTo(const BackendCase& c, std::ostream* os) { *os << c.name; }

std::vector<BackendCase> discover(const std::vector<std::string>& suites) {
  std::vector<BackendCase> cases;
  for (const std::string& suite : suites) {
    fs::path root = fs::path(data_root()) / suite;
    if (!fs::is_directory(root)) continue;
    for (const auto& entry : fs::directory_iterator(root))
      if (fs::exists(entry.path() / "model.onnx")) cases.push_back({suite + "/" + entry.path().filename().string(), entry.path()});
  }
  std::sort(cases.begin(), cases.end(), [](const BackendCase& a, const BackendCase& b) { return a.name < b.name; });
  return cases;
}

// f32: |got - want| <= atol + rtol * |want|, the form ONNX's own runner uses, tighter. Integers
// and booleans exactly.
void expect_close(const Tensor& got, const Tensor& want, const std::string& what) {
  ASSERT_EQ(dtype_name(got.dtype()), std::string(dtype_name(want.dtype()))) << what;
  ASSERT_EQ(shape_to_string(got.shape()), shape_to_string(want.shape())) << what;
  const double rtol = 1e-4, atol = 1e-5;
  int64_t bad = 0, first_bad = -1;
  for (int64_t i = 0; i < got.numel(); ++i) {
    double g = element_as_double(got, i), w = element_as_double(want, i);
    bool ok = (std::isnan(g) && std::isnan(w)) || g == w || std::fabs(g - w) <= atol + rtol * std::fabs(w);
    if (!ok && bad++ == 0) first_bad = i;
  }
  EXPECT_EQ(bad, 0) << what << ": " << bad << " of " << got.numel() << " elements differ; first at " << first_bad
                    << ": got " << element_as_double(got, first_bad) << ", want " << element_as_double(want, first_bad);
}

void run_case(const BackendCase& c) {
  std::string bytes = read_bytes(c.dir / "model.onnx");
  Model model = import_onnx_bytes(bytes.data(), bytes.size(), c.name);
  Session session(model);
  int sets = 0;
  for (int s = 0; fs::is_directory(c.dir / ("test_data_set_" + std::to_string(s))); ++s, ++sets) {
    fs::path set = c.dir / ("test_data_set_" + std::to_string(s));
    NamedTensors inputs;
    std::vector<TensorInfo> infos = model.inputs();
    for (size_t k = 0; k < infos.size(); ++k) {
      std::string b = read_bytes(set / ("input_" + std::to_string(k) + ".pb"));
      inputs.emplace_back(infos[k].name, onnx::parse_tensor(b).tensor);
    }
    NamedTensors outputs = session.run(inputs);
    for (size_t k = 0; k < outputs.size(); ++k) {
      fs::path want_path = set / ("output_" + std::to_string(k) + ".pb");
      ASSERT_TRUE(fs::exists(want_path)) << want_path;
      std::string b = read_bytes(want_path);
      expect_close(outputs[k].second, onnx::parse_tensor(b).tensor, c.name + " set " + std::to_string(s) + " output " + std::to_string(k));
    }
  }
  EXPECT_GT(sets, 0) << c.name << " has no test data";
}

class OnnxBackend : public ::testing::TestWithParam<BackendCase> {};

TEST_P(OnnxBackend, MatchesExpectedOutputs) {
  const BackendCase& c = GetParam();
  try {
    run_case(c);
  } catch (const Error& e) {
    FAIL() << e.what();
  }
}

// Out-of-scope tests still run: each must fail cleanly, with the error the list names.
class OnnxBackendOutOfScope : public ::testing::TestWithParam<BackendCase> {};

TEST_P(OnnxBackendOutOfScope, IsRefusedWithAClearError) {
  const BackendCase& c = GetParam();
  const OutOfScope& why = kOutOfScope.at(c.name);
  try {
    run_case(c);
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(why.error_contains), std::string::npos) << e.what();
    return;
  }
  FAIL() << c.name << " ran without an error; if it passes now, remove it from kOutOfScope (" << why.reason << ")";
}

std::string case_name(const ::testing::TestParamInfo<BackendCase>& info) {
  std::string s = info.param.name;
  for (char& ch : s)
    if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
  return s;
}

// The tests kite must pass: every operator in the model implemented, and not listed out of scope.
std::vector<BackendCase> runnable_cases() {
  std::vector<BackendCase> out;
  for (const BackendCase& c : discover({"node", "pytorch-converted", "pytorch-operator", "simple"})) {
    if (kOutOfScope.count(c.name)) continue;
    try {
      if (all_supported(ops_of(onnx::parse_model(read_bytes(c.dir / "model.onnx"))))) out.push_back(c);
    } catch (const Error&) {
      out.push_back(c);  // an unreadable test model is a failure, reported by the test itself
    }
  }
  return out;
}

INSTANTIATE_TEST_SUITE_P(Onnx, OnnxBackend, ::testing::ValuesIn(runnable_cases()), case_name);

std::vector<BackendCase> out_of_scope_cases() {
  std::vector<BackendCase> out;
  for (const BackendCase& c : discover({"node"}))
    if (kOutOfScope.count(c.name)) out.push_back(c);
  return out;
}

INSTANTIATE_TEST_SUITE_P(Onnx, OnnxBackendOutOfScope, ::testing::ValuesIn(out_of_scope_cases()), case_name);

TEST(OnnxBackendData, IsInstalledAndCoversEverySupportedOperator) {
  std::vector<BackendCase> cases = discover({"node"});
  ASSERT_GT(cases.size(), 100u) << "ONNX backend test data not found under " << data_root()
                                << " (install Debian's libonnx-testdata or set KITE_ONNX_TESTDATA)";
  std::set<std::string> tested;
  for (const BackendCase& c : cases) {
    std::set<std::string> ops = ops_of(onnx::parse_model(read_bytes(c.dir / "model.onnx")));
    if (all_supported(ops) && !kOutOfScope.count(c.name)) tested.insert(ops.begin(), ops.end());
  }
  for (const std::string& op : supported_ops())
    EXPECT_TRUE(tested.count(op)) << op << " has no ONNX backend test that kite runs";
}

// The out-of-scope list must not hide tests that were fixed or removed.
TEST(OnnxBackendData, OutOfScopeEntriesExist) {
  for (const auto& [name, reason] : kOutOfScope)
    EXPECT_TRUE(fs::exists(fs::path(data_root()) / name / "model.onnx")) << name << " is listed but missing";
}

}  // namespace
}  // namespace kite
