// How the CLI turns a MODEL argument into a kite::Model.
#pragma once
#include <string>

#include "kite/model.h"

namespace kite::cli {

// What a command will do with the model: inspecting it needs no calibrated weights.
enum class ModelUse { kInspect, kRun };

// A .onnx or .kite path (format chosen by content), or a zoo spec "zoo:NAME?knob=value&...".
Model load_model_argument(const std::string& argument, ModelUse use = ModelUse::kRun);

// Refuses to replace an existing file unless `force`, and refuses `output` == `input` always.
void check_output_path(const std::string& output, const std::string& input, bool force);

}  // namespace kite::cli
