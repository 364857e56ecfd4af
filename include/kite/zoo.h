// The model zoo: the architectures of the mobile-CNN literature, built in code with
// GraphBuilder and parameterized by the knobs they are designed with.
//
//   kite::Model m = kite::zoo_model("mobilenet_v1?alpha=0.5&resolution=160");
//
// A spec is NAME or NAME?knob=value&knob=value (a leading "zoo:" is accepted). Every model takes
// num_classes (default 1000), batch (default 1) and seed (default 0).
#pragma once
#include <string>
#include <vector>

#include "kite/builder.h"
#include "kite/model.h"

namespace kite {

struct ZooKnob {
  std::string name;
  std::string default_value;
  std::string description;
};

struct ZooModelInfo {
  std::string name;
  std::string description;
  std::vector<ZooKnob> knobs;  // the common knobs included
};

std::vector<ZooModelInfo> zoo_list();

// Builds a model. Calibration::kOn (the default) gives weights whose activations stay near unit
// variance, at the cost of one inference; kOff is enough for parameters and MACs. Throws
// kite::Error for an unknown model or knob, or a knob value out of range.
Model zoo_model(const std::string& spec, Calibration calibration = Calibration::kOn);

// True for "zoo:..." arguments.
bool is_zoo_spec(const std::string& argument);

}  // namespace kite
