// How the CLI turns a MODEL argument into a kite::Model.
#pragma once
#include <string>

#include "kite/model.h"

namespace kite::cli {

// A .onnx or .kite path (format chosen by content).
Model load_model_argument(const std::string& argument);

// Refuses to replace an existing file unless `force`, and refuses `output` == `input` always.
void check_output_path(const std::string& output, const std::string& input, bool force);

}  // namespace kite::cli
