// NumPy .npy files (format versions 1.0 to 3.0, C order, little-endian), the exchange format of
// `kite run` and of the tests' golden data.
#pragma once
#include <ostream>
#include <string>

#include "kite/tensor.h"

namespace kite {

// Throws kite::Error for anything that is not a well-formed .npy of a supported dtype
// (float32/64, int8/32/64, uint8, bool), or for Fortran order.
Tensor read_npy(const std::string& path);
Tensor parse_npy(const void* data, size_t size, const std::string& source_name);

// Writes through a temporary file and a rename: no partial file is left on failure.
void write_npy(const std::string& path, const Tensor& t);
void write_npy(std::ostream& out, const Tensor& t);

}  // namespace kite
