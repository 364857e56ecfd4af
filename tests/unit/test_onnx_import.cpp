#include <gtest/gtest.h>

#include <filesystem>

#include "kite/onnx.h"
#include "kite/session.h"
#include "graph/graph.h"
#include "onnx/onnx_messages.h"
#include "onnx/protobuf_reader.h"
#include "op_test_util.h"

namespace kite {
namespace {

using test::error_of;
using test::slurp;

std::string onnx_test_model(const std::string& test) {
  const char* env = std::getenv("KITE_ONNX_TESTDATA");
  return std::string(env ? env : KITE_ONNX_TESTDATA_DEFAULT) + "/node/" + test + "/model.onnx";
}

// Wire-format pieces for hand-made TensorProtos.
std::string varint(uint64_t v) {
  std::string out;
  for (; v >= 0x80; v >>= 7) out.push_back(static_cast<char>((v & 0x7f) | 0x80));
  out.push_back(static_cast<char>(v));
  return out;
}
std::string int_field(uint32_t field, uint64_t v) { return varint(field << 3) + varint(v); }
std::string bytes_field(uint32_t field, const std::string& bytes) {
  return varint(field << 3 | 2) + varint(bytes.size()) + bytes;
}
// TensorProto fields: 1 dims, 2 data_type, 8 name, 9 raw_data.
std::string tensor_proto(const std::string& name, int data_type, const std::vector<int64_t>& dims) {
  std::string out;
  for (int64_t d : dims) out += int_field(1, static_cast<uint64_t>(d));
  return out + int_field(2, static_cast<uint64_t>(data_type)) + bytes_field(8, name);
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

// A shape whose values are missing must be refused before the tensor is allocated: a few bytes
// of file must not make kite ask for petabytes.
TEST(OnnxTensor, ValueCountIsCheckedBeforeAllocating) {
  std::string proto = tensor_proto("w", onnx::kOnnxFloat, {int64_t{1} << 50});
  std::string msg = error_of([&] { onnx::parse_tensor(proto); });
  EXPECT_NE(msg.find("tensor 'w' has 0 values"), std::string::npos) << msg;
}

TEST(OnnxTensor, UnsupportedDataTypeNamesTheTensor) {
  std::string proto = tensor_proto("bf16_weight", 16, {2}) + bytes_field(9, std::string(4, '\0'));
  std::string msg = error_of([&] { onnx::parse_tensor(proto); });
  EXPECT_NE(msg.find("'bf16_weight'"), std::string::npos) << msg;
  EXPECT_NE(msg.find("data type 16"), std::string::npos) << msg;
}

// An unnamed Constant node without a value is reported under the name kite gives it.
TEST(OnnxImport, UnnamedConstantNodeErrorsNameIt) {
  std::string node = bytes_field(2, "c") + bytes_field(4, "Constant");  // NodeProto: output, op_type
  std::string graph = bytes_field(1, node) + bytes_field(12, bytes_field(1, "c"));  // node, output "c"
  std::string model = int_field(1, 8) + bytes_field(7, graph) + bytes_field(8, int_field(2, 13));
  std::string msg = error_of([&] { import_onnx_bytes(model.data(), model.size(), "m.onnx"); });
  EXPECT_NE(msg.find("Constant node 'Constant_0' has no value"), std::string::npos) << msg;
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
