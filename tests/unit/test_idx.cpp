#include <gtest/gtest.h>
#include <zlib.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "io/idx.h"
#include "op_test_util.h"

namespace kite {
namespace {

namespace fs = std::filesystem;
using test::error_of;

// An unsigned-byte IDX file: the header for `dims`, then `data`.
std::string idx_bytes(const std::vector<uint32_t>& dims, const std::string& data) {
  std::string b = {0, 0, 0x08, static_cast<char>(dims.size())};
  for (uint32_t d : dims)
    for (int shift = 24; shift >= 0; shift -= 8) b.push_back(static_cast<char>((d >> shift) & 0xff));
  return b + data;
}

// `bytes` as one gzip member, the way gzip(1) writes it.
std::string gzipped(const std::string& bytes) {
  z_stream z{};
  EXPECT_EQ(deflateInit2(&z, Z_BEST_COMPRESSION, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY), Z_OK);
  std::string out(deflateBound(&z, bytes.size()), '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(bytes.data()));
  z.avail_in = static_cast<uInt>(bytes.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  EXPECT_EQ(deflate(&z, Z_FINISH), Z_STREAM_END);
  out.resize(z.total_out);
  deflateEnd(&z);
  return out;
}

// Two 2x3 "images" with distinct pixel values, 0 and 255 among them.
const std::string kPixels = {0, 1, 2, 3, 4, 5, 10, 20, 30, 40, 50, static_cast<char>(255)};

class IdxFiles : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("kite_idx_test_" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()) +
                                        "_" + ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string write(const std::string& name, const std::string& bytes) {
    std::string path = (dir_ / name).string();
    std::ofstream(path, std::ios::binary) << bytes;
    return path;
  }

  fs::path dir_;
};

void expect_two_images(const Tensor& t) {
  ASSERT_EQ(t.dtype(), DType::u8);
  ASSERT_EQ(t.shape(), (Shape{2, 2, 3}));
  for (size_t i = 0; i < kPixels.size(); ++i) EXPECT_EQ(t.data<uint8_t>()[i], static_cast<uint8_t>(kPixels[i])) << i;
}

TEST_F(IdxFiles, ReadsPlainAndGzippedFilesAlike) {
  std::string plain = idx_bytes({2, 2, 3}, kPixels);
  expect_two_images(read_idx(write("images-idx3-ubyte", plain)));
  expect_two_images(read_idx(write("images-idx3-ubyte.gz", gzipped(plain))));
}

TEST_F(IdxFiles, GzipIsRecognizedByContentNotName) {
  std::string plain = idx_bytes({2, 2, 3}, kPixels);
  expect_two_images(read_idx(write("gzipped-without-suffix", gzipped(plain))));
  expect_two_images(read_idx(write("plain-with-suffix.gz", plain)));
}

TEST_F(IdxFiles, ReadsLabelsAndEmptyFiles) {
  Tensor labels = read_idx(write("labels", gzipped(idx_bytes({4}, {9, 0, 3, 7}))));
  ASSERT_EQ(labels.shape(), Shape{4});
  EXPECT_EQ(labels.data<uint8_t>()[0], 9);
  EXPECT_EQ(labels.data<uint8_t>()[3], 7);
  EXPECT_EQ(read_idx(write("empty", idx_bytes({0, 28, 28}, ""))).shape(), (Shape{0, 28, 28}));
}

TEST_F(IdxFiles, ConcatenatedGzipMembersAreOneStream) {
  std::string plain = idx_bytes({2, 2, 3}, kPixels);
  expect_two_images(read_idx(write("two-members.gz", gzipped(plain.substr(0, 7)) + gzipped(plain.substr(7)))));
}

TEST(Idx, EveryTruncationIsAnError) {
  std::string plain = idx_bytes({2, 2, 3}, kPixels);
  for (size_t n = 0; n < plain.size(); ++n)
    EXPECT_NE(error_of([&] { parse_idx(plain.data(), n, "cut"); }).find("truncated"), std::string::npos) << n;
  std::string gz = gzipped(plain);
  for (size_t n = 0; n < gz.size(); ++n) EXPECT_THROW(parse_idx(gz.data(), n, "cut.gz"), Error) << n;
  EXPECT_NE(error_of([&] { parse_idx(gz.data(), gz.size() - 9, "cut.gz"); }).find("cut.gz: truncated gzip data"),
            std::string::npos);
}

TEST(Idx, DataLongerThanTheDimensionsIsAnError) {
  std::string plain = idx_bytes({2, 2, 3}, kPixels + "x");
  std::string message = error_of([&] { parse_idx(plain.data(), plain.size(), "long"); });
  EXPECT_NE(message.find("more data than its dimensions [2, 2, 3] need (12 bytes)"), std::string::npos) << message;
  std::string gz = gzipped(plain);
  EXPECT_NE(error_of([&] { parse_idx(gz.data(), gz.size(), "long.gz"); }).find("more data"), std::string::npos);
}

TEST(Idx, RejectsWrongMagicAndTypes) {
  std::string bad_magic = idx_bytes({2, 2, 3}, kPixels);
  bad_magic[0] = 1;
  EXPECT_NE(error_of([&] { parse_idx(bad_magic.data(), bad_magic.size(), "f"); }).find("f: not an IDX file"), std::string::npos);
  std::string npy = "\x93NUMPY\x01\x00";
  EXPECT_NE(error_of([&] { parse_idx(npy.data(), npy.size(), "f"); }).find("not an IDX file"), std::string::npos);
  std::string floats = idx_bytes({3}, std::string(12, '\0'));
  floats[2] = 0x0D;
  EXPECT_NE(error_of([&] { parse_idx(floats.data(), floats.size(), "f"); }).find("type float are not supported"), std::string::npos);
  std::string unknown = idx_bytes({3}, "abc");
  unknown[2] = 0x42;
  EXPECT_NE(error_of([&] { parse_idx(unknown.data(), unknown.size(), "f"); }).find("unknown element type code 0x42"),
            std::string::npos);
  std::string no_dims = idx_bytes({}, "a");
  EXPECT_NE(error_of([&] { parse_idx(no_dims.data(), no_dims.size(), "f"); }).find("no dimensions"), std::string::npos);
}

TEST(Idx, RejectsHugeDimensionsWithoutAllocating) {
  for (const std::vector<uint32_t>& dims : std::vector<std::vector<uint32_t>>{
           {65536, 65536}, {0xffffffff, 0xffffffff, 0xffffffff}, {1 << 30, 2}, {0xffffffff}}) {
    std::string header = idx_bytes(dims, "");
    std::string message = error_of([&] { parse_idx(header.data(), header.size(), "huge"); });
    EXPECT_NE(message.find("are too large"), std::string::npos) << message;
    std::string gz = gzipped(header);
    EXPECT_NE(error_of([&] { parse_idx(gz.data(), gz.size(), "huge.gz"); }).find("are too large"), std::string::npos);
  }
  // Zero in any dimension makes the product zero, not an overflow.
  std::string zero = idx_bytes({0xffffffff, 0}, "");
  EXPECT_EQ(parse_idx(zero.data(), zero.size(), "zero").numel(), 0);
}

TEST(Idx, CorruptGzipIsAnError) {
  std::string gz = gzipped(idx_bytes({2, 2, 3}, kPixels));
  std::string flipped = gz;
  flipped[gz.size() - 6] ^= 0x5a;  // inside the CRC-32 of the trailer
  EXPECT_NE(error_of([&] { parse_idx(flipped.data(), flipped.size(), "bad.gz"); }).find("bad.gz: corrupt gzip data"),
            std::string::npos);
  std::string trailing = gz + "garbage";
  EXPECT_NE(error_of([&] { parse_idx(trailing.data(), trailing.size(), "t.gz"); }).find("7 bytes that are not gzip data"),
            std::string::npos);
}

TEST(Idx, MissingFileNamesIt) {
  EXPECT_NE(error_of([] { read_idx("/nonexistent-dir/t10k-images-idx3-ubyte.gz"); })
                .find("cannot open '/nonexistent-dir/t10k-images-idx3-ubyte.gz'"),
            std::string::npos);
}

// Debian's dataset-fashion-mnist, where it is installed.
TEST(Idx, ReadsFashionMnistTestSet) {
  const std::string dir = "/usr/share/datasets/fashion-mnist/";
  if (!fs::exists(dir + "t10k-labels-idx1-ubyte.gz")) GTEST_SKIP() << "dataset-fashion-mnist is not installed";
  EXPECT_EQ(read_idx(dir + "t10k-images-idx3-ubyte.gz").shape(), (Shape{10000, 28, 28}));
  Tensor labels = read_idx(dir + "t10k-labels-idx1-ubyte.gz");
  ASSERT_EQ(labels.shape(), Shape{10000});
  EXPECT_EQ(labels.data<uint8_t>()[0], 9);  // the first test image is an ankle boot
}

}  // namespace
}  // namespace kite
