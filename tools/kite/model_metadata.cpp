#include "model_metadata.h"

#include <fstream>
#include <nlohmann/json.hpp>

#include "kite/error.h"
#include "kite/zoo.h"

namespace kite::cli {

namespace fs = std::filesystem;

fs::path metadata_path(const std::string& model_argument) {
  if (is_zoo_spec(model_argument)) return {};
  return fs::path(model_argument).replace_extension(".json");
}

namespace {

float metadata_number(const nlohmann::json& input, const char* key, const fs::path& path) {
  KITE_CHECK(input.contains(key) && input[key].is_number(), path.string(), ": \"input\" has no number \"", key, "\"");
  return input[key].get<float>();
}

}  // namespace

std::optional<Normalization> read_model_normalization(const std::string& model_argument) {
  fs::path path = metadata_path(model_argument);
  if (path.empty() || !fs::exists(path)) return std::nullopt;
  std::ifstream in(path);
  KITE_CHECK(in, "cannot open '", path.string(), "'");
  nlohmann::json doc = nlohmann::json::parse(in, nullptr, /*allow_exceptions=*/false);
  KITE_CHECK(!doc.is_discarded(), path.string(), ": not valid JSON");
  KITE_CHECK(doc.is_object() && doc.contains("input") && doc["input"].is_object(), path.string(),
             ": no \"input\" object with the normalization \"mean\" and \"std\"");
  return Normalization{metadata_number(doc["input"], "mean", path), metadata_number(doc["input"], "std", path)};
}

}  // namespace kite::cli
