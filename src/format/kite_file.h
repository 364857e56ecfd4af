// Reading and writing kite's own model file (layout: src/format/kite.fbs).
#pragma once
#include <string>

#include "graph/graph.h"

namespace kite {

// True if the file at `path` starts with the .kite magic (false if it cannot be read).
bool is_kite_file(const std::string& path);

// Memory-maps the file; constant tensors view the mapping, which lives as long as they do.
// Every offset, size, index and dtype is checked: a corrupt file throws kite::Error.
Graph read_kite_file(const std::string& path);
// Parses a .kite image already in memory (copied into aligned storage first).
Graph read_kite_bytes(const void* data, size_t size);

// Writes to `path` + ".tmp" and renames, so a failure leaves no partial file.
void write_kite_file(const Graph& g, const std::string& path);

}  // namespace kite
