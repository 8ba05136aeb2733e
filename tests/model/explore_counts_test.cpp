// Exact execution counts of complete DFS searches, explained and checked against an oracle.
#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <numeric>
#include <utility>
#include <vector>

#include "weft/explore.hpp"
#include "weft/scenario.hpp"
#include "weft/sync.hpp"

namespace {

// Independent oracle: the number of linear extensions of a partial order given as
// "a before b" constraints over n operations (brute force over permutations; n <= 10).
std::uint64_t linear_extensions(int n, const std::vector<std::pair<int, int>>& before) {
  std::vector<int> order(static_cast<std::size_t>(n));
  std::iota(order.begin(), order.end(), 0);
  std::uint64_t count = 0;
  std::vector<int> pos(static_cast<std::size_t>(n));
  do {
    for (int i = 0; i < n; ++i) pos[static_cast<std::size_t>(order[static_cast<std::size_t>(i)])] = i;
    bool ok = true;
    for (auto [a, b] : before) ok = ok && pos[static_cast<std::size_t>(a)] < pos[static_cast<std::size_t>(b)];
    count += ok ? 1 : 0;
  } while (std::next_permutation(order.begin(), order.end()));
  return count;
}

weft::Result explore_counter(std::string_view name, int threads, int iterations) {
  const weft::Scenario* s = weft::find_scenario(name);
  EXPECT_NE(s, nullptr) << name;
  weft::Params p = s->default_params();
  EXPECT_EQ(p.set("threads", threads), "");
  EXPECT_EQ(p.set("iterations", iterations), "");
  return weft::explore_scenario(*s, p, weft::Options{.strategy = weft::StrategyKind::kDfs});
}

// How weft counts. The visible operations are the scheduling points. The main thread
// spawns t1 and t2 (spawn is visible), joins them (join is visible and enabled only once the
// target has finished), then loads the counter. A spawned thread runs its invisible prefix
// up to its first visible operation at once, and its exit is not a separate scheduling point.
// Only points where two or more threads can run create alternatives.
//
// If the only scheduling points were the four fetch_adds of 2 threads x 2, there would be
// C(4,2) = 6 interleavings. Here the main thread's ops S2 (spawn t2), J1, J2 interleave too:
//   main: S2 < J1 < J2; t1: a1 < a2 < J1 (t1 exists from S1 on, which nothing precedes);
//   t2: S2 < b1 < b2 < J2.
// The final load comes after J2, when only main runs. Linear extensions of that order: 19.
TEST(ExploreCounts, AtomicCounterTwoByTwoIsNineteen) {
  enum { S2, J1, J2, A1, A2, B1, B2, kOps };
  const std::uint64_t oracle =
      linear_extensions(kOps, {{S2, J1}, {J1, J2}, {A1, A2}, {A2, J1}, {S2, B1}, {B1, B2}, {B2, J2}});
  EXPECT_EQ(oracle, 19u);
  const weft::Result r = explore_counter("counter/atomic", 2, 2);
  EXPECT_TRUE(r.complete);
  EXPECT_TRUE(r.findings.empty());
  EXPECT_EQ(r.executions, oracle);
}

// One fetch_add each: a (t1) before J1; b (t2) after S2 and before J2. a can precede S2 or
// not; enumerating: a<S2 gives 2 placements of b, S2<a gives 3 (a,b both before J1 in either
// order, or b after J1): 5.
TEST(ExploreCounts, AtomicCounterTwoByOneIsFive) {
  enum { S2, J1, J2, A, B, kOps };
  const std::uint64_t oracle = linear_extensions(kOps, {{S2, J1}, {J1, J2}, {A, J1}, {S2, B}, {B, J2}});
  EXPECT_EQ(oracle, 5u);
  const weft::Result r = explore_counter("counter/atomic", 2, 1);
  EXPECT_TRUE(r.complete);
  EXPECT_EQ(r.executions, 5u);
}

// Three threads x one fetch_add: main S2 < S3 < J1 < J2 < J3; a < J1; S2 < b < J2; S3 < c < J3.
TEST(ExploreCounts, AtomicCounterThreeByOneMatchesOracle) {
  enum { S2, S3, J1, J2, J3, A, B, C, kOps };
  const std::uint64_t oracle =
      linear_extensions(kOps, {{S2, S3}, {S3, J1}, {J1, J2}, {J2, J3}, {A, J1}, {S2, B}, {B, J2}, {S3, C}, {C, J3}});
  const weft::Result r = explore_counter("counter/atomic", 3, 1);
  EXPECT_TRUE(r.complete);
  EXPECT_EQ(r.executions, oracle);
}

// The same count through the user-facing API, with the body written inline.
TEST(ExploreCounts, RawBodyMatchesOracle) {
  const weft::Result r = weft::explore(
      [] {
        weft::atomic<int> x(0);
        weft::thread t1([&] {
          x.fetch_add(1);
          x.fetch_add(1);
        });
        weft::thread t2([&] {
          x.fetch_add(1);
          x.fetch_add(1);
        });
        t1.join();
        t2.join();
      },
      weft::Options{.strategy = weft::StrategyKind::kDfs});
  enum { S2, J1, J2, A1, A2, B1, B2, kOps };
  const std::uint64_t oracle =
      linear_extensions(kOps, {{S2, J1}, {J1, J2}, {A1, A2}, {A2, J1}, {S2, B1}, {B1, B2}, {B2, J2}});
  EXPECT_TRUE(r.complete);
  EXPECT_EQ(r.executions, oracle);
}

// weft::choose(n) is a data choice: DFS explores every value.
TEST(ExploreCounts, ChooseIsExploredExhaustively) {
  std::vector<std::uint32_t> seen;
  const weft::Result r = weft::explore(
      [&] {
        const std::uint32_t a = weft::choose(3);
        const std::uint32_t b = weft::choose(2);
        seen.push_back(a * 10 + b);
      },
      weft::Options{.strategy = weft::StrategyKind::kDfs});
  EXPECT_TRUE(r.complete);
  EXPECT_EQ(r.executions, 6u);
  std::sort(seen.begin(), seen.end());
  EXPECT_EQ(seen, (std::vector<std::uint32_t>{0, 1, 10, 11, 20, 21}));
}

// Preemption bounding: the racy counter needs one preemption (a thread switched away from
// between its read and its write). With bound 0 the search is exhausted without finding it
// and says it was bounded; with bound 1 the bug is found.
TEST(ExploreCounts, PreemptionBoundIsReportedAsBound) {
  const weft::Scenario* s = weft::find_scenario("counter/racy");
  ASSERT_NE(s, nullptr);
  weft::Options o{.strategy = weft::StrategyKind::kDfs};
  o.preemption_bound = 0;
  const weft::Result zero = weft::explore_scenario(*s, s->default_params(), o);
  EXPECT_FALSE(zero.complete);
  EXPECT_EQ(zero.bounded_by, "preemption_bound=0");
  EXPECT_FALSE(zero.has(weft::FindingKind::kAssertionFailure));
  o.preemption_bound = 1;
  const weft::Result one = weft::explore_scenario(*s, s->default_params(), o);
  EXPECT_TRUE(one.has(weft::FindingKind::kAssertionFailure));
}

// max_executions is a bound, never a proof.
TEST(ExploreCounts, MaxExecutionsIsReportedAsBound) {
  const weft::Scenario* s = weft::find_scenario("counter/mutex");
  ASSERT_NE(s, nullptr);
  weft::Options o{.strategy = weft::StrategyKind::kDfs};
  o.max_executions = 10;
  const weft::Result r = weft::explore_scenario(*s, s->default_params(), o);
  EXPECT_EQ(r.executions, 10u);
  EXPECT_FALSE(r.complete);
  EXPECT_EQ(r.bounded_by, "max_executions=10");
}

// Catalog: every scenario that records its complete DFS count still has it.
TEST(ExploreCounts, RecordedCatalogCountsHold) {
  int checked = 0;
  for (const weft::Scenario* s : weft::scenarios()) {
    if (s->dfs_executions == 0) continue;
    weft::Options o{.strategy = weft::StrategyKind::kDfs};
    o.strategy = weft::StrategyKind::kDfs;
    o.preemption_bound = s->explore.preemption_bound;
    o.policy = s->explore.policy;  // priority scenarios count under the priority policy
    o.cpus = s->explore.cpus;
    const weft::Result r = weft::explore_scenario(*s, s->default_params(), o);
    EXPECT_TRUE(r.complete) << s->name;
    EXPECT_EQ(r.executions, s->dfs_executions) << s->name;
    ++checked;
  }
  EXPECT_GE(checked, 2);
}

}  // namespace
