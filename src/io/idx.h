// IDX files, the format of MNIST and Fashion-MNIST: two zero bytes, a type code, the number of
// dimensions, each dimension as a big-endian uint32, then the elements in C order. kite reads
// unsigned-byte files (type 0x08: images and labels), gzip-compressed or plain.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>

#include "kite/tensor.h"

namespace kite {

// The most data bytes kite accepts from one IDX file (the MNIST training images are 47 MB). A
// header that claims more is an error before anything is allocated or decompressed.
constexpr int64_t kMaxIdxDataBytes = int64_t{1} << 30;

// Returns a u8 tensor with the file's dimensions. A gzip stream is recognized by its magic
// bytes, not by the file name. Throws kite::Error naming the file for a missing, truncated or
// corrupt file, a type other than unsigned byte, or data that does not match the dimensions.
Tensor read_idx(const std::string& path);
// The same from a file's bytes in memory (gzipped or not); `source_name` names it in errors.
Tensor parse_idx(const void* data, size_t size, const std::string& source_name);

}  // namespace kite
