#include "onnx/onnx_messages.h"

#include <cstring>

#include "onnx/protobuf_reader.h"

namespace kite::onnx {

DType dtype_from_onnx(int32_t onnx_type) {
  switch (onnx_type) {
    case kOnnxFloat: return DType::f32;
    case kOnnxUint8: return DType::u8;
    case kOnnxInt8: return DType::s8;
    case kOnnxInt32: return DType::s32;
    case kOnnxInt64: return DType::s64;
    case kOnnxBool: return DType::boolean;
    case kOnnxFloat16: return DType::f16;
    case kOnnxDouble: return DType::f64;
    default: fail("ONNX data type ", onnx_type, " is not supported");
  }
}

int32_t onnx_from_dtype(DType dtype) {
  switch (dtype) {
    case DType::f32: return kOnnxFloat;
    case DType::u8: return kOnnxUint8;
    case DType::s8: return kOnnxInt8;
    case DType::s32: return kOnnxInt32;
    case DType::s64: return kOnnxInt64;
    case DType::boolean: return kOnnxBool;
    case DType::f16: return kOnnxFloat16;
    case DType::f64: return kOnnxDouble;
  }
  return 0;
}

namespace {

// The typed repeated fields of a TensorProto, before they are poured into a kite::Tensor.
struct TensorFields {
  int32_t data_type = 0;
  std::vector<int64_t> dims;
  std::string_view raw;
  bool has_raw = false;
  std::vector<float> floats;
  std::vector<int64_t> int32s;  // int32_data also carries int8/uint8/bool/float16 values
  std::vector<int64_t> int64s;
  std::vector<double> doubles;
  bool external = false;
};

template <typename T, typename Source>
void copy_converted(Tensor& t, const std::vector<Source>& src) {
  T* dst = t.data<T>();
  for (size_t i = 0; i < src.size(); ++i) dst[i] = static_cast<T>(src[i]);
}

Tensor tensor_from_fields(const TensorFields& f, const std::string& name) {
  KITE_CHECK(!f.external, "tensor '", name, "' keeps its data in an external file; kite needs it inside the .onnx");
  DType dtype;
  try {
    dtype = dtype_from_onnx(f.data_type);
  } catch (const Error& e) {
    fail("tensor '", name, "': ", e.what());
  }
  // Sizes are checked against the data present before anything is allocated, so a corrupt
  // shape cannot make kite allocate gigabytes.
  size_t count = static_cast<size_t>(shape_numel(f.dims));
  if (f.has_raw) {
    KITE_CHECK(f.raw.size() == count * dtype_size(dtype), "tensor '", name, "' has ", f.raw.size(),
               " bytes of data, its shape ", shape_to_string(f.dims), " needs ", count * dtype_size(dtype));
    Tensor t(dtype, f.dims);
    if (count) std::memcpy(t.raw_mutable(), f.raw.data(), f.raw.size());
    return t;
  }
  // The typed field each dtype's values arrive in (int32_data carries the small types too).
  size_t have = 0;
  switch (dtype) {
    case DType::f32: have = f.floats.size(); break;
    case DType::f64: have = f.doubles.size(); break;
    case DType::s64: have = f.int64s.size(); break;
    case DType::s32:
    case DType::s8:
    case DType::u8:
    case DType::f16:
    case DType::boolean: have = f.int32s.size(); break;
  }
  KITE_CHECK(have == count, "tensor '", name, "' has ", have, " values, its shape ", shape_to_string(f.dims),
             " needs ", count);
  Tensor t(dtype, f.dims);
  switch (dtype) {
    case DType::f32: copy_converted<float>(t, f.floats); break;
    case DType::f64: copy_converted<double>(t, f.doubles); break;
    case DType::s64: copy_converted<int64_t>(t, f.int64s); break;
    case DType::s32: copy_converted<int32_t>(t, f.int32s); break;
    case DType::s8: copy_converted<int8_t>(t, f.int32s); break;
    case DType::u8: copy_converted<uint8_t>(t, f.int32s); break;
    case DType::f16: copy_converted<uint16_t>(t, f.int32s); break;
    case DType::boolean: copy_converted<bool>(t, f.int32s); break;
  }
  return t;
}

void parse_dimension(std::string_view bytes, std::vector<int64_t>& dims) {
  pb::Reader r(bytes);
  int64_t value = -1;
  while (r.next()) {
    if (r.field() == 1) value = r.read_int64();
    else r.skip();
  }
  dims.push_back(value > 0 || value == 0 ? value : -1);
}

void parse_tensor_type(std::string_view bytes, ValueInfo& info) {
  pb::Reader r(bytes);
  while (r.next()) {
    if (r.field() == 1) {
      info.elem_type = static_cast<int32_t>(r.read_int64());
    } else if (r.field() == 2) {
      info.has_shape = true;
      pb::Reader shape(r.read_bytes());
      while (shape.next()) {
        if (shape.field() == 1) parse_dimension(shape.read_bytes(), info.dims);
        else shape.skip();
      }
    } else {
      r.skip();
    }
  }
}

ValueInfo parse_value_info(std::string_view bytes) {
  ValueInfo info;
  pb::Reader r(bytes);
  while (r.next()) {
    if (r.field() == 1) {
      info.name = r.read_string();
    } else if (r.field() == 2) {
      pb::Reader type(r.read_bytes());
      while (type.next()) {
        if (type.field() == 1) parse_tensor_type(type.read_bytes(), info);
        else type.skip();
      }
    } else {
      r.skip();
    }
  }
  return info;
}

// AttributeProto.AttributeType numbers.
enum : int64_t { kAttrFloat = 1, kAttrInt = 2, kAttrString = 3, kAttrTensor = 4, kAttrFloats = 6, kAttrInts = 7, kAttrStrings = 8 };

// Returns false for attribute kinds kite never reads (graphs, sparse tensors, type protos).
bool parse_attribute(std::string_view bytes, std::string& name, Attribute& a) {
  pb::Reader r(bytes);
  int64_t type = 0;
  while (r.next()) {
    switch (r.field()) {
      case 1: name = r.read_string(); break;
      case 20: type = r.read_int64(); break;
      case 2: a.f = r.read_float(); break;
      case 3: a.i = r.read_int64(); break;
      case 4: a.s = r.read_string(); break;
      case 5: a.tensor = parse_tensor(r.read_bytes()).tensor; break;
      case 7: r.read_repeated_float(a.floats); break;
      case 8: r.read_repeated_int64(a.ints); break;
      case 9: a.strings.push_back(r.read_string()); break;
      default: r.skip();
    }
  }
  switch (type) {
    case kAttrFloat: a.kind = Attribute::Kind::kFloat; return true;
    case kAttrInt: a.kind = Attribute::Kind::kInt; return true;
    case kAttrString: a.kind = Attribute::Kind::kString; return true;
    case kAttrTensor: a.kind = Attribute::Kind::kTensor; return true;
    case kAttrFloats: a.kind = Attribute::Kind::kFloats; return true;
    case kAttrInts: a.kind = Attribute::Kind::kInts; return true;
    case kAttrStrings: a.kind = Attribute::Kind::kStrings; return true;
    default: return false;
  }
}

NodeProto parse_node(std::string_view bytes) {
  NodeProto node;
  pb::Reader r(bytes);
  while (r.next()) {
    switch (r.field()) {
      case 1: node.inputs.push_back(r.read_string()); break;
      case 2: node.outputs.push_back(r.read_string()); break;
      case 3: node.name = r.read_string(); break;
      case 4: node.op_type = r.read_string(); break;
      case 7: node.domain = r.read_string(); break;
      case 5: {
        std::string name;
        Attribute a;
        if (parse_attribute(r.read_bytes(), name, a)) node.attributes.set(name, std::move(a));
        break;
      }
      default: r.skip();
    }
  }
  return node;
}

GraphProto parse_graph(std::string_view bytes) {
  GraphProto g;
  pb::Reader r(bytes);
  while (r.next()) {
    switch (r.field()) {
      case 1: g.nodes.push_back(parse_node(r.read_bytes())); break;
      case 2: g.name = r.read_string(); break;
      case 5: g.initializers.push_back(parse_tensor(r.read_bytes())); break;
      case 11: g.inputs.push_back(parse_value_info(r.read_bytes())); break;
      case 12: g.outputs.push_back(parse_value_info(r.read_bytes())); break;
      case 15: fail("sparse initializers are not supported");
      default: r.skip();
    }
  }
  return g;
}

int64_t parse_opset_version(std::string_view bytes, bool& is_default_domain) {
  pb::Reader r(bytes);
  std::string domain;
  int64_t version = 0;
  while (r.next()) {
    if (r.field() == 1) domain = r.read_string();
    else if (r.field() == 2) version = r.read_int64();
    else r.skip();
  }
  is_default_domain = domain.empty() || domain == "ai.onnx";
  return version;
}

}  // namespace

NamedTensor parse_tensor(std::string_view bytes) {
  TensorFields f;
  std::string name;
  pb::Reader r(bytes);
  while (r.next()) {
    switch (r.field()) {
      case 1: r.read_repeated_int64(f.dims); break;
      case 2: f.data_type = static_cast<int32_t>(r.read_int64()); break;
      case 4: r.read_repeated_float(f.floats); break;
      case 5: r.read_repeated_int64(f.int32s); break;
      case 7: r.read_repeated_int64(f.int64s); break;
      case 8: name = r.read_string(); break;
      case 9: f.raw = r.read_bytes(); f.has_raw = true; break;
      case 10: r.read_repeated_double(f.doubles); break;
      case 14: f.external = r.read_int64() == 1; break;
      default: r.skip();
    }
  }
  return {name, tensor_from_fields(f, name)};
}

ModelProto parse_model(std::string_view bytes) {
  ModelProto m;
  bool has_graph = false;
  pb::Reader r(bytes);
  while (r.next()) {
    switch (r.field()) {
      case 1: m.ir_version = r.read_int64(); break;
      case 2: m.producer = r.read_string(); break;
      case 7: m.graph = parse_graph(r.read_bytes()); has_graph = true; break;
      case 8: {
        bool is_default = false;
        int64_t version = parse_opset_version(r.read_bytes(), is_default);
        if (is_default) m.opset = version;
        break;
      }
      default: r.skip();
    }
  }
  KITE_CHECK(has_graph, "not an ONNX model: no graph found");
  // IR version 3 and later name their opsets; older files imply opset 1.
  if (m.opset == 0) m.opset = 1;
  return m;
}

}  // namespace kite::onnx
