// A minimal reader of the protobuf wire format: enough to decode ONNX files without generated
// code or a protobuf library, so kite's importer builds anywhere the runtime builds (a phone's
// toolchain included). Every read is bounds-checked and throws kite::Error on malformed input.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace kite::pb {

enum class WireType : uint8_t { kVarint = 0, kFixed64 = 1, kLengthDelimited = 2, kFixed32 = 5 };

class Reader {
 public:
  Reader(const uint8_t* data, size_t size) : pos_(data), end_(data + size) {}
  explicit Reader(std::string_view bytes)
      : Reader(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()) {}

  // Advances to the next field; false at the end of the message.
  bool next();
  uint32_t field() const { return field_; }
  WireType wire_type() const { return wire_type_; }

  // Readers of the current field's value; each checks the wire type.
  uint64_t read_varint_field();
  int64_t read_int64() { return static_cast<int64_t>(read_varint_field()); }
  float read_float();
  double read_double();
  std::string_view read_bytes();
  std::string read_string() { return std::string(read_bytes()); }
  void skip();

  // Repeated scalars, accepting both the packed and the one-per-field encoding.
  void read_repeated_int64(std::vector<int64_t>& out);
  void read_repeated_float(std::vector<float>& out);
  void read_repeated_double(std::vector<double>& out);

 private:
  uint64_t varint();
  void expect(WireType t, const char* what);
  const uint8_t* take(size_t n);

  const uint8_t* pos_;
  const uint8_t* end_;
  uint32_t field_ = 0;
  WireType wire_type_ = WireType::kVarint;
};

}  // namespace kite::pb
