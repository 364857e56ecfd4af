// The memory planner: values alive at the same time never share bytes (checked over a whole
// zoo network's lifetimes), storage shared by a reshape lives as long as its last reader, the
// arena is no larger than it must be on a chain, and a Concat's inputs are placed in its output
// where their blocks are contiguous (zero-copy concat).
#include <gtest/gtest.h>

#include "graph_fixtures.h"
#include "kite/session.h"
#include "kite/zoo.h"
#include "op_test_util.h"
#include "passes/passes.h"
#include "runtime/memory_plan.h"

namespace kite {
namespace {

// Lifetimes as the planner defines them, for the check.
void expect_no_overlap(const Graph& g, const MemoryPlan& plan, const std::vector<int>& alias_of) {
  std::vector<int64_t> first(g.values.size(), -1), last(g.values.size(), -1);
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    for (int v : g.nodes[i].outputs) first[static_cast<size_t>(v)] = static_cast<int64_t>(i);
    for (int v : g.nodes[i].inputs)
      if (v >= 0) last[static_cast<size_t>(v)] = static_cast<int64_t>(i);
  }
  for (size_t v = 0; v < g.values.size(); ++v)
    if (alias_of[v] >= 0) last[static_cast<size_t>(alias_of[v])] = std::max(last[static_cast<size_t>(alias_of[v])], last[v]);
  auto bytes = [&](size_t v) { return shape_numel(g.values[v].shape) * static_cast<int64_t>(dtype_size(g.values[v].dtype)); };
  int placed = 0;
  for (size_t a = 0; a < g.values.size(); ++a) {
    if (plan.offset[a] < 0) continue;
    ++placed;
    EXPECT_EQ(plan.offset[a] % 64, 0);
    EXPECT_LE(plan.offset[a] + bytes(a), plan.arena_bytes);
    for (size_t b = a + 1; b < g.values.size(); ++b) {
      if (plan.offset[b] < 0) continue;
      bool live_together = first[a] <= std::max(last[b], first[b]) && first[b] <= std::max(last[a], first[a]);
      bool share_bytes = plan.offset[a] < plan.offset[b] + bytes(b) && plan.offset[b] < plan.offset[a] + bytes(a);
      EXPECT_FALSE(live_together && share_bytes) << g.values[a].name << " and " << g.values[b].name;
    }
  }
  EXPECT_GT(placed, 10);
}

// The same with Concat inputs placed in their outputs: two values alive at the same time share no
// byte unless one is placed inside the other.
void expect_no_overlap_with_members(const Graph& g, const MemoryPlan& plan, const std::vector<PlacedInside>& inside) {
  std::vector<int64_t> first(g.values.size(), -1), last(g.values.size(), -1);
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    for (int v : g.nodes[i].outputs) first[static_cast<size_t>(v)] = static_cast<int64_t>(i);
    for (int v : g.nodes[i].inputs)
      if (v >= 0) last[static_cast<size_t>(v)] = static_cast<int64_t>(i);
  }
  auto contains = [&](size_t outer, size_t v) {
    for (int c = inside[v].container; c >= 0; c = inside[static_cast<size_t>(c)].container)
      if (static_cast<size_t>(c) == outer) return true;
    return false;
  };
  auto bytes = [&](size_t v) { return shape_numel(g.values[v].shape) * static_cast<int64_t>(dtype_size(g.values[v].dtype)); };
  int members = 0;
  for (size_t a = 0; a < g.values.size(); ++a) {
    if (plan.offset[a] < 0) continue;
    members += inside[a].container >= 0;
    EXPECT_EQ(plan.offset[a] % 64, 0);
    for (size_t b = a + 1; b < g.values.size(); ++b) {
      if (plan.offset[b] < 0 || contains(a, b) || contains(b, a)) continue;
      bool live_together = first[a] <= std::max(last[b], first[b]) && first[b] <= std::max(last[a], first[a]);
      bool share_bytes = plan.offset[a] < plan.offset[b] + bytes(b) && plan.offset[b] < plan.offset[a] + bytes(a);
      EXPECT_FALSE(live_together && share_bytes) << g.values[a].name << " and " << g.values[b].name;
    }
  }
  EXPECT_GT(members, 10);
}

TEST(MemoryPlan, ConcatInputsInTheirOutputsOverlapNothingAlive) {
  for (const char* spec : {"googlenet?resolution=64", "inception_v3?resolution=96"}) {  // nested Concats in the latter
    SCOPED_TRACE(spec);
    Graph g = zoo_model(spec).graph();
    std::vector<bool> in_arena(g.values.size(), false), concat(g.nodes.size(), false);
    for (size_t i = 0; i < g.nodes.size(); ++i) {
      concat[i] = g.nodes[i].op == "Concat";
      for (int v : g.nodes[i].outputs) in_arena[static_cast<size_t>(v)] = g.values[static_cast<size_t>(v)].shape_known;
    }
    for (int v : g.outputs) in_arena[static_cast<size_t>(v)] = false;
    std::vector<int> alias_of(g.values.size(), -1);
    std::vector<PlacedInside> inside = place_concat_inputs(g, in_arena, alias_of, concat);
    expect_no_overlap_with_members(g, plan_memory(g, in_arena, alias_of, inside), inside);
  }
}

