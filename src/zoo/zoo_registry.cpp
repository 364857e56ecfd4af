#include "zoo/zoo_registry.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <sstream>

namespace kite::zoo {
namespace {

const std::vector<ZooKnob>& common_declared() {
  static const std::vector<ZooKnob> knobs = {
      {"num_classes", "1000", "outputs of the classifier"},
      {"batch", "1", "batch size of the input"},
      {"seed", "0", "seed of the deterministic weights"},
  };
  return knobs;
}

const std::vector<Architecture>& architectures() {
  static const std::vector<Architecture> all = [] {
    std::vector<Architecture> a;
    for (auto family : {mobilenet_architectures, resnet_architectures, inception_architectures,
                        xception_architectures, squeezenet_architectures, shufflenet_architectures})
      for (Architecture& arch : family()) a.push_back(std::move(arch));
    return a;
  }();
  return all;
}

const Architecture& find_architecture(const std::string& name) {
  for (const Architecture& a : architectures())
    if (a.name == name) return a;
  std::string names;
  for (const Architecture& a : architectures()) names += (names.empty() ? "" : ", ") + a.name;
  fail("no zoo model named '", name, "' (the zoo has: ", names, ")");
}

std::vector<ZooKnob> all_knobs(const Architecture& a) {
  std::vector<ZooKnob> knobs = a.knobs;
  knobs.insert(knobs.end(), common_declared().begin(), common_declared().end());
  return knobs;
}

// "name?a=1&b=2" -> name, {a: 1, b: 2}
std::string parse_spec(std::string spec, std::map<std::string, std::string>& given) {
  if (spec.rfind("zoo:", 0) == 0) spec = spec.substr(4);
  size_t q = spec.find('?');
  std::string name = spec.substr(0, q);
  if (q == std::string::npos) return name;
  std::istringstream query(spec.substr(q + 1));
  for (std::string pair; std::getline(query, pair, '&');) {
    if (pair.empty()) continue;
    size_t eq = pair.find('=');
    KITE_CHECK(eq != std::string::npos && eq > 0, "zoo spec '", spec, "': '", pair, "' is not knob=value");
    std::string key = pair.substr(0, eq);
    KITE_CHECK(!given.count(key), "zoo spec '", spec, "': knob '", key, "' is given twice");
    given[key] = pair.substr(eq + 1);
  }
  return name;
}

}  // namespace

Knobs::Knobs(const std::vector<ZooKnob>& declared, const std::map<std::string, std::string>& given) {
  for (const ZooKnob& k : declared) values_[k.name] = k.default_value;
  for (const auto& [key, value] : given) {
    if (!values_.count(key)) {
      std::string known;
      for (const ZooKnob& k : declared) known += (known.empty() ? "" : ", ") + k.name;
      fail("unknown knob '", key, "' (knobs: ", known, ")");
    }
    values_[key] = value;
  }
}

std::string Knobs::text(const std::string& name) const { return values_.at(name); }

double Knobs::number(const std::string& name) const {
  const std::string& v = values_.at(name);
  char* end = nullptr;
  double d = std::strtod(v.c_str(), &end);
  KITE_CHECK(!v.empty() && end && *end == '\0' && std::isfinite(d), "knob '", name, "': '", v, "' is not a number");
  return d;
}

int64_t Knobs::integer(const std::string& name) const {
  double d = number(name);
  KITE_CHECK(d == std::floor(d) && std::fabs(d) < 1e15, "knob '", name, "': '", values_.at(name),
             "' is not a whole number");
  return static_cast<int64_t>(d);
}

std::string Knobs::choice(const std::string& name, const std::vector<std::string>& allowed) const {
  const std::string& v = values_.at(name);
  if (std::find(allowed.begin(), allowed.end(), v) != allowed.end()) return v;
  std::string list;
  for (const std::string& a : allowed) list += (list.empty() ? "" : ", ") + a;
  fail("knob '", name, "': '", v, "' is not one of ", list);
}

bool Knobs::flag(const std::string& name) const {
  std::string v = choice(name, {"on", "off", "true", "false", "1", "0"});
  return v == "on" || v == "true" || v == "1";
}

int64_t Knobs::resolution(int64_t min) const {
  int64_t r = integer("resolution");
  KITE_CHECK(r >= min && r <= 1024, "knob 'resolution' must be in [", min, ", 1024]");
  return r;
}

Common common_knobs(const Knobs& k) {
  Common c;
  c.num_classes = k.integer("num_classes");
  c.batch = k.integer("batch");
  KITE_CHECK(c.num_classes >= 1 && c.num_classes <= 1000000, "knob 'num_classes' must be in [1, 1000000]");
  KITE_CHECK(c.batch >= 1 && c.batch <= 1024, "knob 'batch' must be in [1, 1024]");
  int64_t seed = k.integer("seed");
  KITE_CHECK(seed >= 0, "knob 'seed' must not be negative");
  c.seed = static_cast<uint64_t>(seed);
  return c;
}

int64_t make_divisible(double channels, int64_t divisor) {
  int64_t rounded = std::max<int64_t>(divisor, static_cast<int64_t>(channels + divisor / 2.0) / divisor * divisor);
  if (static_cast<double>(rounded) < 0.9 * channels) rounded += divisor;
  return rounded;
}

}  // namespace kite::zoo

namespace kite {

std::vector<ZooModelInfo> zoo_list() {
  std::vector<ZooModelInfo> out;
  for (const zoo::Architecture& a : zoo::architectures()) out.push_back({a.name, a.description, zoo::all_knobs(a)});
  return out;
}

bool is_zoo_spec(const std::string& argument) { return argument.rfind("zoo:", 0) == 0; }

Model zoo_model(const std::string& spec, Calibration calibration) {
  std::map<std::string, std::string> given;
  std::string name = zoo::parse_spec(spec, given);
  const zoo::Architecture& arch = zoo::find_architecture(name);
  try {
    zoo::Knobs knobs(zoo::all_knobs(arch), given);
    zoo::Common common = zoo::common_knobs(knobs);
    GraphBuilder b(common.seed, calibration);
    arch.build(b, knobs, common);
    return b.build();
  } catch (const Error& e) {
    fail("zoo model '", name, "': ", e.what());
  }
}

}  // namespace kite
