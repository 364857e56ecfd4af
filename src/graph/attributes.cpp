#include "graph/attributes.h"

namespace kite {

const char* attribute_kind_name(Attribute::Kind kind) {
  switch (kind) {
    case Attribute::Kind::kInt: return "int";
    case Attribute::Kind::kFloat: return "float";
    case Attribute::Kind::kString: return "string";
    case Attribute::Kind::kInts: return "ints";
    case Attribute::Kind::kFloats: return "floats";
    case Attribute::Kind::kTensor: return "tensor";
    case Attribute::Kind::kStrings: return "strings";
  }
  return "?";
}

void Attributes::set_int(const std::string& name, int64_t v) {
  Attribute a;
  a.kind = Attribute::Kind::kInt;
  a.i = v;
  map_[name] = std::move(a);
}

void Attributes::set_float(const std::string& name, float v) {
  Attribute a;
  a.kind = Attribute::Kind::kFloat;
  a.f = v;
  map_[name] = std::move(a);
}

void Attributes::set_ints(const std::string& name, std::vector<int64_t> v) {
  Attribute a;
  a.kind = Attribute::Kind::kInts;
  a.ints = std::move(v);
  map_[name] = std::move(a);
}

void Attributes::set_string(const std::string& name, std::string v) {
  Attribute a;
  a.kind = Attribute::Kind::kString;
  a.s = std::move(v);
  map_[name] = std::move(a);
}

const Attribute& Attributes::find(const std::string& name, Attribute::Kind kind) const {
  auto it = map_.find(name);
  KITE_CHECK(it != map_.end(), "missing attribute '", name, "'");
  KITE_CHECK(it->second.kind == kind, "attribute '", name, "' is ", attribute_kind_name(it->second.kind),
             ", expected ", attribute_kind_name(kind));
  return it->second;
}

int64_t Attributes::get_int(const std::string& name, int64_t fallback) const {
  return has(name) ? find(name, Attribute::Kind::kInt).i : fallback;
}

int64_t Attributes::get_int(const std::string& name) const { return find(name, Attribute::Kind::kInt).i; }

float Attributes::get_float(const std::string& name, float fallback) const {
  return has(name) ? find(name, Attribute::Kind::kFloat).f : fallback;
}

std::string Attributes::get_string(const std::string& name, const std::string& fallback) const {
  return has(name) ? find(name, Attribute::Kind::kString).s : fallback;
}

std::vector<int64_t> Attributes::get_ints(const std::string& name, std::vector<int64_t> fallback) const {
  return has(name) ? find(name, Attribute::Kind::kInts).ints : fallback;
}

std::vector<float> Attributes::get_floats(const std::string& name, std::vector<float> fallback) const {
  return has(name) ? find(name, Attribute::Kind::kFloats).floats : fallback;
}

const Tensor& Attributes::get_tensor(const std::string& name) const {
  return find(name, Attribute::Kind::kTensor).tensor;
}

}  // namespace kite