TEST(MemoryPlan, ValuesAliveTogetherNeverShareBytes) {
  Graph g = zoo_model("googlenet?resolution=64").graph();  // branches and concats: many overlapping lifetimes
  std::vector<bool> in_arena(g.values.size(), false);
  for (const Node& n : g.nodes)
    for (int v : n.outputs) in_arena[static_cast<size_t>(v)] = g.values[static_cast<size_t>(v)].shape_known;
  for (int v : g.outputs) in_arena[static_cast<size_t>(v)] = false;
  std::vector<int> alias_of(g.values.size(), -1);
  expect_no_overlap(g, plan_memory(g, in_arena, alias_of), alias_of);
}

TEST(MemoryPlan, AChainNeedsTwoBuffersAndAnAliasExtendsALifetime) {
  // x -> relu a -> relu b -> reshape c (shares b) -> relu d -> relu e: a and b live together,
  // then b (through c) and d; e is the output.
  Graph g;
  int x = test::add_input(g, "x", {1, 256});
  int a = test::add_node(g, "Relu", "a", {x});
  int b = test::add_node(g, "Relu", "b", {a});
  int c = test::add_node(g, "Reshape", "c", {b, g.add_constant("shape", test::ints({256}))});
  int d = test::add_node(g, "Relu", "d", {c});
  int e = test::add_node(g, "Relu", "e", {d});
  g.outputs = {e};
  prepare_graph(g);
  std::vector<bool> in_arena(g.values.size(), false);
  for (int v : {a, b, d}) in_arena[static_cast<size_t>(v)] = true;
  std::vector<int> alias_of(g.values.size(), -1);
  alias_of[static_cast<size_t>(c)] = b;
  MemoryPlan plan = plan_memory(g, in_arena, alias_of);
  EXPECT_EQ(plan.arena_bytes, 2 * 1024);
  EXPECT_NE(plan.offset[static_cast<size_t>(b)], plan.offset[static_cast<size_t>(d)]);
  EXPECT_EQ(plan.offset[static_cast<size_t>(a)], plan.offset[static_cast<size_t>(d)]);
}

// x -> relu a -> relu b, relu c (both of a) -> concat(b, c) -> global average pool -> output.
struct ConcatGraph {
  Graph g;
  int a, b, c, concat;
};

ConcatGraph concat_graph(int64_t batch, bool twice) {
  ConcatGraph t;
  Graph& g = t.g;
  int x = test::add_input(g, "x", {batch, 64, 64, 64});  // 1 MiB per image
  t.a = test::add_node(g, "Relu", "a", {x});
  t.b = test::add_node(g, "Relu", "b", {t.a});
  t.c = test::add_node(g, "Sigmoid", "c", {t.a});
  Attributes axis;
  axis.set_int("axis", 1);
  t.concat = test::add_node(g, "Concat", "concat", twice ? std::vector<int>{t.b, t.b} : std::vector<int>{t.b, t.c}, axis);
  g.outputs = {test::add_node(g, "GlobalAveragePool", "pool", {t.concat})};
  prepare_graph(g);
  return t;
}

TEST(MemoryPlan, MembersSitInTheirContainerWhichLivesAsLongAsAnyOfThem) {
  ConcatGraph t = concat_graph(1, false);
  const Graph& g = t.g;
  std::vector<bool> in_arena(g.values.size(), false);
  for (int v : {t.a, t.b, t.c, t.concat}) in_arena[static_cast<size_t>(v)] = true;
  std::vector<int> alias_of(g.values.size(), -1);
  std::vector<PlacedInside> inside(g.values.size());
  const int64_t mib = 1 << 20;
  inside[static_cast<size_t>(t.b)] = {t.concat, 0};
  inside[static_cast<size_t>(t.c)] = {t.concat, mib};
  MemoryPlan plan = plan_memory(g, in_arena, alias_of, inside);
  const int64_t at = plan.offset[static_cast<size_t>(t.concat)];
  EXPECT_EQ(plan.offset[static_cast<size_t>(t.b)], at);
  EXPECT_EQ(plan.offset[static_cast<size_t>(t.c)], at + mib);
  // a is read while b and c are written, so it shares no byte with their container.
  const int64_t a_at = plan.offset[static_cast<size_t>(t.a)];
  EXPECT_TRUE(a_at + mib <= at || at + 2 * mib <= a_at) << a_at << " vs " << at;
  EXPECT_EQ(plan.arena_bytes, 3 * mib);
}

