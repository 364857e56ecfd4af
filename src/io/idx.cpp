#include "io/idx.h"

#define ZLIB_CONST
#include <zlib.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>

namespace kite {
namespace {

constexpr uint8_t kGzipMagic[] = {0x1f, 0x8b};
constexpr uint8_t kUnsignedByteType = 0x08;
// Room for the header and gzip's worst-case growth of incompressible data: a larger file cannot
// be a valid IDX file kite would accept, so it is refused before it is read into memory.
constexpr int64_t kMaxIdxFileBytes = kMaxIdxDataBytes + kMaxIdxDataBytes / 64;

bool starts_with_gzip_magic(const uint8_t* data, size_t size) {
  return size >= 2 && data[0] == kGzipMagic[0] && data[1] == kGzipMagic[1];
}

// The bytes of an IDX file, from memory as they are or inflated from gzip as they are asked
// for: a corrupt header is reported before any data is decompressed.
class ByteReader {
 public:
  virtual ~ByteReader() = default;
  // Reads up to `n` bytes into `out`; returns fewer only at the end of the data.
  virtual size_t read(uint8_t* out, size_t n) = 0;
};

class PlainReader : public ByteReader {
 public:
  PlainReader(const uint8_t* data, size_t size) : data_(data), left_(size) {}
  size_t read(uint8_t* out, size_t n) override {
    size_t count = std::min(n, left_);
    if (count) std::memcpy(out, data_, count);
    data_ += count;
    left_ -= count;
    return count;
  }

 private:
  const uint8_t* data_;
  size_t left_;
};

class GzipReader : public ByteReader {
 public:
  GzipReader(const uint8_t* data, size_t size, const std::string& source) : next_(data), left_(size), source_(source) {
    // 16 + MAX_WBITS: a gzip wrapper (header and CRC-32 trailer), not a raw zlib stream.
    KITE_CHECK(inflateInit2(&z_, 16 + MAX_WBITS) == Z_OK, source_, ": cannot start gzip decompression");
  }
  ~GzipReader() override { inflateEnd(&z_); }
  GzipReader(const GzipReader&) = delete;
  GzipReader& operator=(const GzipReader&) = delete;

  size_t read(uint8_t* out, size_t n) override {
    z_.next_out = out;
    z_.avail_out = static_cast<uInt>(n);  // n never exceeds kMaxIdxDataBytes
    while (z_.avail_out > 0) {
      if (member_ended_ && !start_next_member()) break;
      feed_input();
      KITE_CHECK(z_.avail_in > 0, source_, ": truncated gzip data");
      int status = inflate(&z_, Z_NO_FLUSH);
      if (status == Z_STREAM_END) member_ended_ = true;
      else KITE_CHECK(status == Z_OK, source_, ": corrupt gzip data (", z_.msg ? z_.msg : "zlib error", ")");
    }
    return n - z_.avail_out;
  }

 private:
  // zlib counts input in uInt: hand it the buffer in pieces it can count.
  void feed_input() {
    if (z_.avail_in > 0 || left_ == 0) return;
    size_t piece = std::min<size_t>(left_, size_t{1} << 30);
    z_.next_in = next_;
    z_.avail_in = static_cast<uInt>(piece);
    next_ += piece;
    left_ -= piece;
  }

  // gzip allows several members back to back (what `cat a.gz b.gz` makes); anything else after
  // the end of a member is not gzip data.
  bool start_next_member() {
    feed_input();
    if (z_.avail_in == 0) return false;
    KITE_CHECK(starts_with_gzip_magic(z_.next_in, z_.avail_in), source_, ": ", z_.avail_in + left_,
               " bytes that are not gzip data follow the gzip stream");
    KITE_CHECK(inflateReset(&z_) == Z_OK, source_, ": cannot restart gzip decompression");
    member_ended_ = false;
    return true;
  }

