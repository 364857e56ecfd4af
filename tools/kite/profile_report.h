// `kite run --profile`: where a model's time goes, per operator and per node.
#pragma once
#include <cstdio>

#include "kite/session.h"

namespace kite::cli {

// Prints the time per operator/kernel pair (largest first, with its share) and the slowest
// nodes, averaged over the session's runs.
void print_profile(const Session& session, std::FILE* out, size_t top_nodes = 15);

}  // namespace kite::cli
