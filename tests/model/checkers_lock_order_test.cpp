// The lock_order_inversion checker on hand-written logs: edges, cycles, gate locks, threads,
// identities across executions.
#include <gtest/gtest.h>

#include "checkers.hpp"
#include "event_log.hpp"

namespace {

using weft::FindingKind;
using weft::OpKind;
using weft::test::at;
using weft::test::EventLog;
using weft::test::run_checker;

// t1 takes x then y, t2 takes y then x (sequentially: no deadlock in this execution).
void opposite_orders(EventLog& log, int x, int y) {
  log.lock(1, x, 10);
  log.lock(1, y, 11);
  log.unlock(1, y);
  log.unlock(1, x);
  log.lock(2, y, 20);
  log.lock(2, x, 21);
  log.unlock(2, x);
  log.unlock(2, y);
}

EventLog two_threads() {
  EventLog log;
  log.spawn(0, 1);
  log.spawn(0, 2);
  return log;
}

TEST(LockOrderChecker, OppositeOrdersInTwoThreadsAreACycleWithBothAcquisitionSites) {
  EventLog log = two_threads();
  const int a = log.mutex(3);
  const int b = log.mutex(4);
  opposite_orders(log, a, b);
  auto checker = weft::make_lock_order_checker();
  const auto out = run_checker(*checker, log.view());
  ASSERT_EQ(out.size(), 1u);
  const weft::Finding& f = out[0];
  EXPECT_EQ(f.kind, FindingKind::kLockOrderInversion);
  EXPECT_EQ(f.threads, (std::vector<int>{1, 2}));
  EXPECT_TRUE(f.replayable);
  // Detected where the second order closed the cycle: t2 locking a at line 21.
  EXPECT_EQ(weft::format_location(f.location), at(21));
  EXPECT_EQ(f.step, log.events()[7].step);
  EXPECT_EQ(f.operation, "mutex.lock");
  ASSERT_EQ(f.sites.size(), 2u);
  EXPECT_EQ(f.sites[0].thread, 1);
  EXPECT_EQ(f.sites[0].object, "mutex#1 (" + at(4) + ")");
  EXPECT_EQ(weft::format_location(f.sites[0].location), at(11));
  EXPECT_EQ(f.sites[1].thread, 2);
  EXPECT_EQ(f.sites[1].object, "mutex#0 (" + at(3) + ")");
  EXPECT_EQ(weft::format_location(f.sites[1].location), at(21));
  const std::string a_name = "mutex#0 (" + at(3) + ")";
  const std::string b_name = "mutex#1 (" + at(4) + ")";
  EXPECT_NE(f.message.find(a_name + " -> " + b_name + " -> " + a_name), std::string::npos) << f.message;
  EXPECT_NE(f.message.find("t1 locks " + b_name + " at " + at(11) + " while holding " + a_name + " (locked at " +
                           at(10) + ")"),
            std::string::npos)
      << f.message;
  ASSERT_EQ(f.details.size(), 2u);
}

TEST(LockOrderChecker, OneGlobalOrderIsNoCycle) {
  EventLog log = two_threads();
  const int a = log.mutex(3);
  const int b = log.mutex(4);
  for (int t : {1, 2}) {
    log.lock(t, a);
    log.lock(t, b);
    log.unlock(t, b);
    log.unlock(t, a);
  }
  auto checker = weft::make_lock_order_checker();
  EXPECT_TRUE(run_checker(*checker, log.view()).empty());
}

// One thread cannot wait for itself: both orders in one thread are no deadlock.
TEST(LockOrderChecker, BothOrdersInOneThreadAreNotReported) {
  EventLog log;
  const int a = log.mutex(3);
  const int b = log.mutex(4);
  log.lock(0, a);
  log.lock(0, b);
  log.unlock(0, b);
  log.unlock(0, a);
  log.lock(0, b);
  log.lock(0, a);
  log.unlock(0, a);
  log.unlock(0, b);
  auto checker = weft::make_lock_order_checker();
  EXPECT_TRUE(run_checker(*checker, log.view()).empty());
}

// A common gate lock serializes the two nested sections: no deadlock is possible.
TEST(LockOrderChecker, GateLockHeldByBothSidesSuppressesTheCycle) {
  EventLog log = two_threads();
  const int g = log.mutex(2);
  const int a = log.mutex(3);
  const int b = log.mutex(4);
  log.lock(1, g);
  log.lock(1, a);
  log.lock(1, b);
  log.unlock(1, b);
  log.unlock(1, a);
  log.unlock(1, g);
  log.lock(2, g);
  log.lock(2, b);
  log.lock(2, a);
  log.unlock(2, a);
  log.unlock(2, b);
  log.unlock(2, g);
  auto checker = weft::make_lock_order_checker();
  EXPECT_TRUE(run_checker(*checker, log.view()).empty());
}

// try_lock cannot block, so it adds no edge (the polite back-off pattern is no inversion).
TEST(LockOrderChecker, TryLockAddsNoEdge) {
  EventLog log = two_threads();
  const int a = log.mutex(3);
  const int b = log.mutex(4);
  log.lock(1, a);
  log.lock(1, b);
  log.unlock(1, b);
  log.unlock(1, a);
  log.lock(2, b);
  log.try_lock(2, a, true);
  log.unlock(2, a);
  log.unlock(2, b);
  auto checker = weft::make_lock_order_checker();
  EXPECT_TRUE(run_checker(*checker, log.view()).empty());
}

// cv.wake re-acquires the waited-on mutex: a blocking acquisition while holding others.
TEST(LockOrderChecker, ConditionVariableReacquisitionIsAnEdge) {
  EventLog log = two_threads();
  const int a = log.mutex(3);
  const int m = log.mutex(4);
  const int cv = log.condvar(5);
  log.lock(1, a, 10);
  log.lock(1, m, 11);
  log.add(1, OpKind::kCvWait, cv, 12, 0, m);
  log.lock(2, m, 20);
  log.lock(2, a, 21);  // m -> a
  log.unlock(2, a);
  log.add(2, OpKind::kCvNotifyOne, cv, 22, 1);
  log.unlock(2, m);
  log.add(1, OpKind::kCvWake, cv, 12, 0, m);  // a -> m again (re-acquired while holding a)
  auto checker = weft::make_lock_order_checker();
  const auto out = run_checker(*checker, log.view());
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].threads, (std::vector<int>{1, 2}));
}

