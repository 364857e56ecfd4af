// What the depthwise kernels (kernels/x86/f32_dwconv_3x3_5x5_{fma3,avx512}.cpp,
// kernels/arm/f32_dwconv_3x3_5x5_neon.cpp) use alike whatever their register width. Not a
// standalone header: each kernel file includes it inside its own anonymous namespace, so every
// name here has internal linkage in that file (and is compiled for its instruction set).

inline int64_t min64(int64_t a, int64_t b) { return a < b ? a : b; }

// Rows in the top or bottom padding point here: wide enough for any row the kernels accept (wider
// rows go to the portable kernel). Never written, so its pages stay the shared zero page.
constexpr int64_t kZeroRowLength = 4096;
alignas(64) const float kZeroRow[kZeroRowLength] = {};

// `row + q` may point outside the row (into the padding): the address is formed as an integer,
// and only masked loads (x86's), which read no memory in masked-off lanes, go through it.
inline const float* outside_ok(const float* row, int64_t q) {
  return reinterpret_cast<const float*>(reinterpret_cast<uintptr_t>(row) + static_cast<uintptr_t>(q) * sizeof(float));
}
