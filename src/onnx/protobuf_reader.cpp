#include "onnx/protobuf_reader.h"

#include <cstring>

#include "kite/error.h"

namespace kite::pb {

const uint8_t* Reader::take(size_t n) {
  KITE_CHECK(static_cast<size_t>(end_ - pos_) >= n, "protobuf: message is truncated");
  const uint8_t* p = pos_;
  pos_ += n;
  return p;
}

uint64_t Reader::varint() {
  uint64_t value = 0;
  for (int shift = 0; shift < 64; shift += 7) {
    uint8_t byte = *take(1);
    value |= static_cast<uint64_t>(byte & 0x7f) << shift;
    if (!(byte & 0x80)) return value;
  }
  fail("protobuf: varint is longer than 10 bytes");
}

bool Reader::next() {
  if (pos_ == end_) return false;
  uint64_t tag = varint();
  field_ = static_cast<uint32_t>(tag >> 3);
  uint32_t wt = static_cast<uint32_t>(tag & 7);
  KITE_CHECK(field_ != 0, "protobuf: field number 0");
  KITE_CHECK(wt == 0 || wt == 1 || wt == 2 || wt == 5, "protobuf: unsupported wire type ", wt);
  wire_type_ = static_cast<WireType>(wt);
  return true;
}

void Reader::expect(WireType t, const char* what) {
  KITE_CHECK(wire_type_ == t, "protobuf: field ", field_, " has the wrong wire type for ", what);
}

uint64_t Reader::read_varint_field() {
  expect(WireType::kVarint, "an integer");
  return varint();
}

float Reader::read_float() {
  expect(WireType::kFixed32, "a float");
  float f;
  std::memcpy(&f, take(4), 4);
  return f;
}

double Reader::read_double() {
  expect(WireType::kFixed64, "a double");
  double d;
  std::memcpy(&d, take(8), 8);
  return d;
}

std::string_view Reader::read_bytes() {
  expect(WireType::kLengthDelimited, "bytes");
  uint64_t n = varint();
  KITE_CHECK(n <= static_cast<uint64_t>(end_ - pos_), "protobuf: message is truncated");
  const uint8_t* p = take(static_cast<size_t>(n));
  return std::string_view(reinterpret_cast<const char*>(p), static_cast<size_t>(n));
}

void Reader::skip() {
  switch (wire_type_) {
    case WireType::kVarint: varint(); return;
    case WireType::kFixed64: take(8); return;
    case WireType::kFixed32: take(4); return;
    case WireType::kLengthDelimited: read_bytes(); return;
  }
}

void Reader::read_repeated_int64(std::vector<int64_t>& out) {
  if (wire_type_ != WireType::kLengthDelimited) {
    out.push_back(read_int64());
    return;
  }
  Reader packed(read_bytes());
  while (packed.pos_ != packed.end_) out.push_back(static_cast<int64_t>(packed.varint()));
}

void Reader::read_repeated_float(std::vector<float>& out) {
  if (wire_type_ != WireType::kLengthDelimited) {
    out.push_back(read_float());
    return;
  }
  std::string_view bytes = read_bytes();
  KITE_CHECK(bytes.size() % 4 == 0, "protobuf: packed floats of ", bytes.size(), " bytes");
  size_t n = bytes.size() / 4, old = out.size();
  if (n == 0) return;  // an empty packed field (memcpy into an empty vector's null data is UB)
  out.resize(old + n);
  std::memcpy(out.data() + old, bytes.data(), bytes.size());
}

void Reader::read_repeated_double(std::vector<double>& out) {
  if (wire_type_ != WireType::kLengthDelimited) {
    out.push_back(read_double());
    return;
  }
  std::string_view bytes = read_bytes();
  KITE_CHECK(bytes.size() % 8 == 0, "protobuf: packed doubles of ", bytes.size(), " bytes");
  size_t n = bytes.size() / 8, old = out.size();
  if (n == 0) return;  // an empty packed field
  out.resize(old + n);
  std::memcpy(out.data() + old, bytes.data(), bytes.size());
}

}  // namespace kite::pb
