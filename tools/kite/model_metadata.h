// The metadata file next to a model file ("models/net.onnx" -> "models/net.json"), written by
// scripts/train_fashion_mnist.py: {"input": {"mean": M, "std": S}, ...}.
#pragma once
#include <filesystem>
#include <optional>
#include <string>

namespace kite::cli {

struct Normalization {
  float mean = 0.f, std = 1.f;
};

// Where MODEL's metadata file would be; empty for a zoo spec.
std::filesystem::path metadata_path(const std::string& model_argument);

// The normalization MODEL's metadata file gives, or nullopt when there is no such file. Throws
// kite::Error for a file that exists but does not say it.
std::optional<Normalization> read_model_normalization(const std::string& model_argument);

}  // namespace kite::cli
