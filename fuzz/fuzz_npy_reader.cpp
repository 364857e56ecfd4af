// libFuzzer target: arbitrary bytes as a .npy file.
#include <cstddef>
#include <cstdint>

#include "io/npy.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    kite::parse_npy(data, size, "fuzz.npy");
  } catch (const kite::Error&) {
  }
  return 0;
}
