#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "kite/onnx.h"
#include "kite/session.h"
#include "graph/graph.h"
#include "onnx/protobuf_reader.h"

namespace kite {
namespace {

std::string onnx_test_model(const std::string& test) {
  const char* env = std::getenv("KITE_ONNX_TESTDATA");
  return std::string(env ? env : KITE_ONNX_TESTDATA_DEFAULT) + "/node/" + test + "/model.onnx";
}

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

TEST(ProtobufReader, DecodesVarintsAndRejectsOverlongOnes) {
  const uint8_t msg[] = {0x08, 0x96, 0x01};  // field 1, varint 150
  pb::Reader r(msg, sizeof msg);
  ASSERT_TRUE(r.next());
  EXPECT_EQ(r.field(), 1u);
  EXPECT_EQ(r.read_int64(), 150);
  EXPECT_FALSE(r.next());
  const uint8_t overlong[] = {0x08, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01};
  pb::Reader bad(overlong, sizeof overlong);
  ASSERT_TRUE(bad.next());
  EXPECT_THROW(bad.read_int64(), Error);
}

TEST(ProtobufReader, LengthPastTheEndIsAnError) {
  const uint8_t msg[] = {0x0a, 0x05, 'a', 'b'};  // field 1, 5 bytes announced, 2 present
  pb::Reader r(msg, sizeof msg);
  ASSERT_TRUE(r.next());
  EXPECT_THROW(r.read_bytes(), Error);
}

TEST(OnnxImport, ImportsABackendTestModel) {
  Model m = import_onnx(onnx_test_model("test_conv_with_strides_padding"));
  ASSERT_EQ(m.inputs().size(), 2u);  // this test feeds the weight as an input
  EXPECT_EQ(m.inputs()[1].shape, (Shape{1, 1, 3, 3}));
  EXPECT_EQ(m.graph().nodes.size(), 1u);
  EXPECT_EQ(m.graph().nodes[0].op, "Conv");
}

TEST(OnnxImport, EveryTruncationIsAnErrorNotACrash) {
  std::string bytes = slurp(onnx_test_model("test_conv_with_strides_padding"));
  ASSERT_FALSE(bytes.empty());
  for (size_t n = 0; n + 1 < bytes.size(); ++n) {
    try {
      import_onnx_bytes(bytes.data(), n, "cut.onnx");
    } catch (const Error&) {
    }
  }
}

TEST(OnnxImport, NotAModelSaysSo) {
  std::string text = "this is a text file, not a model\n";
  std::string msg = error_of([&] { import_onnx_bytes(text.data(), text.size(), "notes.txt"); });
  EXPECT_NE(msg.find("notes.txt"), std::string::npos) << msg;
  EXPECT_NE(msg.find("not a valid ONNX model"), std::string::npos) << msg;
  EXPECT_NE(error_of([] { import_onnx("/nonexistent/model.onnx"); }).find("cannot open"), std::string::npos);
}

TEST(OnnxImport, LoadModelChoosesTheFormatByContent) {
  std::string kite_path = (std::filesystem::temp_directory_path() / "kite_import_test.onnx").string();
  import_onnx(onnx_test_model("test_relu")).save_kite(kite_path);  // a .kite file named .onnx
  Model m = load_model(kite_path);
  EXPECT_EQ(m.graph().nodes[0].op, "Relu");
  std::filesystem::remove(kite_path);
}

}  // namespace
}  // namespace kite
