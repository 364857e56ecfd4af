#include "io/npy.h"

#include "core/staged_files.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>

namespace kite {
namespace {

constexpr char kNpyMagic[] = "\x93NUMPY";
constexpr size_t kNpyMagicBytes = 6;

struct NpyHeader {
  DType dtype = DType::f32;
  Shape shape;
};

DType dtype_from_descr(const std::string& d, const std::string& source) {
  if (d == "<f4") return DType::f32;
  if (d == "<f8") return DType::f64;
  if (d == "<i8") return DType::s64;
  if (d == "<i4") return DType::s32;
  if (d == "|i1") return DType::s8;
  if (d == "|u1") return DType::u8;
  if (d == "|b1") return DType::boolean;
  fail(source, ": .npy dtype '", d, "' is not supported (kite reads float32, float64, int8, uint8, int32, int64 "
       "and bool, little-endian)");
}

const char* descr_from_dtype(DType t) {
  switch (t) {
    case DType::f32: return "<f4";
    case DType::f64: return "<f8";
    case DType::s64: return "<i8";
    case DType::s32: return "<i4";
    case DType::s8: return "|i1";
    case DType::u8: return "|u1";
    case DType::boolean: return "|b1";
    case DType::f16: return "<f2";
  }
  return "";
}

// The value text after 'key': in the header's Python dict literal.
std::string dict_entry(const std::string& header, const std::string& key, const std::string& source) {
  size_t at = header.find("'" + key + "'");
  KITE_CHECK(at != std::string::npos, source, ": .npy header has no '", key, "'");
  at = header.find(':', at);
  KITE_CHECK(at != std::string::npos, source, ": malformed .npy header");
  size_t start = header.find_first_not_of(' ', at + 1);
  KITE_CHECK(start != std::string::npos, source, ": malformed .npy header");
  char open = header[start];
  if (open == '\'' || open == '(') {
    char close = open == '(' ? ')' : '\'';
    size_t end = header.find(close, start + 1);
    KITE_CHECK(end != std::string::npos, source, ": malformed .npy header");
    return header.substr(start + 1, end - start - 1);
  }
  size_t end = header.find_first_of(",}", start);
  KITE_CHECK(end != std::string::npos, source, ": malformed .npy header");
  return header.substr(start, end - start);
}

Shape parse_shape(const std::string& text, const std::string& source) {
  Shape shape;
  std::string item;
  std::istringstream in(text);
  while (std::getline(in, item, ',')) {
    size_t a = item.find_first_not_of(' ');
    if (a == std::string::npos) continue;  // "(3,)" leaves an empty last item
    size_t b = item.find_last_not_of(' ');
    std::string digits = item.substr(a, b - a + 1);
    KITE_CHECK(!digits.empty() && digits.size() <= 18 && digits.find_first_not_of("0123456789") == std::string::npos,
               source, ": bad dimension '", digits, "' in .npy shape");
    shape.push_back(std::stoll(digits));
  }
  return shape;
}

NpyHeader parse_header(const std::string& header, const std::string& source) {
  NpyHeader h;
  h.dtype = dtype_from_descr(dict_entry(header, "descr", source), source);
  KITE_CHECK(dict_entry(header, "fortran_order", source) == "False", source,
             ": Fortran-order .npy files are not supported; save with C order");
  h.shape = parse_shape(dict_entry(header, "shape", source), source);
  return h;
}

}  // namespace

Tensor parse_npy(const void* data, size_t size, const std::string& source) {
  const char* p = static_cast<const char*>(data);
  KITE_CHECK(size >= 10 && std::memcmp(p, kNpyMagic, kNpyMagicBytes) == 0, source, ": not a .npy file");
  uint8_t major = static_cast<uint8_t>(p[6]);
  KITE_CHECK(major >= 1 && major <= 3, source, ": unsupported .npy version ", int(major));
  size_t length_bytes = major == 1 ? 2 : 4, prefix = 8 + length_bytes;
  KITE_CHECK(size >= prefix, source, ": truncated .npy file");
  uint32_t header_len = 0;
  for (size_t i = 0; i < length_bytes; ++i) header_len |= static_cast<uint32_t>(static_cast<uint8_t>(p[8 + i])) << (8 * i);
  KITE_CHECK(header_len <= size - prefix, source, ": truncated .npy header");
  NpyHeader h = parse_header(std::string(p + prefix, header_len), source);
  size_t offset = prefix + header_len;
  size_t needed = static_cast<size_t>(shape_numel(h.shape)) * dtype_size(h.dtype);
  KITE_CHECK(size - offset == needed, source, ": .npy data is ", size - offset, " bytes, shape ",
             shape_to_string(h.shape), " of ", dtype_name(h.dtype), " needs ", needed);
  Tensor t(h.dtype, h.shape);
  if (t.nbytes()) std::memcpy(t.raw_mutable(), p + offset, t.nbytes());
  return t;
}

Tensor read_npy(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  KITE_CHECK(in, "cannot open '", path, "'");
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  KITE_CHECK(!in.bad(), "cannot read '", path, "'");
  return parse_npy(bytes.data(), bytes.size(), path);
}

void write_npy(std::ostream& out, const Tensor& t) {
  std::ostringstream dict;
  dict << "{'descr': '" << descr_from_dtype(t.dtype()) << "', 'fortran_order': False, 'shape': (";
  for (size_t i = 0; i < t.shape().size(); ++i) dict << t.shape()[i] << (t.shape().size() == 1 || i + 1 < t.shape().size() ? "," : "");
  dict << "), }";
  std::string header = dict.str();
  // Pad with spaces and a newline so the data starts at a multiple of 64 (as NumPy does).
  size_t total = 10 + header.size() + 1;
  header.append((64 - total % 64) % 64, ' ');
  header.push_back('\n');
  uint16_t len = static_cast<uint16_t>(header.size());
  out.write(kNpyMagic, kNpyMagicBytes);
  out.put(1).put(0);
  out.put(static_cast<char>(len & 0xff)).put(static_cast<char>(len >> 8));
  out << header;
  out.write(static_cast<const char*>(t.raw()), static_cast<std::streamsize>(t.nbytes()));
}

void write_npy(const std::string& path, const Tensor& t) {
  write_file_atomically(path, [&](std::ostream& out) { write_npy(out, t); });
}

}  // namespace kite
