// int8 results are the same bytes on every CPU kite runs on: a quantized network (made once, on
// x86-64, by kite quantize, and committed) run on a committed input must reproduce every uint8
// tensor it computes, byte for byte, as recorded in expected_u8.npy. The ARM64 build runs this
// test under qemu in CI (NEON and portable kernels): that is the x86 -> ARM check.
// To record the golden again after a deliberate change of the int8 arithmetic:
//   KITE_WRITE_INT8_GOLDEN=1 build/tests/kite_unit_tests --gtest_filter='Int8Golden.*'
#include <gtest/gtest.h>

#include <cstdlib>
#include <cstring>

#include "io/npy.h"
#include "kernels/cpu_features.h"
#include "kite/model.h"
#include "kite/session.h"

namespace kite {
namespace {

const std::string kDir = std::string(KITE_TEST_DATA_DIR) + "/int8_golden/";

// Every uint8 value of a traced run, concatenated in the order the nodes computed them.
Tensor quantized_values(const Model& m, const Tensor& input, int threads) {
  SessionOptions o;
  o.trace = true;
  o.threads = threads;
  Session s(m, o);
  s.run({{m.inputs()[0].name, input}});
  std::vector<uint8_t> bytes;
  for (const auto& [name, t] : s.traced_values())
    if (t.dtype() == DType::u8) bytes.insert(bytes.end(), t.data<uint8_t>(), t.data<uint8_t>() + t.numel());
  Tensor out(DType::u8, {static_cast<int64_t>(bytes.size())});
  std::memcpy(out.data<uint8_t>(), bytes.data(), bytes.size());
  return out;
}

TEST(Int8Golden, EveryQuantizedTensorMatchesTheRecordedBytes) {
  Model m = Model::load_kite(kDir + "resnet_fm_int8.kite");
  Tensor input = read_npy(kDir + "input.npy");
  if (std::getenv("KITE_WRITE_INT8_GOLDEN")) {
    write_npy(kDir + "expected_u8.npy", quantized_values(m, input, 1));
    GTEST_SKIP() << "recorded " << kDir << "expected_u8.npy";
  }
  Tensor want = read_npy(kDir + "expected_u8.npy");
  ASSERT_GT(want.numel(), 10000);  // the activations of every layer, not a handful of bytes
  int int8_layers = 0;
  for (const Session::PlannedNode& n : Session(m).plan()) int8_layers += n.op == "FusedQLinearConv";
  EXPECT_GE(int8_layers, 11);
  for (bool generic : {false, true}) {
    force_generic_kernels(generic);
    for (int threads : {1, 3}) {
      Tensor got = quantized_values(m, input, threads);
      ASSERT_EQ(got.numel(), want.numel());
      int64_t differ = 0;
      for (int64_t i = 0; i < got.numel(); ++i) differ += got.data<uint8_t>()[i] != want.data<uint8_t>()[i];
      EXPECT_EQ(differ, 0) << (generic ? "portable" : "SIMD") << " kernels, " << threads << " threads";
    }
  }
  force_generic_kernels(false);
}

}  // namespace
}  // namespace kite
