#include "kite/model.h"

#include "format/kite_file.h"
#include "graph/graph.h"
#include "passes/passes.h"

namespace kite {

Model Model::from_graph(Graph graph) {
  prepare_graph(graph);
  Model m;
  m.graph_ = std::make_shared<const Graph>(std::move(graph));
  return m;
}

Model Model::load_kite(const std::string& path) {
  try {
    return from_graph(read_kite_file(path));
  } catch (const Error& e) {
    fail(path, ": ", e.what());
  }
}

void Model::save_kite(const std::string& path) const { write_kite_file(*graph_, path); }

static std::vector<TensorInfo> describe_values(const Graph& g, const std::vector<int>& indices) {
  std::vector<TensorInfo> out;
  for (int v : indices) {
    const Value& value = g.values[static_cast<size_t>(v)];
    out.push_back({value.name, value.dtype, value.shape});
  }
  return out;
}

std::vector<TensorInfo> Model::inputs() const { return describe_values(*graph_, graph_->inputs); }
std::vector<TensorInfo> Model::outputs() const { return describe_values(*graph_, graph_->outputs); }

}  // namespace kite