// The session places b and c in the Concat's output (a 3 MiB arena: a and the 2 MiB output;
// copying would need b, c and the output at once, 4 MiB), and the results are the reference's.
// Batch 2 (blocks not contiguous: 8 MiB, twice the copying batch 1) and an input read twice
// (concat(b, b): b and the output, 3 MiB) keep copies.
TEST(MemoryPlan, ZeroCopyConcatWhereTheBlocksAreContiguous) {
  const int64_t mib = 1 << 20;
  struct Case {
    int64_t batch;
    bool twice;
    int64_t arena;
  } cases[] = {{1, false, 3 * mib}, {2, false, 8 * mib}, {1, true, 3 * mib}};
  for (const Case& c : cases) {
    Model m = Model::from_graph(concat_graph(c.batch, c.twice).g);
    Tensor x = test::ramp({c.batch, 64, 64, 64}, 3.f);
    SessionOptions reference;
    reference.optimize = false;
    Tensor want = Session(m, reference).run({{"x", x}})[0].second;
    for (int threads : {1, 2}) {
      SessionOptions o;
      o.threads = threads;
      Session s(m, o);
      EXPECT_EQ(s.arena_bytes(), c.arena) << "batch " << c.batch << (c.twice ? ", input twice" : "");
      Tensor got = s.run({{"x", x}})[0].second;
      ASSERT_EQ(got.numel(), want.numel());
      for (int64_t i = 0; i < got.numel(); ++i)
        ASSERT_NEAR(got.data<float>()[i], want.data<float>()[i], 1e-6f) << "batch " << c.batch << " element " << i;
    }
  }
}

// Concat patterns through a whole session, against the reference kernels, run twice with different
// inputs: nested Concats (axis -3), a placed input read again after its Concat, one value feeding
// two Concats, a block of 3 x 5 x 5 floats (not a multiple of 64 bytes) before aligned ones, and a
// Concat input that is a graph input.
TEST(MemoryPlan, ZeroCopyConcatPatternsMatchTheReference) {
  Graph g;
  int x = test::add_input(g, "x", {1, 4, 5, 5});
  int x3 = test::add_input(g, "x3", {1, 3, 5, 5});
  int a = test::add_node(g, "Relu", "a", {x});
  int b = test::add_node(g, "Sigmoid", "b", {x});
  int c = test::add_node(g, "HardSigmoid", "c", {x});
  Attributes channels, minus3;
  channels.set_int("axis", 1);
  minus3.set_int("axis", -3);
  int inner = test::add_node(g, "Concat", "inner", {a, b}, channels);          // 8 channels
  int outer = test::add_node(g, "Concat", "outer", {inner, c}, minus3);        // nested: 12
  int shared = test::add_node(g, "Concat", "shared", {c, a}, channels);       // a and c in two Concats
  int odd_first = test::add_node(g, "Concat", "odd_first", {x3, b, c}, channels);  // 300-byte block first
  int again = test::add_node(g, "Add", "again", {a, b});                      // members read after
  g.outputs = {test::add_node(g, "Relu", "o1", {outer}), test::add_node(g, "Relu", "o2", {shared}),
               test::add_node(g, "Relu", "o3", {odd_first}), test::add_node(g, "Relu", "o4", {again})};
  prepare_graph(g);
  Model m = Model::from_graph(g);
  SessionOptions reference;
  reference.optimize = false;
  Session want_session(m, reference), got_session(m);
  for (float scale : {1.f, -2.f}) {
    NamedTensors in = {{"x", test::ramp({1, 4, 5, 5}, scale)}, {"x3", test::ramp({1, 3, 5, 5}, 3.f * scale)}};
    auto want = want_session.run(in);
    auto got = got_session.run(in);
    ASSERT_EQ(want.size(), got.size());
    for (size_t o = 0; o < want.size(); ++o) {
      ASSERT_EQ(want[o].second.shape(), got[o].second.shape()) << want[o].first;
      for (int64_t i = 0; i < want[o].second.numel(); ++i)
        ASSERT_NEAR(want[o].second.data<float>()[i], got[o].second.data<float>()[i], 1e-6f)
            << want[o].first << " element " << i << " scale " << scale;
    }
  }
}

TEST(MemoryPlan, SessionsReportTheirArena) {
  Model m = zoo_model("mobilenet_v2?alpha=0.35&resolution=64");
  Session s(m);
  EXPECT_GT(s.arena_bytes(), 0);
  SessionOptions reference;
  reference.optimize = false;
  EXPECT_EQ(Session(m, reference).arena_bytes(), 0);
}

}  // namespace
}  // namespace kite
