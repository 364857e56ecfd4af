// Which instruction sets the kernels may use on this CPU. Detected once; tests can force the
// portable kernels so that they run (and are checked) on a machine that has the fast ones too.
#pragma once

namespace kite {

// True when the CPU executes AVX2 and FMA3 and the OS saves ymm registers across context
// switches. Always false when kite was built for a CPU family other than x86-64.
bool cpu_has_avx2_fma();

// When set, every kernel dispatcher picks its portable C++ implementation, as on a CPU without
// the features above. Process-wide; meant for tests and benchmarks.
void force_generic_kernels(bool force);
bool generic_kernels_forced();

}  // namespace kite
