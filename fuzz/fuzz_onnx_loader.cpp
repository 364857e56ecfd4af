// libFuzzer target: arbitrary bytes as an .onnx file. Import must either succeed or throw
// kite::Error; anything else (a crash, a sanitizer report, a leak) is a finding.
#include <cstddef>
#include <cstdint>

#include "kite/onnx.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    kite::import_onnx_bytes(data, size, "fuzz.onnx");
  } catch (const kite::Error&) {
  }
  return 0;
}
