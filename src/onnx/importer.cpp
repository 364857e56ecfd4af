// ONNX ModelProto -> kite Graph. Names become value indices; initializers and Constant nodes
// become constant values; everything else is checked and folded by Model::from_graph.
#include <fstream>
#include <map>
#include <sstream>

#include "format/kite_file.h"
#include "graph/graph.h"
#include "kite/onnx.h"
#include "onnx/onnx_messages.h"
#include "ops/op.h"

namespace kite {
namespace {

bool is_default_domain(const std::string& domain) { return domain.empty() || domain == "ai.onnx"; }

// ONNX node names are optional; unnamed nodes are called after their op and position.
std::string node_name(const onnx::NodeProto& n, size_t index) {
  return n.name.empty() ? n.op_type + "_" + std::to_string(index) : n.name;
}

// The tensor a Constant node defines, from whichever of its value attributes it uses.
Tensor constant_node_value(const onnx::NodeProto& n, const std::string& name) {
  const Attributes& a = n.attributes;
  if (a.has("value")) return a.get_tensor("value");
  if (a.has("value_float")) return Tensor::from_floats({}, {a.get_float("value_float", 0.f)});
  if (a.has("value_floats")) {
    std::vector<float> v = a.get_floats("value_floats", {});
    return Tensor::from_floats({static_cast<int64_t>(v.size())}, v);
  }
  if (a.has("value_int")) return Tensor::from_int64s({}, {a.get_int("value_int")});
  if (a.has("value_ints")) {
    std::vector<int64_t> v = a.get_ints("value_ints", {});
    return Tensor::from_int64s({static_cast<int64_t>(v.size())}, v);
  }
  fail("Constant node '", name, "' has no value kite can read (sparse or string constants are not supported)");
}

class GraphBuilder {
 public:
  GraphBuilder(const onnx::ModelProto& model) : model_(model) {}

  Graph build() {
    const onnx::GraphProto& g = model_.graph;
    for (const onnx::NamedTensor& init : g.initializers) define(init.name, graph_.add_constant(init.name, init.tensor));
    for (const onnx::ValueInfo& in : g.inputs) {
      if (names_.count(in.name)) continue;  // IR < 4 lists initializers as inputs too
      graph_.inputs.push_back(define(in.name, graph_.add_value(input_value(in))));
    }
    for (size_t i = 0; i < g.nodes.size(); ++i) add_node(g.nodes[i], i);
    for (const onnx::ValueInfo& out : g.outputs) graph_.outputs.push_back(lookup(out.name, "graph output"));
    return std::move(graph_);
  }

 private:
  Value input_value(const onnx::ValueInfo& in) {
    KITE_CHECK(in.elem_type != 0, "graph input '", in.name, "' has no element type");
    KITE_CHECK(in.has_shape, "graph input '", in.name, "' has no shape");
    Value v;
    v.name = in.name;
    v.dtype = onnx::dtype_from_onnx(in.elem_type);
    // Symbolic dimensions (a batch size, usually) are planned as 1: kite plans static shapes.
    for (int64_t d : in.dims) v.shape.push_back(d < 0 ? 1 : d);
    v.shape_known = true;
    return v;
  }

  int define(const std::string& name, int index) {
    KITE_CHECK(!names_.count(name), "value '", name, "' is defined twice");
    names_[name] = index;
    return index;
  }

  int lookup(const std::string& name, const char* role) const {
    auto it = names_.find(name);
    KITE_CHECK(it != names_.end(), role, " '", name, "' is not produced by any node, input or initializer");
    return it->second;
  }

  void add_node(const onnx::NodeProto& n, size_t index) {
    if (n.op_type == "Constant") {
      KITE_CHECK(n.outputs.size() == 1, "Constant node '", node_name(n, index), "' must have one output");
      define(n.outputs[0], graph_.add_constant(n.outputs[0], constant_node_value(n, node_name(n, index))));
      return;
    }
    Node node;
    node.name = node_name(n, index);
    // Operators of other domains keep their domain, and kite's internal operators get one, so
    // both are reported as unsupported.
    const OpDef* def = find_op(n.op_type);
    bool known = is_default_domain(n.domain) && !(def && def->internal);
    node.op = known ? n.op_type : (n.domain.empty() ? "ai.onnx" : n.domain) + "." + n.op_type;
    node.attrs = n.attributes;
    node.opset = static_cast<int>(model_.opset);
    for (const std::string& in : n.inputs)
      node.inputs.push_back(in.empty() ? -1 : lookup(in, ("input of " + Graph::describe(node)).c_str()));
    for (const std::string& out : n.outputs) {
      Value v;
      v.name = out.empty() ? node.name + ":unused" + std::to_string(node.outputs.size()) : out;
      node.outputs.push_back(out.empty() ? graph_.add_value(v) : define(out, graph_.add_value(v)));
    }
    graph_.nodes.push_back(std::move(node));
  }

  const onnx::ModelProto& model_;
  Graph graph_;
  std::map<std::string, int> names_;
};

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  KITE_CHECK(in, "cannot open '", path, "'");
  std::ostringstream buf;
  buf << in.rdbuf();
  KITE_CHECK(!in.bad(), "cannot read '", path, "'");
  return buf.str();
}

}  // namespace

Model import_onnx_bytes(const void* data, size_t size, const std::string& source_name) {
  onnx::ModelProto model;
  try {
    model = onnx::parse_model(std::string_view(static_cast<const char*>(data), size));
  } catch (const Error& e) {
    fail(source_name, ": not a valid ONNX model (", e.what(), ")");
  }
  try {
    return Model::from_graph(GraphBuilder(model).build());
  } catch (const Error& e) {
    fail(source_name, ": ", e.what());
  }
}

Model import_onnx(const std::string& path) {
  std::string bytes = read_file(path);
  return import_onnx_bytes(bytes.data(), bytes.size(), path);
}

Model load_model(const std::string& path) {
  if (is_kite_file(path)) return Model::load_kite(path);
  return import_onnx(path);
}

}  // namespace kite
