#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>

#include "io/npy.h"
#include "op_test_util.h"

namespace kite {
namespace {

using test::slurp;

std::string data_path(const std::string& name) { return std::string(KITE_TEST_DATA_DIR) + "/npy/" + name; }

TEST(Npy, ReadsFilesWrittenByNumPy) {
  Tensor f = read_npy(data_path("f32_2x3.npy"));
  EXPECT_EQ(f.dtype(), DType::f32);
  EXPECT_EQ(f.shape(), (Shape{2, 3}));
  EXPECT_EQ(f.data<float>()[5], 5.f);
  Tensor s = read_npy(data_path("i64_scalar.npy"));
  EXPECT_EQ(s.shape(), Shape{});
  EXPECT_EQ(s.data<int64_t>()[0], 7);
  Tensor u = read_npy(data_path("u8_4.npy"));
  EXPECT_EQ(u.shape(), Shape{4});
  EXPECT_EQ(u.data<uint8_t>()[3], 250);
  Tensor d = read_npy(data_path("f64_1x1x2.npy"));
  EXPECT_EQ(d.shape(), (Shape{1, 1, 2}));
  EXPECT_EQ(d.data<double>()[1], -1.5);
}

TEST(Npy, WriteThenReadIsIdentical) {
  Tensor t = Tensor::from_floats({2, 1, 3}, {1, -2, 3.5f, 4, 5, 6});
  std::string path = (std::filesystem::temp_directory_path() / "kite_npy_roundtrip.npy").string();
  write_npy(path, t);
  Tensor back = read_npy(path);
  std::filesystem::remove(path);
  ASSERT_EQ(back.shape(), t.shape());
  for (int i = 0; i < 6; ++i) EXPECT_EQ(back.data<float>()[i], t.data<float>()[i]);
}

TEST(Npy, WritesOneDimensionalShapeWithTrailingComma) {
  std::string path = (std::filesystem::temp_directory_path() / "kite_npy_1d.npy").string();
  write_npy(path, Tensor::from_floats({3}, {1, 2, 3}));
  std::string bytes = slurp(path);
  std::filesystem::remove(path);
  EXPECT_NE(bytes.find("'shape': (3,)"), std::string::npos);
  EXPECT_EQ((bytes.find('\n') + 1) % 64, 0u) << "data must start 64-byte aligned";
}

TEST(Npy, EveryTruncationIsAnError) {
  std::string bytes = slurp(data_path("f32_2x3.npy"));
  for (size_t n = 0; n < bytes.size(); ++n) EXPECT_THROW(parse_npy(bytes.data(), n, "cut.npy"), Error) << n;
}

TEST(Npy, RejectsFortranOrderAndUnknownTypes) {
  std::string bytes = slurp(data_path("f32_2x3.npy"));
  std::string fortran = bytes;
  fortran.replace(fortran.find("False"), 5, "True ");
  EXPECT_THROW(parse_npy(fortran.data(), fortran.size(), "f.npy"), Error);
  std::string complex = bytes;
  complex.replace(complex.find("<f4"), 3, "<c8");
  EXPECT_THROW(parse_npy(complex.data(), complex.size(), "c.npy"), Error);
  // The message lists what kite does read (it once said "use float32" for every dtype).
  std::string half = bytes;
  half.replace(half.find("<f4"), 3, "<f2");
  try {
    parse_npy(half.data(), half.size(), "h.npy");
    ADD_FAILURE() << "float16 .npy accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("int64"), std::string::npos) << e.what();
  }
}

TEST(Npy, RejectsHugeShapeWithoutAllocating) {
  std::string bytes = slurp(data_path("f32_2x3.npy"));
  size_t at = bytes.find("(2, 3)");
  ASSERT_NE(at, std::string::npos);
  bytes.replace(at, 6, "(99999999999, 99999)");
  EXPECT_THROW(parse_npy(bytes.data(), bytes.size(), "huge.npy"), Error);
}

TEST(Npy, MissingFileNamesThePath) {
  try {
    read_npy("/nonexistent/kite.npy");
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("/nonexistent/kite.npy"), std::string::npos);
  }
}

}  // namespace
}  // namespace kite
