// PCT (--strategy pct): the per-execution guarantee 1/(n k^(d-1)) measured on depth-1 and depth-2 bugs; seeds and
// tokens.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <set>
#include <stdexcept>

#include "weft/explore.hpp"
#include "weft/scenario.hpp"
#include "weft/sync.hpp"

namespace {

using weft::FindingKind;

// Depth 2 (an atomicity violation): t2 must read x after t1's first store and before its second.
void depth_two() {
  weft::atomic<int> x(0);
  weft::thread t1([&] {
    x.store(1);
    x.store(2);
  });
  weft::thread t2([&] { WEFT_ASSERT(x.load() != 1); });
  t1.join();
  t2.join();
}

// Depth 1 (an ordering violation): the reader, spawned first, must read before the writer writes.
// Under random priorities alone (d = 1) it fails in 4 of the 6 orders of (main, reader, writer):
// whenever the reader outranks the writer, and when the reader outranks main (it then reads at
// its spawn, before the writer exists): 2/3, above the bound 1/n = 1/3.
void depth_one() {
  weft::atomic<int> x(0);
  weft::thread reader([&] { WEFT_ASSERT(x.load() == 1); });
  weft::thread writer([&] { x.store(1); });
  reader.join();
  writer.join();
}

struct Rate {
  std::uint64_t hits = 0;
  std::uint64_t samples = 0;
  std::uint64_t n = 0;  // largest thread count (main + 2)
  std::uint64_t k = 0;  // largest event count of an execution: PCT's step count
};

// `seeds` runs of `per_run` executions each; the first execution of a run only measures n and k
// (no change point), so it is not a sample.
Rate measure(void (*body)(), int depth, int seeds, int per_run) {
  Rate rate;
  rate.n = 3;
  for (int seed = 1; seed <= seeds; ++seed) {
    weft::Options o{.strategy = weft::StrategyKind::kDfs};
    o.strategy = weft::StrategyKind::kPct;
    o.pct_depth = depth;
    o.seed = static_cast<std::uint64_t>(seed);
    o.max_executions = static_cast<std::uint64_t>(per_run);
    o.stop_on_first = false;
    o.trace = false;
    const weft::Result r = weft::explore(body, o);
    EXPECT_EQ(r.strategy, "pct");
    EXPECT_EQ(r.executions, static_cast<std::uint64_t>(per_run));
    EXPECT_FALSE(r.complete);
    rate.k = std::max(rate.k, r.max_steps_seen);
    std::set<std::uint64_t> failing;
    for (const weft::Finding& f : r.findings) {
      EXPECT_EQ(f.kind, FindingKind::kAssertionFailure);
      if (f.execution > 1) failing.insert(f.execution);
    }
    rate.hits += failing.size();
    rate.samples += static_cast<std::uint64_t>(per_run - 1);
  }
  return rate;
}

double bound(const Rate& r, int depth) {
  double b = 1.0 / static_cast<double>(r.n);
  for (int i = 1; i < depth; ++i) b /= static_cast<double>(r.k);
  return b;
}

// The paper's claim in miniature: over 200 seeds x 19 sampled executions, the hit rate of a
// depth-2 bug under PCT with d = 2 is at least 1/(n k), n = 3 threads, k = the largest event
// count (an execution of this body has 10 events: main's 2 spawns, 2 joins and exit, t1's 2
// stores and exit, t2's load and exit; the failing ones stop earlier). The run is
// deterministic (fixed seeds): the measured figures are printed, the assertion is the bound.
TEST(Pct, DepthTwoHitRateMeetsTheBound) {
  const Rate r = measure(&depth_two, 2, 200, 20);
  const double rate = static_cast<double>(r.hits) / static_cast<double>(r.samples);
  std::printf("pct d=2 on a depth-2 bug: %llu / %llu executions = %.4f; bound 1/(n k) = 1/(%llu*%llu) = %.4f\n",
              static_cast<unsigned long long>(r.hits), static_cast<unsigned long long>(r.samples), rate,
              static_cast<unsigned long long>(r.n), static_cast<unsigned long long>(r.k), bound(r, 2));
  EXPECT_EQ(r.k, 10u);
  EXPECT_GE(rate, bound(r, 2));
}

// Depth 1 with d = 1 (random priorities, no change point): at least 1/n.
TEST(Pct, DepthOneHitRateMeetsTheBound) {
  const Rate r = measure(&depth_one, 1, 200, 20);
  const double rate = static_cast<double>(r.hits) / static_cast<double>(r.samples);
  std::printf("pct d=1 on a depth-1 bug: %llu / %llu executions = %.4f; bound 1/n = %.4f\n",
              static_cast<unsigned long long>(r.hits), static_cast<unsigned long long>(r.samples), rate, bound(r, 1));
  EXPECT_GE(rate, bound(r, 1));
}

// Same seed, same executions; findings carry the seed and a token that replays.
TEST(Pct, SeededAndReplayable) {
  const weft::Scenario* s = weft::find_scenario("counter/lost-update");
  ASSERT_NE(s, nullptr);
  weft::Options o{.strategy = weft::StrategyKind::kDfs};
  o.strategy = weft::StrategyKind::kPct;
  o.seed = 42;
  const weft::Result a = weft::explore_scenario(*s, s->default_params(), o);
  const weft::Result b = weft::explore_scenario(*s, s->default_params(), o);
  ASSERT_TRUE(a.has(FindingKind::kAssertionFailure));
  EXPECT_EQ(a.seed, 42u);
  EXPECT_EQ(a.executions, b.executions);
  ASSERT_EQ(a.findings.size(), b.findings.size());
  EXPECT_EQ(a.findings[0].schedule, b.findings[0].schedule);
  const weft::ScheduleParse parsed = weft::decode_schedule(a.findings[0].schedule);
  ASSERT_TRUE(parsed.schedule.has_value()) << parsed.error;
  const weft::Result again = weft::replay_scenario(*s, *parsed.schedule);
  EXPECT_TRUE(again.divergence.empty()) << again.divergence;
  EXPECT_TRUE(again.has(FindingKind::kAssertionFailure));
}

// PCT is a bounded search: never complete, 1000 executions by default.
TEST(Pct, IsNeverComplete) {
  weft::Options o{.strategy = weft::StrategyKind::kDfs};
  o.strategy = weft::StrategyKind::kPct;
  const weft::Result r = weft::explore([] { depth_one(); },
                                       [] {
                                         weft::Options x{.strategy = weft::StrategyKind::kDfs};
                                         x.strategy = weft::StrategyKind::kPct;
                                         x.stop_on_first = false;
                                         x.trace = false;
                                         return x;
                                       }());
  EXPECT_FALSE(r.complete);
  EXPECT_EQ(r.executions, 1000u);
  EXPECT_EQ(r.bounded_by, "max_executions=1000");
  weft::Options zero = o;
  zero.pct_depth = 0;
  EXPECT_THROW(weft::explore([] { depth_one(); }, zero), std::invalid_argument);
}

}  // namespace
