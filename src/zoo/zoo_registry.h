// What each zoo architecture provides, and the knob values a spec parses into.
#pragma once
#include <map>
#include <string>
#include <vector>

#include "kite/zoo.h"

namespace kite::zoo {

// Knob values of one spec, checked against the architecture's declared knobs.
class Knobs {
 public:
  Knobs(const std::vector<ZooKnob>& declared, const std::map<std::string, std::string>& given);
  double number(const std::string& name) const;
  // A whole number; throws if the value has a fraction.
  int64_t integer(const std::string& name) const;
  std::string text(const std::string& name) const;
  // One of `allowed`; throws listing them otherwise.
  std::string choice(const std::string& name, const std::vector<std::string>& allowed) const;
  bool flag(const std::string& name) const;  // on/off, true/false, 1/0
  // The 'resolution' knob: input height and width, from `min` (the smallest input the
  // architecture's downsampling leaves a valid map for) to 1024.
  int64_t resolution(int64_t min) const;

 private:
  std::map<std::string, std::string> values_;
};

// The knobs every model has, and what they set up.
struct Common {
  int64_t num_classes;
  int64_t batch;
  uint64_t seed;
};
Common common_knobs(const Knobs& k);

struct Architecture {
  std::string name;
  std::string description;
  std::vector<ZooKnob> knobs;  // without the common ones
  void (*build)(GraphBuilder& b, const Knobs& k, const Common& c);
};

// One per architecture family, in src/zoo/<family>.cpp.
std::vector<Architecture> mobilenet_architectures();
std::vector<Architecture> resnet_architectures();
std::vector<Architecture> inception_architectures();
std::vector<Architecture> xception_architectures();
std::vector<Architecture> squeezenet_architectures();
std::vector<Architecture> shufflenet_architectures();

// Width-multiplier rounding of the MobileNet v2 / ShuffleNet reference code: to a multiple of
// `divisor`, never below 90% of the exact value.
int64_t make_divisible(double channels, int64_t divisor = 8);

}  // namespace kite::zoo
