// .kite files with fp16 weights (KiteWriteOptions::fp16_weights, `kite convert --fp16`): what is
// narrowed, what the reader gives back, the size, and that files from before fp16 storage load
// as they did.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <filesystem>

#include "core/half.h"
#include "format/kite_file.h"
#include "graph_fixtures.h"
#include "kite/session.h"
#include "op_test_util.h"

namespace kite {
namespace {

namespace fs = std::filesystem;

std::string temp_path(const std::string& name) { return (fs::temp_directory_path() / name).string(); }

void save(const Model& m, const std::string& path, bool fp16) {
  KiteWriteOptions options;
  options.fp16_weights = fp16;
  write_kite_file(m.graph(), path, options);
}

Tensor run(const Model& m, const Shape& input_shape) {
  Session s(m);
  return s.run({{m.inputs()[0].name, test::ramp(input_shape, 1.f)}})[0].second;
}

bool same_bits(const Tensor& a, const Tensor& b) {
  return a.dtype() == b.dtype() && a.shape() == b.shape() && std::memcmp(a.raw(), b.raw(), a.nbytes()) == 0;
}

// Equal shapes and types; f32 values within 1e-5 relative, others equal.
bool close(const Tensor& a, const Tensor& b) {
  if (a.dtype() != b.dtype() || a.shape() != b.shape()) return false;
  if (a.dtype() != DType::f32) return same_bits(a, b);
  for (int64_t i = 0; i < a.numel(); ++i) {
    float x = a.data<float>()[i], y = b.data<float>()[i];
    if (!(std::fabs(x - y) <= 1e-5f * (1.f + std::fabs(x)))) return false;
  }
  return true;
}

// One 3x3 convolution of 64 to 64 channels: nearly all of the file is its weights.
Graph wide_conv() {
  Graph g;
  int x = test::add_input(g, "x", {1, 64, 4, 4});
  Attributes conv;
  conv.set_ints("pads", {1, 1, 1, 1});
  int w = g.add_constant("w", test::ramp({64, 64, 3, 3}, 0.05f));
  int b = g.add_constant("b", test::ramp({64}, 0.1f));
  g.outputs.push_back(test::add_node(g, "Conv", "conv", {x, w, b}, conv));
  return g;
}

TEST(KiteFp16, WeightsReadBackAsTheirFp16RoundingAndSmallConstantsExact) {
  Model original = Model::from_graph(test::tiny_cnn());
  std::string path = temp_path("kite_fp16_roundtrip.kite");
  save(original, path, /*fp16=*/true);
  Model loaded = Model::load_kite(path);
  fs::remove(path);
  const Graph& a = original.graph();
  const Graph& b = loaded.graph();
  ASSERT_EQ(a.values.size(), b.values.size());
  int narrowed = 0;
  for (size_t i = 0; i < a.values.size(); ++i) {
    if (!a.values[i].constant) continue;
    const Tensor& before = *a.values[i].constant;
    const Tensor& after = *b.values[i].constant;
    ASSERT_EQ(after.dtype(), DType::f32) << a.values[i].name;  // the graph never sees fp16
    ASSERT_EQ(after.shape(), before.shape()) << a.values[i].name;
    EXPECT_EQ(reinterpret_cast<uintptr_t>(after.raw()) % 64, 0u) << a.values[i].name;
    if (!kite_stores_as_fp16(before)) {
      EXPECT_TRUE(same_bits(after, before)) << a.values[i].name << " must stay exact";
      continue;
    }
    ++narrowed;
    for (int64_t k = 0; k < before.numel(); ++k)
      ASSERT_EQ(after.data<float>()[k], half_to_float(float_to_half(before.data<float>()[k])))
          << a.values[i].name << "[" << k << "]";
  }
  EXPECT_EQ(narrowed, 2);  // conv.weight (108) and fc.weight (20); the biases (4, 5) stay f32
  Tensor out = run(loaded, {1, 3, 8, 8});
  Tensor reference = run(original, {1, 3, 8, 8});
  for (int64_t k = 0; k < out.numel(); ++k) EXPECT_NEAR(out.data<float>()[k], reference.data<float>()[k], 1e-2);
}

TEST(KiteFp16, WhichConstantsAreNarrowed) {
  EXPECT_TRUE(kite_stores_as_fp16(Tensor(DType::f32, {17})));
  EXPECT_TRUE(kite_stores_as_fp16(Tensor(DType::f32, {8, 3, 3, 3})));
  EXPECT_FALSE(kite_stores_as_fp16(Tensor(DType::f32, {16})));
  EXPECT_FALSE(kite_stores_as_fp16(Tensor(DType::f32, {})));
  EXPECT_FALSE(kite_stores_as_fp16(Tensor(DType::s64, {100})));
  EXPECT_FALSE(kite_stores_as_fp16(Tensor(DType::u8, {100})));
}

TEST(KiteFp16, FileIsAboutHalfAndWritingItAgainChangesNothing) {
  Model original = Model::from_graph(wide_conv());
  std::string fp32 = temp_path("kite_fp16_size32.kite"), fp16 = temp_path("kite_fp16_size16.kite");
  std::string again = temp_path("kite_fp16_again.kite");
  save(original, fp32, false);
  save(original, fp16, true);
  const double ratio = static_cast<double>(fs::file_size(fp16)) / static_cast<double>(fs::file_size(fp32));
  EXPECT_LT(ratio, 0.52);
  EXPECT_GT(ratio, 0.48);
  // The fp16 model written as fp16 again: the same weights, the same bytes.
  Model loaded = Model::load_kite(fp16);
  save(loaded, again, true);
  EXPECT_EQ(test::slurp(again), test::slurp(fp16));
  // And it runs, close to the f32 weights' result.
  Tensor out = run(loaded, {1, 64, 4, 4}), reference = run(original, {1, 64, 4, 4});
  for (int64_t k = 0; k < out.numel(); ++k) EXPECT_NEAR(out.data<float>()[k], reference.data<float>()[k], 2e-2);
  for (const std::string& p : {fp32, fp16, again}) fs::remove(p);
}

// tests/data/kite/tiny_cnn_fp32.kite is test::tiny_cnn() as written before fp16 storage existed.
// It must load as it always did, and a file written today without fp16_weights must read back
// the same way. (Not compared byte for byte: the FlatBuffer's layout depends on the order in which
// the compiler evaluates the writer's arguments, which differs between GCC and Clang.)
TEST(KiteFp16, FilesFromBeforeFp16StorageLoadUnchanged) {
  const std::string fixture = std::string(KITE_TEST_DATA_DIR) + "/kite/tiny_cnn_fp32.kite";
  Model old_file = Model::load_kite(fixture);
  Model original = Model::from_graph(test::tiny_cnn());
  const Graph& a = original.graph();
  const Graph& b = old_file.graph();
  ASSERT_EQ(a.values.size(), b.values.size());
  // The file was written on x86-64; tiny_cnn()'s weights come from float arithmetic that another
  // CPU (ARM64's fused multiply-adds) rounds differently in the last bits: close, not equal.
  for (size_t i = 0; i < a.values.size(); ++i)
    if (a.values[i].constant) {
      ASSERT_TRUE(b.values[i].constant) << a.values[i].name;
      EXPECT_TRUE(close(*a.values[i].constant, *b.values[i].constant)) << a.values[i].name;
    }
  EXPECT_TRUE(close(run(old_file, {1, 3, 8, 8}), run(original, {1, 3, 8, 8})));
  std::string path = temp_path("kite_fp16_fp32_today.kite");
  save(original, path, false);
  Model today = Model::load_kite(path);
  EXPECT_TRUE(same_bits(run(today, {1, 3, 8, 8}), run(original, {1, 3, 8, 8})));
  fs::remove(path);
}

TEST(KiteFp16, TruncatedOrCorruptFp16FilesAreErrorsNotCrashes) {
  std::string path = temp_path("kite_fp16_corrupt.kite");
  save(Model::from_graph(test::tiny_cnn()), path, true);
  std::string bytes = test::slurp(path);
  fs::remove(path);
  for (size_t n = 0; n < bytes.size(); n += (n < 256 ? 1 : 61))
    EXPECT_THROW(Model::from_graph(read_kite_bytes(bytes.data(), n)), Error) << "length " << n;
  size_t errors = 0;
  for (size_t i = 8; i < bytes.size(); i += 5) {
    std::string copy = bytes;
    copy[i] = static_cast<char>(copy[i] ^ 0x5a);
    try {
      Model::from_graph(read_kite_bytes(copy.data(), copy.size()));
    } catch (const Error&) {
      ++errors;
    }
  }
  EXPECT_GT(errors, 0u);
}

}  // namespace
}  // namespace kite
