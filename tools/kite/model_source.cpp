#include "model_source.h"

#include <filesystem>

#include "kite/onnx.h"
#include "kite/zoo.h"

namespace kite::cli {

Model load_model_argument(const std::string& argument, ModelUse use) {
  if (is_zoo_spec(argument)) return zoo_model(argument, use == ModelUse::kRun ? Calibration::kOn : Calibration::kOff);
  KITE_CHECK(std::filesystem::exists(argument), "model file '", argument, "' does not exist");
  return load_model(argument);
}

void check_output_path(const std::string& output, const std::string& input, bool force) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (!input.empty() && fs::exists(output) && fs::equivalent(output, input, ec))
    fail("output '", output, "' is the input file; choose another name");
  KITE_CHECK(force || !fs::exists(output), "'", output, "' exists; pass --force to overwrite it");
}

}  // namespace kite::cli
