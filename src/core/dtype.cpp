#include "kite/dtype.h"

namespace kite {

size_t dtype_size(DType t) {
  switch (t) {
    case DType::f32: return 4;
    case DType::f16: return 2;
    case DType::s8: return 1;
    case DType::u8: return 1;
    case DType::s32: return 4;
    case DType::s64: return 8;
    case DType::boolean: return 1;
    case DType::f64: return 8;
  }
  return 0;
}

const char* dtype_name(DType t) {
  switch (t) {
    case DType::f32: return "f32";
    case DType::f16: return "f16";
    case DType::s8: return "s8";
    case DType::u8: return "u8";
    case DType::s32: return "s32";
    case DType::s64: return "s64";
    case DType::boolean: return "bool";
    case DType::f64: return "f64";
  }
  return "?";
}

bool dtype_is_valid(uint8_t raw) { return raw <= static_cast<uint8_t>(DType::f64); }

}  // namespace kite
