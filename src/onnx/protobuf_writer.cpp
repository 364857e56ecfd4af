#include "onnx/protobuf_writer.h"

#include <cstring>

namespace kite::pb {

void Writer::varint(uint64_t v) {
  while (v >= 0x80) {
    buffer_.push_back(static_cast<char>((v & 0x7f) | 0x80));
    v >>= 7;
  }
  buffer_.push_back(static_cast<char>(v));
}

void Writer::int64(uint32_t field, int64_t v) {
  tag(field, 0);
  varint(static_cast<uint64_t>(v));
}

void Writer::float32(uint32_t field, float v) {
  tag(field, 5);
  char b[4];
  std::memcpy(b, &v, 4);
  buffer_.append(b, 4);
}

void Writer::bytes(uint32_t field, std::string_view v) {
  tag(field, 2);
  varint(v.size());
  buffer_.append(v.data(), v.size());
}

void Writer::packed_int64(uint32_t field, const std::vector<int64_t>& v) {
  Writer packed;
  for (int64_t x : v) packed.varint(static_cast<uint64_t>(x));
  bytes(field, packed.buffer_);
}

void Writer::packed_float(uint32_t field, const std::vector<float>& v) {
  bytes(field, std::string_view(reinterpret_cast<const char*>(v.data()), v.size() * sizeof(float)));
}

}  // namespace kite::pb
