// kite Graph -> ONNX ModelProto (the inverse of importer.cpp), for models built in code.
#include "core/staged_files.h"
#include "graph/graph.h"
#include "kite/onnx.h"
#include "onnx/onnx_messages.h"
#include "onnx/protobuf_writer.h"

namespace kite {
namespace {

pb::Writer tensor_proto(const std::string& name, const Tensor& t) {
  pb::Writer w;
  w.packed_int64(1, t.shape());
  w.int64(2, onnx::onnx_from_dtype(t.dtype()));
  w.bytes(8, name);
  w.bytes(9, std::string_view(static_cast<const char*>(t.raw()), t.nbytes()));
  return w;
}

pb::Writer attribute_proto(const std::string& name, const Attribute& a) {
  // AttributeProto: name 1, f 2, i 3, s 4, t 5, floats 7, ints 8, strings 9, type 20.
  pb::Writer w;
  w.bytes(1, name);
  switch (a.kind) {
    case Attribute::Kind::kFloat: w.float32(2, a.f); w.int64(20, 1); break;
    case Attribute::Kind::kInt: w.int64(3, a.i); w.int64(20, 2); break;
    case Attribute::Kind::kString: w.bytes(4, a.s); w.int64(20, 3); break;
    case Attribute::Kind::kTensor: w.message(5, tensor_proto("", a.tensor)); w.int64(20, 4); break;
    case Attribute::Kind::kFloats: w.packed_float(7, a.floats); w.int64(20, 6); break;
    case Attribute::Kind::kInts: w.packed_int64(8, a.ints); w.int64(20, 7); break;
    case Attribute::Kind::kStrings:
      for (const std::string& s : a.strings) w.bytes(9, s);
      w.int64(20, 8);
      break;
  }
  return w;
}

pb::Writer value_info(const Value& v) {
  pb::Writer shape;
  for (int64_t d : v.shape) {
    pb::Writer dim;
    dim.int64(1, d);
    shape.message(1, dim);
  }
  pb::Writer tensor_type;
  tensor_type.int64(1, onnx::onnx_from_dtype(v.dtype));
  tensor_type.message(2, shape);
  pb::Writer type;
  type.message(1, tensor_type);
  pb::Writer info;
  info.bytes(1, v.name);
  info.message(2, type);
  return info;
}

pb::Writer node_proto(const Graph& g, const Node& n) {
  pb::Writer w;
  for (int v : n.inputs) w.bytes(1, v < 0 ? std::string() : g.values[static_cast<size_t>(v)].name);
  for (int v : n.outputs) w.bytes(2, g.values[static_cast<size_t>(v)].name);
  w.bytes(3, n.name);
  w.bytes(4, n.op);
  for (const auto& [name, a] : n.attrs.all()) w.message(5, attribute_proto(name, a));
  return w;
}

// The lowest IR version that each opset needs (onnx/helper.py's table), for the widest reach.
int64_t ir_version_for(int opset) {
  if (opset >= 15) return 8;
  if (opset >= 12) return 7;
  if (opset >= 11) return 6;
  if (opset >= 10) return 5;
  return 4;
}

int graph_opset(const Graph& g) {
  int opset = g.nodes.empty() ? 17 : g.nodes[0].opset;
  for (const Node& n : g.nodes)
    KITE_CHECK(n.opset == opset, "cannot export a graph that mixes ONNX opsets ", opset, " and ", n.opset);
  return opset;
}

}  // namespace

std::string export_onnx_bytes(const Model& model) {
  const Graph& g = model.graph();
  for (const Value& v : g.values) KITE_CHECK(v.shape_known || v.constant, "value '", v.name, "' has no static shape");
  pb::Writer graph;
  for (const Node& n : g.nodes) graph.message(1, node_proto(g, n));
  graph.bytes(2, "kite");
  for (const Value& v : g.values)
    if (v.constant) graph.message(5, tensor_proto(v.name, *v.constant));
  for (int v : g.inputs) graph.message(11, value_info(g.values[static_cast<size_t>(v)]));
  for (int v : g.outputs) graph.message(12, value_info(g.values[static_cast<size_t>(v)]));
  int opset = graph_opset(g);
  pb::Writer opset_id;
  opset_id.bytes(1, "");
  opset_id.int64(2, opset);
  pb::Writer m;
  m.int64(1, ir_version_for(opset));
  m.bytes(2, "kite");
  m.message(7, graph);
  m.message(8, opset_id);
  return m.buffer();
}

void export_onnx(const Model& model, const std::string& path) {
  std::string bytes = export_onnx_bytes(model);
  write_file_atomically(path, [&](std::ostream& out) { out.write(bytes.data(), static_cast<std::streamsize>(bytes.size())); });
}

}  // namespace kite
