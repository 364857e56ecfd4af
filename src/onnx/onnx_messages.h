// Decoders for the parts of the ONNX protobuf schema (onnx/onnx.proto) that kite reads.
// Field numbers are the schema's; unknown fields are skipped, as protobuf requires.
#pragma once
#include <string>
#include <string_view>
#include <vector>

#include "graph/attributes.h"
#include "kite/tensor.h"

namespace kite::onnx {

// ONNX TensorProto.DataType numbers.
enum OnnxDataType : int32_t {
  kOnnxFloat = 1, kOnnxUint8 = 2, kOnnxInt8 = 3, kOnnxUint16 = 4, kOnnxInt16 = 5, kOnnxInt32 = 6,
  kOnnxInt64 = 7, kOnnxString = 8, kOnnxBool = 9, kOnnxFloat16 = 10, kOnnxDouble = 11,
};

// kite's dtype for an ONNX data type; throws for types kite does not handle.
DType dtype_from_onnx(int32_t onnx_type);
int32_t onnx_from_dtype(DType dtype);

struct NamedTensor {
  std::string name;
  Tensor tensor;
};

struct ValueInfo {
  std::string name;
  int32_t elem_type = 0;
  std::vector<int64_t> dims;  // -1 where the dimension is symbolic or unknown
  bool has_shape = false;
};

struct NodeProto {
  std::string name;
  std::string op_type;
  std::string domain;
  std::vector<std::string> inputs;
  std::vector<std::string> outputs;
  Attributes attributes;
};

struct GraphProto {
  std::string name;
  std::vector<NodeProto> nodes;
  std::vector<NamedTensor> initializers;
  std::vector<ValueInfo> inputs;
  std::vector<ValueInfo> outputs;
};

struct ModelProto {
  int64_t ir_version = 0;
  int64_t opset = 0;  // of the default ("" or "ai.onnx") domain
  std::string producer;
  GraphProto graph;
};

NamedTensor parse_tensor(std::string_view bytes);
ModelProto parse_model(std::string_view bytes);

}  // namespace kite::onnx
