// DPOR (--strategy dpor): exact execution counts against trace oracles, findings and replay, its limits.
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <set>
#include <stdexcept>
#include <vector>

#include "findings_util.hpp"
#include "weft/explore.hpp"
#include "weft/scenario.hpp"
#include "weft/sync.hpp"

namespace {

using weft::FindingKind;
using weft::StrategyKind;

weft::Options with(StrategyKind strategy) {
  weft::Options o;
  o.strategy = strategy;
  return o;
}

weft::Result explore_counter(std::string_view name, int threads, int iterations, StrategyKind strategy) {
  const weft::Scenario* s = weft::find_scenario(name);
  EXPECT_NE(s, nullptr) << name;
  weft::Params p = s->default_params();
  EXPECT_EQ(p.set("threads", threads), "");
  EXPECT_EQ(p.set("iterations", iterations), "");
  return weft::explore_scenario(*s, p, with(strategy));
}

// The optimal count for counter/atomic with 3 threads x 3 fetch_adds.
//
// The visible operations: the main thread spawns t1, t2, t3 (S1 S2 S3), joins them (J1 J2 J3)
// and loads the counter (L); each ti runs three fetch_adds, and its exit (not a scheduling point
// of its own) belongs to its last step. Dependencies between steps of different threads:
//   - the fetch_adds all write the one counter: pairwise dependent;
//   - S_i comes before t_i's first step (spawn edge), t_i's exit before J_i (join edge);
//   - L reads the counter, but follows J3, which follows every fetch_add.
// A spawn and another thread's fetch_add commute, and so do a join and another thread's
// fetch_add; main's own operations are in program order. So a Mazurkiewicz trace is fixed by the
// order of the nine fetch_adds alone, each thread's three in program order:
// 9! / (3! 3! 3!) = 1680 traces. Optimal DPOR runs one execution per trace: 1680 executions,
// where DFS runs 25,424 (every interleaving of the same steps).
//
// The oracle does not trust that argument: the body records which thread did the k-th fetch_add
// (k = the value it read), i.e. the trace. DFS sees 1680 distinct traces; DPOR sees the same
// 1680, each exactly once.
TEST(DporCounts, AtomicCounterThreeByThreeIsOneExecutionPerTrace) {
  auto run = [](StrategyKind strategy, std::set<std::vector<int>>& traces) {
    return weft::explore(
        [&traces] {
          weft::atomic<int> counter(0);
          std::array<int, 9> by_value{};  // plain memory: slot k is written once, read after the joins
          std::vector<weft::thread> threads;
          threads.reserve(3);
          for (int t = 0; t < 3; ++t) {
            threads.emplace_back([&counter, &by_value, t] {
              for (int i = 0; i < 3; ++i) by_value[static_cast<std::size_t>(counter.fetch_add(1))] = t;
            });
          }
          for (weft::thread& t : threads) t.join();
          WEFT_ASSERT(counter.load() == 9);
          traces.insert(std::vector<int>(by_value.begin(), by_value.end()));
        },
        with(strategy));
  };
  std::set<std::vector<int>> dfs_traces;
  std::set<std::vector<int>> dpor_traces;
  const weft::Result dfs = run(StrategyKind::kDfs, dfs_traces);
  const weft::Result dpor = run(StrategyKind::kDpor, dpor_traces);
  ASSERT_TRUE(dfs.complete);
  ASSERT_TRUE(dpor.complete);
  EXPECT_TRUE(dfs.ok());
  EXPECT_TRUE(dpor.ok());
  EXPECT_EQ(dfs_traces.size(), 1680u);
  EXPECT_EQ(dfs.executions, 25424u);
  EXPECT_EQ(dpor_traces, dfs_traces);
  EXPECT_EQ(dpor.executions, 1680u);  // no trace twice
  EXPECT_EQ(dpor.redundant_executions, 0u);
  EXPECT_EQ(dpor.conservative_backtracks, 0u);
}

// The catalog scenario itself, and the same count for other sizes: the multinomial
// (threads * iterations)! / (iterations!)^threads of the fetch_add orders.
TEST(DporCounts, AtomicCounterIsTheMultinomial) {
  struct Size {
    int threads, iterations;
    std::uint64_t traces;
  };
  for (const Size& z : {Size{2, 2, 6}, Size{2, 3, 20}, Size{3, 2, 90}, Size{3, 3, 1680}, Size{4, 2, 2520}}) {
    const weft::Result r = explore_counter("counter/atomic", z.threads, z.iterations, StrategyKind::kDpor);
    EXPECT_TRUE(r.complete);
    EXPECT_TRUE(r.ok());
    EXPECT_EQ(r.executions, z.traces) << z.threads << "x" << z.iterations;
  }
}

// counter/mutex: each iteration is a critical section (lock, load, store, unlock). All mutex
// operations of one mutex are dependent, and the variable's accesses sit inside the critical
// sections, so a trace is fixed by the order of the critical sections: the same multinomial.
// (DFS: 118 executions at 2x2.)
TEST(DporCounts, MutexCounterIsTheOrderOfCriticalSections) {
  struct Size {
    int threads, iterations;
    std::uint64_t traces;
  };
  for (const Size& z : {Size{2, 2, 6}, Size{3, 2, 90}, Size{3, 3, 1680}}) {
    const weft::Result r = explore_counter("counter/mutex", z.threads, z.iterations, StrategyKind::kDpor);
    EXPECT_TRUE(r.complete);
    EXPECT_TRUE(r.ok());
    EXPECT_EQ(r.executions, z.traces) << z.threads << "x" << z.iterations;
    EXPECT_EQ(r.conservative_backtracks, 0u);
  }
}

// Two threads reading the same atomic: reads commute, so there is one trace (DFS: every
// interleaving of the two loads with the spawn and joins).
TEST(DporCounts, ReadsCommute) {
  const weft::Result r = weft::explore(
      [] {
        weft::atomic<int> x(1);
        weft::thread a([&] { WEFT_ASSERT(x.load() == 1); });
        weft::thread b([&] { WEFT_ASSERT(x.load() == 1); });
        a.join();
        b.join();
      },
      with(StrategyKind::kDpor));
  EXPECT_TRUE(r.complete);
  EXPECT_TRUE(r.ok());
  EXPECT_EQ(r.executions, 1u);
}

// A load racing with a store: two traces (the load sees 0 or 1); a third thread touching another
// location does not multiply them.
TEST(DporCounts, IndependentThreadDoesNotMultiply) {
  std::set<int> seen;
  const weft::Result r = weft::explore(
      [&seen] {
        weft::atomic<int> x(0);
        weft::atomic<int> y(0);
        int read = -1;
        weft::thread a([&] { x.store(1); });
        weft::thread b([&] { read = x.load(); });
        weft::thread c([&] {
          y.store(1);
          y.store(2);
        });
        a.join();
        b.join();
        c.join();
        seen.insert(read);
      },
      with(StrategyKind::kDpor));
  EXPECT_TRUE(r.complete);
  EXPECT_EQ(r.executions, 2u);
  EXPECT_EQ(seen, (std::set<int>{0, 1}));
}

// Data choices are explored exhaustively, as under DFS.
TEST(DporCounts, ChooseIsExploredExhaustively) {
  std::vector<std::uint32_t> seen;
  const weft::Result r = weft::explore(
      [&] {
        const std::uint32_t a = weft::choose(3);
        const std::uint32_t b = weft::choose(2);
        seen.push_back(a * 10 + b);
      },
      with(StrategyKind::kDpor));
  EXPECT_TRUE(r.complete);
  EXPECT_EQ(r.executions, 6u);
  std::sort(seen.begin(), seen.end());
  EXPECT_EQ(seen, (std::vector<std::uint32_t>{0, 1, 10, 11, 20, 21}));
}

// The correct bounded buffer with 2 producers and 2 consumers (capacity 2, 2 items each).
// Pinned counts (no closed form; soundness on such programs is the differential tests' job):
// without spurious wake-ups (Relacy's full search has none) 33,192 executions; with weft's
// default of at most one spurious wake-up per execution, 290,416. DFS does not finish either.
TEST(DporCounts, BoundedBufferTwoProducersTwoConsumers) {
  const weft::Scenario* s = weft::find_scenario("producer-consumer/bounded-buffer");
  ASSERT_NE(s, nullptr);
  weft::Params p = s->default_params();
  ASSERT_EQ(p.set("producers", 2), "");
  ASSERT_EQ(p.set("consumers", 2), "");
  weft::Options o = with(StrategyKind::kDpor);
  o.spurious_wakeups = false;
  const weft::Result r = weft::explore_scenario(*s, p, o);
  EXPECT_TRUE(r.complete);
  EXPECT_TRUE(r.ok());
  EXPECT_EQ(r.executions, 33192u);
  EXPECT_EQ(r.conservative_backtracks, 0u);
  std::printf("bounded buffer 2P/2C, dpor, no spurious wake-ups: %llu executions (%llu redundant), %.3f s\n",
              static_cast<unsigned long long>(r.executions), static_cast<unsigned long long>(r.redundant_executions),
              r.seconds);
}

// --- findings ---------------------------------------------------------------------------

TEST(DporFindings, LostUpdateIsFoundAndItsTokenReplays) {
  for (const char* name : {"counter/lost-update", "counter/racy"}) {
    const weft::Scenario* s = weft::find_scenario(name);
    ASSERT_NE(s, nullptr);
    const weft::Result r = weft::explore_scenario(*s, s->default_params(), with(StrategyKind::kDpor));
    ASSERT_TRUE(r.has(FindingKind::kAssertionFailure)) << name;
    EXPECT_EQ(r.strategy, "dpor");
    EXPECT_EQ(r.bounded_by, "finding");
    EXPECT_FALSE(r.complete);
    for (const weft::Finding& f : r.findings) {
      // DPOR's tokens hold the choices made, like any other strategy's: plain replay.
      const weft::ScheduleParse parsed = weft::decode_schedule(f.schedule);
      ASSERT_TRUE(parsed.schedule.has_value()) << parsed.error;
      const weft::Result again = weft::replay_scenario(*s, *parsed.schedule);
      EXPECT_TRUE(again.divergence.empty()) << again.divergence;
      EXPECT_TRUE(again.has(f.kind)) << name;
    }
  }
}

// A deadlock that needs one thread's blocked lock to be reordered before another's: DPOR must see
// the race of an operation that never ran (the deadlocked thread's lock).
TEST(DporFindings, AbbaDeadlockIsFound) {
  const weft::Result r = weft::explore(
      [] {
        weft::mutex a;
        weft::mutex b;
        weft::thread t1([&] {
          weft::lock_guard<weft::mutex> ga(a);
          weft::lock_guard<weft::mutex> gb(b);
        });
        weft::thread t2([&] {
          weft::lock_guard<weft::mutex> gb(b);
          weft::lock_guard<weft::mutex> ga(a);
        });
        t1.join();
        t2.join();
      },
      with(StrategyKind::kDpor));
  EXPECT_TRUE(r.has(FindingKind::kDeadlock));
}

// A semaphore taken by a try_acquire first leaves a later acquire blocked forever; the other
// order (acquire first, try_acquire fails) ends normally. Both outcomes must be explored.
TEST(DporFindings, BlockedAcquireIsReorderedBeforeTheTryAcquire) {
  std::set<int> outcomes;
  weft::Options o = with(StrategyKind::kDpor);
  o.stop_on_first = false;
  const weft::Result r = weft::explore(
      [&outcomes] {
        weft::binary_semaphore s(1);
        int tried = -1;
        weft::thread a([&] { tried = s.try_acquire() ? 1 : 0; });
        weft::thread b([&] { s.acquire(); });
        a.join();
        b.join();
        outcomes.insert(tried);
      },
      o);
  EXPECT_TRUE(r.complete);
  EXPECT_TRUE(r.has(FindingKind::kDeadlock));  // try_acquire first: b waits forever
  EXPECT_EQ(outcomes, std::set<int>{0});        // acquire first: the try fails, both finish
}

// --- limits -------------------------------------------------------------------------------

TEST(DporLimits, RejectsPreemptionBoundAndFairMode) {
  const weft::Scenario* s = weft::find_scenario("counter/atomic");
  ASSERT_NE(s, nullptr);
  weft::Options bounded = with(StrategyKind::kDpor);
  bounded.preemption_bound = 1;
  EXPECT_THROW(weft::explore_scenario(*s, s->default_params(), bounded), std::invalid_argument);
  weft::Options fair = with(StrategyKind::kDpor);
  fair.fair = true;
  EXPECT_THROW(weft::explore_scenario(*s, s->default_params(), fair), std::invalid_argument);
}

// A body that does not do the same thing under the same schedule is reported, not explored
// wrongly: here the second execution offers three values where the first offered two.
TEST(DporLimits, NondeterministicBodyIsReported) {
  int runs = 0;
  const weft::Result r = weft::explore(
      [&runs] {
        ++runs;
        (void)weft::choose(runs == 1 ? 2 : 3);
      },
      with(StrategyKind::kDpor));
  EXPECT_FALSE(r.complete);
  EXPECT_EQ(r.executions, 2u);
  EXPECT_NE(r.divergence.find("nondeterministic"), std::string::npos) << r.divergence;
}

// --- more than 64 threads -----------------------------------------------------------------------------

// DPOR's thread sets are 64-bit masks: a program with more than 64 threads is beyond it. The
// search then runs again from the start under DFS (which has no such limit) and says so in
// Result::strategy_fallback; never a "divergence", which would blame the scenario. The body
// spawns t1..t64 (65 threads with t0); each increments the counter, and t0's assertion is wrong
// on purpose (64 != 65): DFS's first execution fails it, in t0, at that line.
TEST(DporLimits, SixtyFiveThreadsFallBackToDfsAndSaySo) {
  const auto body = [] {
    weft::atomic<int> counter(0);
    std::vector<weft::thread> ts;
    ts.reserve(64);
    for (int i = 0; i < 64; ++i) ts.emplace_back([&counter] { counter.fetch_add(1); });
    for (weft::thread& t : ts) t.join();
    WEFT_ASSERT(counter.load() == 65);  // the 65-thread assertion
  };
  const weft::Result r = weft::explore(body, with(StrategyKind::kDpor));
  EXPECT_EQ(r.strategy, "dfs");
  EXPECT_EQ(r.strategy_fallback, "dpor supports at most 64 threads (thread t64 was spawned): explored with dfs");
  EXPECT_TRUE(r.divergence.empty()) << r.divergence;
  EXPECT_EQ(r.bounded_by, "finding");
  EXPECT_EQ(r.executions, 1u);
  ASSERT_EQ(r.findings.size(), 1u);
  const weft::Finding& f = r.findings[0];
  EXPECT_EQ(f.kind, FindingKind::kAssertionFailure);
  EXPECT_EQ(f.threads, std::vector<int>{0});
  EXPECT_EQ(weft::test::basename_of(f.location.file), "dpor_test.cpp");
  EXPECT_EQ(f.location.line, weft::test::line_of(__FILE__, "// the 65-thread assertion"));
  const weft::ScheduleParse parsed = weft::decode_schedule(f.schedule);
  ASSERT_TRUE(parsed.schedule.has_value()) << parsed.error;
  const weft::Result again = weft::replay(body, *parsed.schedule);
  EXPECT_TRUE(again.divergence.empty()) << again.divergence;
  ASSERT_EQ(again.findings.size(), 1u);
  EXPECT_EQ(again.findings[0].kind, FindingKind::kAssertionFailure);
  EXPECT_EQ(again.findings[0].location.line, f.location.line);
}

// 64 threads (t0..t63) are within DPOR: no fallback. Each thread stores to its own atomic, so
// the only dependencies are program order, spawn and join edges: one Mazurkiewicz trace, one
// execution.
TEST(DporLimits, SixtyFourThreadsStayUnderDpor) {
  const weft::Result r = weft::explore(
      [] {
        std::array<weft::atomic<int>, 63> slots;
        std::vector<weft::thread> ts;
        ts.reserve(63);
        for (int i = 0; i < 63; ++i) ts.emplace_back([&slots, i] { slots[static_cast<std::size_t>(i)].store(1); });
        for (weft::thread& t : ts) t.join();
      },
      with(StrategyKind::kDpor));
  EXPECT_EQ(r.strategy, "dpor");
  EXPECT_EQ(r.strategy_fallback, "");
  EXPECT_TRUE(r.divergence.empty()) << r.divergence;
  EXPECT_TRUE(r.complete);
  EXPECT_EQ(r.executions, 1u);
  EXPECT_TRUE(r.findings.empty());
}

}  // namespace
