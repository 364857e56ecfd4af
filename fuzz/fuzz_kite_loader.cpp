// libFuzzer target: arbitrary bytes as a .kite file (graph section verified, offsets checked).
#include <cstddef>
#include <cstdint>

#include "format/kite_file.h"
#include "kite/model.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    kite::Model::from_graph(kite::read_kite_bytes(data, size));
  } catch (const kite::Error&) {
  }
  return 0;
}