// The graph accumulates across executions: an order seen in execution 1 and the reverse in
// execution 2 form a cycle, reported once, marked as not replayable from one execution.
TEST(LockOrderChecker, CycleAcrossExecutionsIsReportedOnceAndNotReplayable) {
  auto checker = weft::make_lock_order_checker();
  checker->reset();
  EventLog first = two_threads();
  int a = first.mutex(3);
  int b = first.mutex(4);
  first.lock(1, a, 10);
  first.lock(1, b, 11);
  std::vector<weft::Finding> out;
  checker->check(first.view(1), out);
  EXPECT_TRUE(out.empty());

  EventLog second = two_threads();
  a = second.mutex(3);
  b = second.mutex(4);
  second.lock(2, b, 20);
  second.lock(2, a, 21);
  checker->check(second.view(2), out);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_FALSE(out[0].replayable);
  EXPECT_EQ(out[0].execution, 2u);
  EXPECT_EQ(weft::format_location(out[0].location), at(21));
  bool names_first = false;
  for (const std::string& d : out[0].details) names_first = names_first || d.find("execution 1,") != std::string::npos;
  EXPECT_TRUE(names_first) << out[0].message;

  out.clear();
  EventLog third = two_threads();
  a = third.mutex(3);
  b = third.mutex(4);
  opposite_orders(third, a, b);
  checker->check(third.view(3), out);
  EXPECT_TRUE(out.empty());  // the same cycle: already reported
}

// Mutexes declared at one line (a vector of forks) are told apart by their ordinal, so a ring
// of three threads is a 3-cycle, while two forks from the same line in one order are not.
TEST(LockOrderChecker, SameDeclarationSiteDistinguishedByOrdinal) {
  EventLog log;
  for (int t = 1; t <= 3; ++t) log.spawn(0, t);
  const int f0 = log.mutex(7);
  const int f1 = log.mutex(7);
  const int f2 = log.mutex(7);
  const int forks[] = {f0, f1, f2};
  for (int i = 0; i < 3; ++i) {
    log.lock(i + 1, forks[i], 30);
    log.lock(i + 1, forks[(i + 1) % 3], 31);
    log.unlock(i + 1, forks[(i + 1) % 3]);
    log.unlock(i + 1, forks[i]);
  }
  auto checker = weft::make_lock_order_checker();
  const auto out = run_checker(*checker, log.view());
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].threads, (std::vector<int>{1, 2, 3}));
  EXPECT_EQ(out[0].sites.size(), 3u);
  EXPECT_NE(
      out[0].message.find("mutex#0 (" + at(7) + ") -> mutex#1 (" + at(7) + ") -> mutex#2 (" + at(7) + ") -> mutex#0"),
      std::string::npos)
      << out[0].message;

  // Resource hierarchy: the last philosopher takes fork 0 before fork 2: no cycle.
  EventLog ordered;
  for (int t = 1; t <= 3; ++t) ordered.spawn(0, t);
  const int g0 = ordered.mutex(7);
  const int g1 = ordered.mutex(7);
  const int g2 = ordered.mutex(7);
  const int order[3][2] = {{g0, g1}, {g1, g2}, {g0, g2}};
  for (int i = 0; i < 3; ++i) {
    ordered.lock(i + 1, order[i][0]);
    ordered.lock(i + 1, order[i][1]);
    ordered.unlock(i + 1, order[i][1]);
    ordered.unlock(i + 1, order[i][0]);
  }
  EXPECT_TRUE(run_checker(*checker, ordered.view()).empty());
}

TEST(LockOrderChecker, OneFindingPerCycleWithinAnExecution) {
  EventLog log = two_threads();
  const int a = log.mutex(3);
  const int b = log.mutex(4);
  opposite_orders(log, a, b);
  opposite_orders(log, a, b);
  auto checker = weft::make_lock_order_checker();
  EXPECT_EQ(run_checker(*checker, log.view()).size(), 1u);
}

}  // namespace
