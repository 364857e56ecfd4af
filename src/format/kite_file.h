// Reading and writing kite's own model file (layout: src/format/kite.fbs).
#pragma once
#include <string>

#include "graph/graph.h"

namespace kite {

// True if the file at `path` starts with the .kite magic (false if it cannot be read).
bool is_kite_file(const std::string& path);

// Memory-maps the file; constant tensors view the mapping, which lives as long as they do, except
// weights stored as fp16, which are widened into f32 tensors of their own.
// Every offset, size, index and dtype is checked: a corrupt file throws kite::Error.
Graph read_kite_file(const std::string& path);
// Parses a .kite image already in memory (copied into aligned storage first).
Graph read_kite_bytes(const void* data, size_t size);

struct KiteWriteOptions {
  // Store every weight that kite_stores_as_fp16 picks as IEEE binary16 (rounded to nearest even):
  // about half the file. The reader widens them back to f32 at load.
  bool fp16_weights = false;
};

// Which constants fp16_weights narrows: f32 tensors of more than 16 elements (weights). Scalars,
// shapes and other small constants keep their exact values; they would save nothing.
bool kite_stores_as_fp16(const Tensor& t);

// Writes to `path` + ".tmp" and renames, so a failure leaves no partial file.
void write_kite_file(const Graph& g, const std::string& path, const KiteWriteOptions& options = {});

}  // namespace kite
