// The livelock checker on hand-written logs, and spin-waits under fair and unfair exploration.
#include <gtest/gtest.h>

#include "checkers.hpp"
#include "event_log.hpp"
#include "findings_util.hpp"
#include "weft/explore.hpp"
#include "weft/sync.hpp"

namespace {

using weft::FindingKind;
using weft::OpKind;
using weft::test::at;
using weft::test::EventLog;
using weft::test::run_checker;

weft::Finding step_bound_finding() {
  weft::Finding f;
  f.kind = FindingKind::kStepBound;
  f.message = "execution exceeded 200 steps with 3 threads unfinished (possible livelock)";
  f.threads = {0, 1, 2};
  return f;
}

// The polite pair in lockstep, `rounds` times: lock mine, yield, fail the other, unlock.
EventLog lockstep(int rounds) {
  EventLog log;
  log.spawn(0, 1);
  log.spawn(0, 2);
  const int a = log.mutex(3);
  const int b = log.mutex(4);
  for (int i = 0; i < rounds; ++i) {
    log.lock(1, a, 10);
    log.lock(2, b, 20);
    log.yield(1, 11);
    log.yield(2, 21);
    log.try_lock(1, b, false, 12);
    log.try_lock(2, a, false, 22);
    log.unlock(1, a, 13);
    log.unlock(2, b, 23);
  }
  return log;
}

TEST(LivelockChecker, FairStepBoundWithARepeatingCycleOfRetriesIsALivelock) {
  EventLog log = lockstep(10);
  log.fair = true;
  auto checker = weft::make_livelock_checker();
  const auto out = run_checker(*checker, log.view(), {step_bound_finding()});
  ASSERT_EQ(out.size(), 1u);  // the livelock replaces the step_bound finding
  const weft::Finding& f = out[0];
  EXPECT_EQ(f.kind, FindingKind::kLivelock);
  EXPECT_EQ(f.threads, (std::vector<int>{1, 2}));
  // The first failed attempt of the last repetition: t1's try_lock at line 12.
  EXPECT_EQ(f.operation, "mutex.try_lock");
  EXPECT_EQ(weft::format_location(f.location), at(12));
  EXPECT_EQ(f.step, log.events().size() - 8 + 4);
  EXPECT_NE(f.message.find("8-step cycle"), std::string::npos) << f.message;
  EXPECT_NE(f.message.find("mutex.try_lock"), std::string::npos) << f.message;
  ASSERT_EQ(f.sites.size(), 4u);  // the distinct retries: two yields, two failed try_locks
  EXPECT_EQ(f.sites[2].operation, "mutex.try_lock");
  EXPECT_EQ(f.sites[2].thread, 1);
  EXPECT_EQ(f.sites[2].object, "mutex#1 (" + at(4) + ")");
  EXPECT_EQ(weft::format_location(f.sites[2].location), at(12));
  // The cycle is spelled out, one operation per line.
  bool spelled = false;
  for (const std::string& d : f.details) spelled = spelled || d.find("t2 mutex.try_lock mutex#0") != std::string::npos;
  EXPECT_TRUE(spelled);
}

// Unfair exploration cannot tell a livelock from a schedule that starves the thread a spinner
// waits for: the step_bound stays, with the cycle and advice added.
TEST(LivelockChecker, UnfairStepBoundStaysWithAdvice) {
  EventLog log = lockstep(10);
  auto checker = weft::make_livelock_checker();
  const auto out = run_checker(*checker, log.view(), {step_bound_finding()});
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].kind, FindingKind::kStepBound);
  ASSERT_EQ(out[0].details.size(), 1u);
  EXPECT_NE(out[0].details[0].find("8-step cycle of retries"), std::string::npos) << out[0].details[0];
  EXPECT_NE(out[0].details[0].find("--fair"), std::string::npos);
}

