#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>
#include <fstream>

#include "format/kite_file.h"
#include "graph_fixtures.h"
#include "kite/session.h"
#include "op_test_util.h"

namespace kite {
namespace {

using test::slurp;

std::string temp_path(const std::string& name) { return (std::filesystem::temp_directory_path() / name).string(); }

Tensor run(const Model& m) {
  Session s(m);
  return s.run({{"image", test::ramp({1, 3, 8, 8}, 1.f)}})[0].second;
}

TEST(KiteFormat, RoundTripGivesIdenticalOutputsAndAlignedWeights) {
  Model original = Model::from_graph(test::tiny_cnn());
  std::string path = temp_path("kite_roundtrip.kite");
  original.save_kite(path);
  EXPECT_TRUE(is_kite_file(path));
  EXPECT_FALSE(std::filesystem::exists(path + ".tmp"));
  Model loaded = Model::load_kite(path);
  for (const Value& v : loaded.graph().values)
    if (v.constant) {
      EXPECT_EQ(reinterpret_cast<uintptr_t>(v.constant->raw()) % 64, 0u) << v.name;
    }
  Tensor a = run(original), b = run(loaded);
  ASSERT_EQ(a.shape(), b.shape());
  EXPECT_EQ(std::memcmp(a.raw(), b.raw(), a.nbytes()), 0);
  EXPECT_EQ(loaded.inputs()[0].name, "image");
  EXPECT_EQ(loaded.outputs()[0].name, "scores");
  std::filesystem::remove(path);
}

TEST(KiteFormat, EveryTruncationIsAnErrorNotACrash) {
  std::string path = temp_path("kite_truncate.kite");
  Model::from_graph(test::tiny_cnn()).save_kite(path);
  std::string bytes = slurp(path);
  std::filesystem::remove(path);
  for (size_t n = 0; n < bytes.size(); n += (n < 256 ? 1 : 61))
    EXPECT_THROW(Model::from_graph(read_kite_bytes(bytes.data(), n)), Error) << "length " << n;
}

TEST(KiteFormat, CorruptBytesNeverCrash) {
  std::string path = temp_path("kite_corrupt.kite");
  Model::from_graph(test::tiny_cnn()).save_kite(path);
  std::string bytes = slurp(path);
  std::filesystem::remove(path);
  size_t errors = 0;
  for (size_t i = 8; i < bytes.size(); i += 7) {
    std::string copy = bytes;
    copy[i] = static_cast<char>(copy[i] ^ 0x5a);
    try {
      Model::from_graph(read_kite_bytes(copy.data(), copy.size()));
    } catch (const Error&) {
      ++errors;
    }
  }
  EXPECT_GT(errors, 0u);  // most flips in the graph section must be detected
}

TEST(KiteFormat, RejectsOtherFiles) {
  std::string path = temp_path("kite_not_a_model.kite");
  std::ofstream(path) << "hello, this is not a model";
  EXPECT_FALSE(is_kite_file(path));
  EXPECT_THROW(Model::load_kite(path), Error);
  std::filesystem::remove(path);
  EXPECT_THROW(Model::load_kite(temp_path("kite_does_not_exist.kite")), Error);
}

}  // namespace
}  // namespace kite