  z_stream z_{};
  const uint8_t* next_;
  size_t left_;
  bool member_ended_ = false;
  std::string source_;
};

const char* idx_type_name(uint8_t type) {
  switch (type) {
    case 0x08: return "unsigned byte";
    case 0x09: return "signed byte";
    case 0x0B: return "short";
    case 0x0C: return "int";
    case 0x0D: return "float";
    case 0x0E: return "double";
  }
  return nullptr;
}

std::string hex_byte(uint8_t b) {
  const char* digits = "0123456789abcdef";
  return {'0', 'x', digits[b >> 4], digits[b & 15]};
}

void read_exactly(ByteReader& in, uint8_t* out, size_t n, const std::string& source, const char* what) {
  size_t got = in.read(out, n);
  KITE_CHECK(got == n, source, ": truncated IDX file (", what, " needs ", n, " bytes, the file has ", got, ")");
}

Shape read_header(ByteReader& in, const std::string& source) {
  uint8_t magic[4];
  read_exactly(in, magic, sizeof magic, source, "the header");
  KITE_CHECK(magic[0] == 0 && magic[1] == 0, source,
             ": not an IDX file (it must start with two zero bytes, a type code and a dimension count)");
  const char* type_name = idx_type_name(magic[2]);
  KITE_CHECK(type_name, source, ": not an IDX file (unknown element type code ", hex_byte(magic[2]), ")");
  KITE_CHECK(magic[2] == kUnsignedByteType, source, ": IDX elements of type ", type_name,
             " are not supported (kite reads unsigned bytes, type code 0x08)");
  KITE_CHECK(magic[3] > 0, source, ": the IDX file has no dimensions");
  Shape dims(magic[3]);
  int64_t bytes = 1;
  for (int64_t& dim : dims) {
    uint8_t be[4];
    read_exactly(in, be, sizeof be, source, "the header");
    dim = int64_t{be[0]} << 24 | int64_t{be[1]} << 16 | int64_t{be[2]} << 8 | int64_t{be[3]};
    // Each factor is below 2^32 and the running product at most kMaxIdxDataBytes: no overflow.
    bytes = dim > kMaxIdxDataBytes ? kMaxIdxDataBytes + 1 : std::min(bytes * dim, kMaxIdxDataBytes + 1);
  }
  KITE_CHECK(bytes <= kMaxIdxDataBytes, source, ": IDX dimensions ", shape_to_string(dims), " are too large (kite reads at most ",
             kMaxIdxDataBytes, " data bytes)");
  return dims;
}

}  // namespace

Tensor parse_idx(const void* data, size_t size, const std::string& source) {
  const auto* bytes = static_cast<const uint8_t*>(data);
  std::unique_ptr<ByteReader> in;
  if (starts_with_gzip_magic(bytes, size)) in = std::make_unique<GzipReader>(bytes, size, source);
  else in = std::make_unique<PlainReader>(bytes, size);
  Shape dims = read_header(*in, source);
  Tensor t = Tensor::uninitialized(DType::u8, dims);
  size_t got = in->read(t.data<uint8_t>(), t.nbytes());
  KITE_CHECK(got == t.nbytes(), source, ": truncated IDX file (dimensions ", shape_to_string(dims), " need ", t.nbytes(),
             " data bytes, the file has ", got, ")");
  uint8_t extra;
  KITE_CHECK(in->read(&extra, 1) == 0, source, ": the IDX file has more data than its dimensions ", shape_to_string(dims),
             " need (", t.nbytes(), " bytes)");
  return t;
}

Tensor read_idx(const std::string& path) {
  std::error_code ec;
  auto file_size = std::filesystem::file_size(path, ec);
  KITE_CHECK(!ec, "cannot open '", path, "': ", ec.message());
  KITE_CHECK(file_size <= static_cast<uint64_t>(kMaxIdxFileBytes), path, ": ", file_size,
             " bytes is too large for an IDX file kite reads (at most ", kMaxIdxDataBytes, " data bytes)");
  std::ifstream in(path, std::ios::binary);
  KITE_CHECK(in, "cannot open '", path, "'");
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  KITE_CHECK(!in.bad(), "cannot read '", path, "'");
  return parse_idx(bytes.data(), bytes.size(), path);
}

}  // namespace kite
