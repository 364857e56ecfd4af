// `kite run --profile`: where a model's time goes, per operator and per node.
#pragma once
#include <cstdio>
#include <vector>

#include "kite/session.h"

namespace kite::cli {

// Prints the time per operator/kernel pair (largest first, with its share) and the slowest
// nodes, averaged over the session's runs since `before` (session.profile() as it was then:
// `kite run` leaves out the first run, whose page faults and first allocations are no node's
// steady cost; empty: all runs).
void print_profile(const Session& session, std::FILE* out, const std::vector<Session::NodeTime>& before = {},
                   size_t top_nodes = 15);

}  // namespace kite::cli
