// The fixed framing of a .kite file around its FlatBuffer (see kite.fbs).
#pragma once
#include <cstdint>
#include <cstring>

namespace kite {

constexpr char kKiteMagic[8] = {'K', 'I', 'T', 'E', 'M', 'D', 'L', '1'};
constexpr uint64_t kKiteHeaderBytes = 16;  // magic + u64 FlatBuffer size
constexpr uint64_t kKiteBlobAlignment = 64;

inline uint64_t align_up(uint64_t n, uint64_t a) { return (n + a - 1) / a * a; }

}  // namespace kite
