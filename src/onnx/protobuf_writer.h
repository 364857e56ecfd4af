// A minimal writer of the protobuf wire format, the counterpart of protobuf_reader.h: enough to
// write ONNX files without generated code.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace kite::pb {

class Writer {
 public:
  void int64(uint32_t field, int64_t v);
  void float32(uint32_t field, float v);
  void bytes(uint32_t field, std::string_view v);
  void message(uint32_t field, const Writer& m) { bytes(field, m.buffer_); }
  void packed_int64(uint32_t field, const std::vector<int64_t>& v);
  void packed_float(uint32_t field, const std::vector<float>& v);

  const std::string& buffer() const { return buffer_; }

 private:
  void varint(uint64_t v);
  void tag(uint32_t field, uint32_t wire_type) { varint((static_cast<uint64_t>(field) << 3) | wire_type); }
  std::string buffer_;
};

}  // namespace kite::pb
