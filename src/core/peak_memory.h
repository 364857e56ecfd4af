// The process's peak resident memory so far, as a user's process would see it.
#pragma once
#include <cstdint>

namespace kite {

// VmHWM from /proc/self/status (Linux): unlike getrusage's ru_maxrss it starts afresh at exec,
// so a freshly started process reports its own peak, not its parent's. 0 where unavailable.
int64_t peak_resident_bytes();

}  // namespace kite
