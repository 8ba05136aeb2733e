// The priority policy: only the highest-priority ready threads run (on K simulated CPUs), equal
// priorities branch, and arrival windows are explored at every scheduling point inside them.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <utility>
#include <vector>

#include "findings_util.hpp"
#include "weft/explore.hpp"
#include "weft/sync.hpp"

namespace {

using namespace std::chrono_literals;
using weft::FindingKind;
using weft::test::describe;

weft::Options priority_options(int cpus = 1) {
  weft::Options o{.strategy = weft::StrategyKind::kDfs};
  o.policy = weft::SchedPolicy::kPriority;
  o.cpus = cpus;
  return o;
}

// Three threads of priorities 1, 2, 3, all arriving at 1 ms, each taking a rank with one
// fetch_add. The main thread (priority weft::kMainPriority) spawns them at 0 and sleeps until
// 10 ms, when all have finished, before joining them: it never competes for a CPU with them.
void ranked_threads(bool expect_strict_order) {
  static bool strict;
  strict = expect_strict_order;
  weft::atomic<int> next(0);
  weft::thread a({.priority = 1, .name = "A", .arrival = 1ms}, [&] {
    const int rank = next.fetch_add(1);
    if (strict) {
      WEFT_ASSERT(rank == 2);
    } else {
      WEFT_ASSERT(rank >= 1);  // on two CPUs A still never goes before both others
    }
  });
  weft::thread b({.priority = 2, .name = "B", .arrival = 1ms}, [&] {
    const int rank = next.fetch_add(1);
    if (strict) WEFT_ASSERT(rank == 1);
  });
  weft::thread c({.priority = 3, .name = "C", .arrival = 1ms}, [&] {
    const int rank = next.fetch_add(1);
    if (strict) WEFT_ASSERT(rank == 0);
  });
  weft::this_thread::sleep_for(10ms);
  a.join();
  b.join();
  c.join();
}

TEST(PriorityPolicy, OnlyTheHighestReadyPriorityRunsOnOneCpu) {
  // One CPU, distinct priorities, no arrival windows: no tie and no release to decide, so a
  // single execution, in which C (3) runs before B (2) before A (1).
  const weft::Result r = weft::explore([] { ranked_threads(true); }, priority_options());
  EXPECT_TRUE(r.ok()) << describe(r);
  EXPECT_TRUE(r.complete);
  EXPECT_EQ(r.executions, 1u);
  EXPECT_EQ(r.policy, weft::SchedPolicy::kPriority);
}

TEST(PriorityPolicy, AnyInterleavingPolicyIgnoresPriorities) {
  // The same body under the default policy: some execution runs A first (the assertion above
  // is not vacuous).
  const weft::Result r =
      weft::explore([] { ranked_threads(true); }, weft::Options{.strategy = weft::StrategyKind::kDfs});
  const weft::Finding* f = weft::test::find_kind(r, FindingKind::kAssertionFailure);
  ASSERT_NE(f, nullptr) << describe(r);
  EXPECT_EQ(r.policy, weft::SchedPolicy::kAny);
}

TEST(PriorityPolicy, TwoCpusRunTheTwoHighestReadyThreads) {
  // Two CPUs: of the three ready threads only the two highest (C, B) hold CPUs; once one of
  // them has finished, A holds the freed one. Each thread has two visible operations (its
  // arrival, its fetch_add; it exits at once). Interleavings where A's first operation comes
  // after the first of B, C to finish: say C finishes first; either B has not started (then B's
  // and A's two operations interleave freely: 6) or B's arrival came before C's fetch_add (2
  // orders of the arrivals, then B's fetch_add against A's two operations: 3): 12; the same
  // with B first: 24 executions. A never takes rank 0.
  weft::Options o = priority_options(2);
  o.stop_on_first = false;
  const weft::Result r = weft::explore([] { ranked_threads(false); }, o);
  EXPECT_TRUE(r.ok()) << describe(r);
  EXPECT_TRUE(r.complete);
  EXPECT_EQ(r.executions, 24u);
}

TEST(PriorityPolicy, EqualPrioritiesBranch) {
  // A and B have the same priority and write x once each: either may run first, so two
  // executions; the end check `x == 1` fails in exactly one of them (A first, B overwrites).
  weft::Options o = priority_options();
  o.stop_on_first = false;
  const weft::Result r = weft::explore(
      [] {
        weft::atomic<int> x(0);
        weft::thread a({.priority = 1, .name = "A"}, [&] { x.store(1); });
        weft::thread b({.priority = 1, .name = "B"}, [&] { x.store(2); });
        a.join();
        b.join();
        WEFT_ASSERT(x.load() == 1);
      },
      o);
  EXPECT_TRUE(r.complete);
  EXPECT_EQ(r.executions, 2u);
  ASSERT_EQ(r.findings.size(), 1u) << describe(r);
  EXPECT_EQ(r.findings[0].kind, FindingKind::kAssertionFailure);
}

TEST(PriorityPolicy, DistinctPrioritiesDoNotBranch) {
  // The same with B at priority 2: B always writes first, A last.
  weft::Options o = priority_options();
  o.stop_on_first = false;
  const weft::Result r = weft::explore(
      [] {
        weft::atomic<int> x(0);
        weft::thread a({.priority = 1, .name = "A"}, [&] { x.store(1); });
        weft::thread b({.priority = 2, .name = "B"}, [&] { x.store(2); });
        a.join();
        b.join();
        WEFT_ASSERT(x.load() == 1);
      },
      o);
  EXPECT_TRUE(r.ok()) << describe(r);
  EXPECT_EQ(r.executions, 1u);
}

TEST(PriorityPolicy, ArrivalWindowIsExploredAtEverySchedulingPointInside) {
  // L (priority 1) stores stage 1, works 2 ms, stores stage 2. H (priority 2) arrives within
  // [0, 3 ms] and records (time, stage). The moments H may arrive: before L's first store and
  // after it (0 ms); when L's work ends (2 ms), before L's work completes and again before its
  // second store (the same state, seen twice); after L finished (2 ms, once main waits for H);
  // at the window's end (3 ms). While main (priority 100) runs, H could not run anyway, so
  // those points are not offered. 6 executions.
  static std::vector<std::pair<std::int64_t, int>> seen;
  seen.clear();
  weft::Options o = priority_options();
  o.stop_on_first = false;
  const weft::Result r = weft::explore(
      [] {
        weft::atomic<int> stage(0);
        weft::thread l({.priority = 1, .name = "L"}, [&] {
          stage.store(1);
          weft::work(2ms);
          stage.store(2);
        });
        weft::thread h({.priority = 2, .name = "H", .jitter = 3ms},
                       [&] { seen.emplace_back(weft::clock::now().time_since_epoch().count(), stage.load()); });
        l.join();
        h.join();
      },
      o);
  EXPECT_TRUE(r.ok()) << describe(r);
  EXPECT_TRUE(r.complete);
  EXPECT_EQ(r.executions, 6u);
  std::sort(seen.begin(), seen.end());
  const std::int64_t ms = 1000000;
  const std::vector<std::pair<std::int64_t, int>> expected = {{0, 0},      {0, 1},      {2 * ms, 1},
                                                              {2 * ms, 1}, {2 * ms, 2}, {3 * ms, 2}};
  EXPECT_EQ(seen, expected);
}

TEST(PriorityPolicy, ExplorerFindsTheArrivalOrderThatInverts) {
  // H and M arrive anywhere in [0, 3 ms]. Only when L holds the mutex as H arrives, and M runs
  // while H waits, is there an unbounded inversion: the first arrival orders tried are benign.
  const weft::Result r = weft::explore(
      [] {
        weft::mutex m;
        weft::thread l({.priority = 1, .name = "L"}, [&] {
          weft::lock_guard<weft::mutex> g(m);
          weft::work(4ms);
        });
        weft::thread mid({.priority = 2, .name = "M", .jitter = 3ms}, [&] { weft::work(20ms); });
        weft::thread h({.priority = 3, .name = "H", .jitter = 3ms}, [&] {
          weft::lock_guard<weft::mutex> g(m);  // H's lock
          weft::work(1ms);
        });
        l.join();
        mid.join();
        h.join();
      },
      priority_options());
  ASSERT_EQ(r.findings.size(), 1u) << describe(r);
  const weft::Finding& f = r.findings[0];
  EXPECT_EQ(f.kind, FindingKind::kPriorityInversion);
  EXPECT_EQ(f.threads, (std::vector<int>{3, 1, 2}));  // H, L, M
  EXPECT_EQ(f.location.line, weft::test::line_of(__FILE__, "g(m);  // H's lock"));
  EXPECT_GT(r.executions, 1u);  // not the first arrival order
  // The worst case is H waiting for L's whole critical section plus all of M's work.
  EXPECT_TRUE(r.max_blocking.measured);
  EXPECT_EQ(r.max_blocking.time, 24000000);
  EXPECT_EQ(r.max_blocking.high, 3);
  EXPECT_EQ(r.max_blocking.low, 1);
}

TEST(PriorityPolicy, RunsOnceMoreCpusThanThreadsNeedNoInversion) {
  // With two CPUs, L keeps running beside M: H still waits for L's critical section but no
  // medium thread preempts L, so no finding; the worst blocking is L's critical section.
  const weft::Result r = weft::explore(
      [] {
        weft::mutex m;
        weft::thread l({.priority = 1, .name = "L"}, [&] {
          weft::lock_guard<weft::mutex> g(m);
          weft::work(4ms);
        });
        weft::thread mid({.priority = 2, .name = "M", .jitter = 3ms}, [&] { weft::work(20ms); });
        weft::thread h({.priority = 3, .name = "H", .jitter = 3ms}, [&] {
          weft::lock_guard<weft::mutex> g(m);
          weft::work(1ms);
        });
        l.join();
        mid.join();
        h.join();
      },
      priority_options(2));
  EXPECT_TRUE(r.ok()) << describe(r);
  EXPECT_TRUE(r.complete);
  EXPECT_EQ(r.max_blocking.time, 4000000);
}

TEST(PriorityPolicy, SetPriorityTakesEffectAtTheNextSchedulingPoint) {
  // B (priority 3) runs first but lowers itself to 1 before its store; A (2) then runs, raises
  // itself to 5 and stores; B stores last. One execution.
  const weft::Result r = weft::explore(
      [] {
        weft::atomic<int> x(0);
        weft::thread a({.priority = 2, .name = "A"}, [&] {
          weft::this_thread::set_priority(5);
          WEFT_ASSERT(weft::this_thread::priority() == 5);
          x.store(1);
        });
        weft::thread b({.priority = 3, .name = "B"}, [&] {
          weft::this_thread::set_priority(1);
          x.store(2);
        });
        a.join();
        b.join();
        WEFT_ASSERT(x.load() == 2);  // B dropped below A: A wrote first, B last
      },
      priority_options());
  EXPECT_TRUE(r.ok()) << describe(r);
  EXPECT_EQ(r.executions, 1u);
}

TEST(PriorityPolicy, RejectsAnImpossibleCpuCount) {
  EXPECT_THROW(weft::explore([] {}, priority_options(0)), std::invalid_argument);
}

}  // namespace
