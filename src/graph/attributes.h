// Node attributes: the ONNX attribute kinds kite uses, looked up by name with typed getters
// whose errors name the attribute.
#pragma once
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "kite/tensor.h"

namespace kite {

struct Attribute {
  enum class Kind : uint8_t { kInt = 0, kFloat = 1, kString = 2, kInts = 3, kFloats = 4, kTensor = 5, kStrings = 6 };
  Kind kind = Kind::kInt;
  int64_t i = 0;
  float f = 0.f;
  std::string s;
  std::vector<int64_t> ints;
  std::vector<float> floats;
  std::vector<std::string> strings;
  Tensor tensor;
};

const char* attribute_kind_name(Attribute::Kind kind);

class Attributes {
 public:
  bool has(const std::string& name) const { return map_.count(name) != 0; }
  void set(const std::string& name, Attribute a) { map_[name] = std::move(a); }
  void set_int(const std::string& name, int64_t v);
  void set_float(const std::string& name, float v);
  void set_ints(const std::string& name, std::vector<int64_t> v);
  void set_string(const std::string& name, std::string v);
  void erase(const std::string& name) { map_.erase(name); }

  int64_t get_int(const std::string& name, int64_t fallback) const;
  int64_t get_int(const std::string& name) const;
  float get_float(const std::string& name, float fallback) const;
  std::string get_string(const std::string& name, const std::string& fallback) const;
  std::vector<int64_t> get_ints(const std::string& name, std::vector<int64_t> fallback) const;
  std::vector<float> get_floats(const std::string& name, std::vector<float> fallback) const;
  const Tensor& get_tensor(const std::string& name) const;

  const std::map<std::string, Attribute>& all() const { return map_; }

 private:
  const Attribute& find(const std::string& name, Attribute::Kind kind) const;
  std::map<std::string, Attribute> map_;
};

}  // namespace kite
