// The memory planner: places the intermediate values of a graph in one arena, each at a byte
// offset, so that values alive at the same time never overlap. Allocated once per session, the
// arena replaces an allocation (and its page faults) per value per run.
//
// A value lives from the node that writes it to the last node that reads it, or reads a value
// that shares its storage (a Reshape's output: see NodeKernel::aliases_input); the interval is
// closed, so a node's outputs never overlap its inputs (no kernel works in place). Placement is
// greedy, largest value first, at the lowest offset that fits: usually within a few per cent of
// the largest set of values alive at once.
#pragma once
#include <cstdint>
#include <vector>

#include "graph/graph.h"

namespace kite {

struct MemoryPlan {
  std::vector<int64_t> offset;  // per value: its byte offset in the arena, or -1 if not placed
  int64_t arena_bytes = 0;
};

// A value placed inside another's storage: a Concat's input written by its producer straight into
// its block of the Concat's output (zero-copy concat). The container lives from the first of its
// members' producers to the last reader of any of them or of itself.
struct PlacedInside {
  int container = -1;  // -1: placed on its own
  int64_t offset = 0;  // bytes from the container's start, a multiple of 64
};

// in_arena[v]: whether value v is to be placed (its shape is known at load time, a kernel that
// overwrites every element writes it, and it is not a graph output). alias_of[v]: the value whose
// storage v shares, or -1. inside (empty, or one entry per value): members of a container, each
// in_arena as its container is.
MemoryPlan plan_memory(const Graph& g, const std::vector<bool>& in_arena, const std::vector<int>& alias_of,
                       const std::vector<PlacedInside>& inside = {});

// Zero-copy Concat: for each Concat node i with copying_concat[i] (run by the kernel that copies
// only the inputs not already in place) whose output is in the arena and whose inputs are
// contiguous blocks of it (nothing before the axis but ones: batch 1 along channels), each input
// in the arena on its own (not an alias, not already inside another Concat's output, read once by
// this Concat) whose block starts on a 64-byte boundary is placed in its block.
std::vector<PlacedInside> place_concat_inputs(const Graph& g, const std::vector<bool>& in_arena,
                                              const std::vector<int>& alias_of, const std::vector<bool>& copying_concat);

}  // namespace kite
