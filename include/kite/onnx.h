// ONNX import (library kite_onnx: its own bounds-checked protobuf wire-format reader, no protobuf
// library).
#pragma once
#include <string>

#include "kite/model.h"

namespace kite {

// Imports an ONNX model (opset 9 and up). Initializers and Constant nodes become weights; shape
// arithmetic on static shapes is folded away. Throws kite::Error for a corrupt file and, listing
// every one of them at once, for operators kite does not implement.
Model import_onnx(const std::string& path);
Model import_onnx_bytes(const void* data, size_t size, const std::string& source_name);

// Loads .kite or .onnx, chosen by the file's contents (not its extension).
Model load_model(const std::string& path);

// Writes a model as ONNX (the opset its nodes follow; 17 for models built in code), weights as
// initializers. Through a temporary file and a rename, like every kite writer.
void export_onnx(const Model& model, const std::string& path);
std::string export_onnx_bytes(const Model& model);

}  // namespace kite
