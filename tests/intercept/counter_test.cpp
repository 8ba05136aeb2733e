// The differential test of the unmodified-code runtime: std:: counters against the facade's.
//
// The std:: bodies below are the catalog's counter/atomic and counter/mutex written with
// std::thread, std::atomic<int>, std::mutex and std::lock_guard, unmodified, compiled with
// -fsanitize=thread and linked with weft_intercept. Their scheduling points are the same as the
// facade's (spawn, join, fetch_add, lock, unlock, the final load); plain accesses (std::thread's
// state, captures) are events without scheduling points. So DFS and DPOR must count exactly the
// executions the facade counts (tests/model/explore_counts_test.cpp pins 19 and 5 there).
#include <gtest/gtest.h>

#include <atomic>
#include <mutex>
#include <thread>
#include <vector>

#include "weft/explore.hpp"
#include "weft/intercept.hpp"
#include "weft/scenario.hpp"

// facade_bodies.cpp (not instrumented).
void facade_mutex_counter_plain_int();

namespace {

template <class Fn>
void run_threads(int threads, Fn fn) {
  std::vector<std::thread> pool;
  pool.reserve(static_cast<std::size_t>(threads));
  for (int i = 0; i < threads; ++i) pool.push_back(std::thread(fn));
  for (std::thread& t : pool) t.join();
}

void std_atomic_counter(int threads, int iterations) {
  std::atomic<int> counter(0);
  run_threads(threads, [&] {
    for (int i = 0; i < iterations; ++i) counter.fetch_add(1);
  });
  WEFT_CHECK_THAT(counter.load() == threads * iterations);
}

void std_mutex_counter(int threads, int iterations) {
  std::mutex m;
  int counter = 0;
  run_threads(threads, [&] {
    for (int i = 0; i < iterations; ++i) {
      std::lock_guard<std::mutex> guard(m);
      counter = counter + 1;
    }
  });
  WEFT_CHECK_THAT(counter == threads * iterations);
}

weft::Result facade(const char* name, int threads, int iterations, weft::StrategyKind strategy) {
  const weft::Scenario* s = weft::find_scenario(name);
  EXPECT_NE(s, nullptr) << name;
  weft::Params p = s->default_params();
  EXPECT_EQ(p.set("threads", threads), "");
  EXPECT_EQ(p.set("iterations", iterations), "");
  weft::Options o;
  o.strategy = strategy;
  return weft::explore_scenario(*s, p, o);
}

weft::Options with(weft::StrategyKind strategy) {
  weft::Options o;
  o.strategy = strategy;
  return o;
}

struct Case {
  const char* scenario;
  void (*body)(int, int);
  int threads;
  int iterations;
  weft::StrategyKind strategy;
  std::uint64_t pinned;  // the facade's count, as tests/model pins it (0: not pinned there)
};

void expect_same_counts(const Case& c) {
  const weft::Result f = facade(c.scenario, c.threads, c.iterations, c.strategy);
  const weft::Result u = weft::intercept::explore([&] { c.body(c.threads, c.iterations); }, with(c.strategy));
  ASSERT_TRUE(f.complete);
  EXPECT_TRUE(f.findings.empty());
  EXPECT_TRUE(u.complete) << u.bounded_by;
  EXPECT_TRUE(u.findings.empty()) << u.findings[0].message;
  EXPECT_EQ(u.executions, f.executions);
  if (c.pinned != 0) EXPECT_EQ(u.executions, c.pinned);
  EXPECT_EQ(u.conservative_backtracks, 0u);
}

using weft::StrategyKind;

TEST(InterceptCounter, AtomicTwoByTwoDfsIsNineteenAsTheFacade) {
  expect_same_counts({"counter/atomic", &std_atomic_counter, 2, 2, StrategyKind::kDfs, 19});
}
TEST(InterceptCounter, AtomicTwoByOneDfsIsFiveAsTheFacade) {
  expect_same_counts({"counter/atomic", &std_atomic_counter, 2, 1, StrategyKind::kDfs, 5});
}
TEST(InterceptCounter, AtomicThreeByOneDfsAsTheFacade) {
  expect_same_counts({"counter/atomic", &std_atomic_counter, 3, 1, StrategyKind::kDfs, 0});
}
TEST(InterceptCounter, AtomicTwoByTwoDporAsTheFacade) {
  expect_same_counts({"counter/atomic", &std_atomic_counter, 2, 2, StrategyKind::kDpor, 0});
}
// Not equal (a known gap of this slice): DPOR's step footprint holds at most 6 keys, and t0's
// spawn step here touches 8 (the spawn, the child's three reads of its closure and captures in
// its invisible prefix, t0's four writes building the next std::thread). DPOR then treats the
// step as dependent with every step (sound, not optimal) and reverses two races the facade does
// not have: 8 executions against the facade's 6. Complete and clean all the same.
TEST(InterceptCounter, AtomicThreeByOneDporIsCompleteButEightAgainstTheFacadesSix) {
  const weft::Result f = facade("counter/atomic", 3, 1, StrategyKind::kDpor);
  const weft::Result u = weft::intercept::explore([] { std_atomic_counter(3, 1); }, with(StrategyKind::kDpor));
  ASSERT_TRUE(f.complete);
  EXPECT_EQ(f.executions, 6u);
  EXPECT_TRUE(u.complete);
  EXPECT_TRUE(u.findings.empty()) << u.findings[0].message;
  EXPECT_EQ(u.executions, 8u);
}
// DFS: counter/mutex's weft::var accesses are scheduling points, the std:: counter's plain int
// accesses are not (42 against the catalog's 118), so the facade side of the comparison is the
// same body with weft::thread and weft::mutex around a plain int.
TEST(InterceptCounter, MutexTwoByTwoDfsCleanAndAsTheFacadeWithAPlainInt) {
  const weft::Result f = weft::explore(&facade_mutex_counter_plain_int, with(StrategyKind::kDfs));
  const weft::Result u = weft::intercept::explore([] { std_mutex_counter(2, 2); }, with(StrategyKind::kDfs));
  ASSERT_TRUE(f.complete);
  EXPECT_TRUE(f.findings.empty()) << f.findings[0].message;
  EXPECT_TRUE(u.complete);
  EXPECT_TRUE(u.findings.empty()) << u.findings[0].message;
  EXPECT_EQ(u.executions, f.executions);
  EXPECT_EQ(u.executions, 42u);
}
TEST(InterceptCounter, MutexTwoByTwoDporCleanAndAsTheFacade) {
  expect_same_counts({"counter/mutex", &std_mutex_counter, 2, 2, StrategyKind::kDpor, 0});
}

// Outside an exploration the callbacks and pthread functions are the native ones: real threads.
TEST(InterceptCounter, NativeRunOutsideExplorationIsReal) {
  std::atomic<int> counter(0);
  run_threads(4, [&] {
    for (int i = 0; i < 1000; ++i) counter.fetch_add(1);
  });
  EXPECT_EQ(counter.load(), 4000);
}

}  // namespace

namespace {

// weft::explore itself (no intercept wrapper) over std:: code: the same executions, execution
// after execution (nothing of one execution's runtime state leaks into the next).
TEST(InterceptCounter, PlainWeftExploreCountsTheSame) {
  weft::Options o = with(StrategyKind::kDfs);
  const weft::Result a = weft::explore([] { std_atomic_counter(2, 2); }, o);
  const weft::Result b = weft::explore([] { std_atomic_counter(2, 2); }, o);
  EXPECT_TRUE(a.complete);
  EXPECT_TRUE(a.findings.empty()) << a.findings[0].message;
  EXPECT_EQ(a.executions, 19u);
  EXPECT_EQ(b.executions, 19u);
}

}  // namespace