TEST(LivelockChecker, LoopWithoutRetriesIsNotALivelock) {
  EventLog log;
  log.spawn(0, 1);
  const int a = log.mutex(3);
  for (int i = 0; i < 10; ++i) {
    log.lock(1, a, 10);
    log.unlock(1, a, 11);
  }
  log.fair = true;
  auto checker = weft::make_livelock_checker();
  const auto out = run_checker(*checker, log.view(), {step_bound_finding()});
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].kind, FindingKind::kStepBound);
  EXPECT_TRUE(out[0].details.empty());
}

// Progress (a value that keeps changing) breaks the cycle.
TEST(LivelockChecker, ChangingValuesAreProgress) {
  EventLog log;
  log.spawn(0, 1);
  const int v = log.var(3);
  for (int i = 0; i < 10; ++i) {
    log.add(1, OpKind::kVarWrite, v, 10, i);
    log.yield(1, 11);
  }
  log.fair = true;
  auto checker = weft::make_livelock_checker();
  const auto out = run_checker(*checker, log.view(), {step_bound_finding()});
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].kind, FindingKind::kStepBound);
}

TEST(LivelockChecker, OnlyExecutionsThatHitTheStepBound) {
  EventLog log = lockstep(10);
  log.fair = true;
  auto checker = weft::make_livelock_checker();
  EXPECT_TRUE(run_checker(*checker, log.view()).empty());
}

// A spin-wait that is correct under fairness: the waiter yields until the flag is set.
void spin_wait_body() {
  weft::atomic<bool> flag(false);
  weft::thread waiter([&] {
    while (!flag.load()) weft::yield();
  });
  weft::thread setter([&] { flag.store(true); });
  waiter.join();
  setter.join();
}

TEST(Livelock, SpinWaitCorrectUnderFairnessIsNotFlagged) {
  weft::Options fair{.strategy = weft::StrategyKind::kDfs};
  fair.fair = true;
  const weft::Result r = weft::explore(spin_wait_body, fair);
  EXPECT_TRUE(r.complete);
  EXPECT_TRUE(r.findings.empty()) << weft::test::describe(r);
  EXPECT_TRUE(r.fair);

  // Without fairness the search follows the waiter spinning while the setter does not run,
  // into the step bound; that is no livelock verdict.
  weft::Options unfair{.strategy = weft::StrategyKind::kDfs};
  unfair.max_steps = 200;
  const weft::Result u = weft::explore(spin_wait_body, unfair);
  EXPECT_NE(weft::test::find_kind(u, FindingKind::kStepBound), nullptr) << weft::test::describe(u);
  EXPECT_EQ(weft::test::find_kind(u, FindingKind::kLivelock), nullptr);
  EXPECT_FALSE(u.fair);
}

// A spin-wait on a flag nobody sets: under fairness it spins forever, alone: a livelock.
TEST(Livelock, SpinningOnAFlagNobodySetsIsALivelockUnderFairness) {
  weft::Options o{.strategy = weft::StrategyKind::kDfs};
  o.fair = true;
  o.max_steps = 300;
  const weft::Result r = weft::explore(
      [] {
        weft::atomic<bool> flag(false);
        weft::thread waiter([&] {
          while (!flag.load()) weft::yield();  // livelock-test: spins alone
        });
        waiter.join();
      },
      o);
  const weft::Finding* f = weft::test::find_kind(r, FindingKind::kLivelock);
  ASSERT_NE(f, nullptr) << weft::test::describe(r);
  EXPECT_EQ(weft::test::find_kind(r, FindingKind::kStepBound), nullptr);
  EXPECT_EQ(f->threads, std::vector<int>{1});
  EXPECT_EQ(f->location.line, weft::test::line_of(__FILE__, "// livelock-test: spins alone"));
  EXPECT_EQ(f->operation, "yield");
  EXPECT_NE(f->message.find("2-step cycle"), std::string::npos) << f->message;
}

}  // namespace
