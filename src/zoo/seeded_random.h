// Deterministic pseudo-random numbers for zoo weights: integer arithmetic only (SplitMix64), and
// normal-like variates as a scaled sum of 4 uniforms (Irwin-Hall), so a seed gives bit-identical
// weights on every compiler, standard library and CPU (std::normal_distribution does not promise
// that, and transcendental functions may differ in the last bit).
#pragma once
#include <cstdint>

namespace kite {

class SeededRandom {
 public:
  explicit SeededRandom(uint64_t seed) : state_(seed * 0x9E3779B97F4A7C15ull + 0x632BE59BD9B4E019ull) {}

  uint64_t next() {
    uint64_t z = (state_ += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  // Uniform in [0, 1), 53 bits.
  double uniform() { return static_cast<double>(next() >> 11) * (1.0 / 9007199254740992.0); }
  double uniform(double lo, double hi) { return lo + (hi - lo) * uniform(); }
  // Mean 0, variance 1, bell-shaped, bounded by +-2*sqrt(3).
  double normal() {
    double sum = uniform() + uniform() + uniform() + uniform();
    return (sum - 2.0) * 1.7320508075688772;  // sqrt(12 / 4)
  }

 private:
  uint64_t state_;
};

}  // namespace kite
