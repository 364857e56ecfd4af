// What kernels/cpu_features reports. Under qemu-user the emulated CPU is known from QEMU_CPU,
// so the ARMv8.2 detection (getauxval) is checked against it: a Cortex-A53 (ARMv8.0) has neither
// dot product nor fp16 arithmetic, qemu's "max" CPU has both.
#include <gtest/gtest.h>

#include <cstdlib>
#include <string>

#include "kernels/cpu_features.h"

namespace kite {
namespace {

TEST(CpuFeatures, NeonOnEveryAArch64BuildOnly) {
#if defined(__aarch64__)
  EXPECT_TRUE(cpu_has_neon());
  EXPECT_FALSE(cpu_has_avx2_fma());
#else
  EXPECT_FALSE(cpu_has_neon());
  EXPECT_FALSE(cpu_has_arm_dotprod());
  EXPECT_FALSE(cpu_has_arm_fp16());
#endif
}

#if defined(__aarch64__)
TEST(CpuFeatures, ArmExtensionsMatchTheEmulatedCpu) {
  const char* model = std::getenv("QEMU_CPU");
  if (!model) GTEST_SKIP() << "not under qemu (QEMU_CPU is not set): the CPU's features are unknown here";
  const std::string cpu = model;
  if (cpu == "cortex-a53") {
    EXPECT_FALSE(cpu_has_arm_dotprod());
    EXPECT_FALSE(cpu_has_arm_fp16());
  } else if (cpu == "max") {
    EXPECT_TRUE(cpu_has_arm_dotprod());
    EXPECT_TRUE(cpu_has_arm_fp16());
  } else {
    GTEST_SKIP() << "no expectations for QEMU_CPU=" << cpu;
  }
}
#endif

// Forcing the portable kernels changes what the dispatchers pick, not what the CPU reports: a
// test can still ask whether there is a fast kernel to compare the portable one against.
TEST(CpuFeatures, ForcingPortableKernelsLeavesTheReportAlone) {
  const bool avx2 = cpu_has_avx2_fma(), neon = cpu_has_neon();
  const bool dotprod = cpu_has_arm_dotprod(), fp16 = cpu_has_arm_fp16();
  force_generic_kernels(true);
  EXPECT_TRUE(generic_kernels_forced());
  EXPECT_EQ(cpu_has_avx2_fma(), avx2);
  EXPECT_EQ(cpu_has_neon(), neon);
  EXPECT_EQ(cpu_has_arm_dotprod(), dotprod);
  EXPECT_EQ(cpu_has_arm_fp16(), fp16);
  force_generic_kernels(false);
  EXPECT_FALSE(generic_kernels_forced());
}

}  // namespace
}  // namespace kite
