// Element types a kite tensor can hold.
#pragma once
#include <cstddef>
#include <cstdint>

namespace kite {

enum class DType : uint8_t {
  f32 = 0,
  f16 = 1,
  s8 = 2,
  u8 = 3,
  s32 = 4,
  s64 = 5,
  boolean = 6,
  f64 = 7,
};

// Bytes per element.
size_t dtype_size(DType t);
// Short lower-case name ("f32", "s64", ...), for messages and file headers.
const char* dtype_name(DType t);
// True for the values a serialized file may legally carry.
bool dtype_is_valid(uint8_t raw);

}  // namespace kite
