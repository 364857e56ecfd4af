#include "profile_report.h"

#include <algorithm>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace kite::cli {

void print_profile(const Session& session, std::FILE* out, const std::vector<Session::NodeTime>& before,
                   size_t top_nodes) {
  std::vector<Session::NodeTime> nodes = session.profile();
  if (before.size() == nodes.size())
    for (size_t i = 0; i < nodes.size(); ++i) {
      nodes[i].total_ms -= before[i].total_ms;
      nodes[i].runs -= before[i].runs;
    }
  if (nodes.empty() || nodes[0].runs == 0) return;
  double runs = static_cast<double>(nodes[0].runs), total = 0;
  struct Group {
    double ms = 0;
    int count = 0;
  };
  std::map<std::pair<std::string, std::string>, Group> groups;
  for (const Session::NodeTime& n : nodes) {
    total += n.total_ms / runs;
    Group& g = groups[{n.op, n.kernel}];
    g.ms += n.total_ms / runs;
    ++g.count;
  }
  std::vector<std::pair<std::pair<std::string, std::string>, Group>> sorted(groups.begin(), groups.end());
  std::sort(sorted.begin(), sorted.end(), [](const auto& a, const auto& b) { return a.second.ms > b.second.ms; });
  std::fprintf(out, "profile: %.3f ms per run over %lld runs (kernel time; the rest is the executor)\n", total,
               static_cast<long long>(nodes[0].runs));
  std::fprintf(out, "%-18s %-36s %6s %10s %7s\n", "op", "kernel", "nodes", "ms/run", "share");
  for (const auto& [key, g] : sorted)
    std::fprintf(out, "%-18s %-36s %6d %10.3f %6.1f%%\n", key.first.c_str(), key.second.c_str(), g.count, g.ms,
                 total > 0 ? 100.0 * g.ms / total : 0.0);
  std::sort(nodes.begin(), nodes.end(), [](const auto& a, const auto& b) { return a.total_ms > b.total_ms; });
  std::fprintf(out, "slowest nodes:\n");
  for (size_t i = 0; i < std::min(top_nodes, nodes.size()); ++i)
    std::fprintf(out, "  %-40s %-14s %-30s %8.3f ms\n", nodes[i].name.c_str(), nodes[i].op.c_str(),
                 nodes[i].kernel.c_str(), nodes[i].total_ms / runs);
}

}  // namespace kite::cli
