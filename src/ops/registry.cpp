// The table of implemented operators. Each op_xxx() is defined in src/ops/<op>.cpp.
#include <algorithm>
#include <map>

#include "ops/op.h"

namespace kite {

OpDef op_identity();
OpDef op_dropout();
// ops: group A (elementwise and shape)
// ops: group B (convolution, pooling, matrix, resize)

namespace {

const std::map<std::string, OpDef>& op_table() {
  static const std::map<std::string, OpDef> table = [] {
    std::map<std::string, OpDef> t;
    for (const OpDef& def : {
             op_identity(),
             op_dropout(),
             // table: group A
             // table: group B
         })
      t.emplace(def.name, def);
    return t;
  }();
  return table;
}

}  // namespace

const OpDef* find_op(const std::string& name) {
  auto it = op_table().find(name);
  return it == op_table().end() ? nullptr : &it->second;
}

std::vector<std::string> supported_ops() {
  std::vector<std::string> names;
  for (const auto& [name, def] : op_table()) names.push_back(name);
  return names;
}

}  // namespace kite
