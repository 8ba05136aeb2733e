// The fair mode: the priority relation, its soundness for dfs/random/replay, and the schedule
// token's fair flag.
#include <gtest/gtest.h>

#include <vector>

#include "event_log.hpp"
#include "findings_util.hpp"
#include "runtime/policies/fair_policy.hpp"
#include "weft/explore.hpp"
#include "weft/schedule.hpp"
#include "weft/sync.hpp"

namespace {

using weft::FindingKind;
using weft::OpKind;
using weft::test::EventLog;

// Runs the fair filter at one scheduling point; returns the schedulable threads.
std::vector<int> schedulable(weft::detail::FairScheduler& fair, const EventLog& log, std::vector<int> enabled) {
  const int k = fair.filter(log.events(), enabled.data(), static_cast<int>(enabled.size()));
  enabled.resize(static_cast<std::size_t>(k));
  return enabled;
}

// t1 yields while t2 is enabled and has not run since: t1 must let t2 go first; once t2 has
// run, t1 may run again.
TEST(FairScheduler, AYieldingThreadWaitsForTheThreadsItPassedOver) {
  weft::detail::FairScheduler fair;
  fair.reset();
  EventLog log;
  log.spawn(0, 1);
  log.spawn(0, 2);
  EXPECT_EQ(schedulable(fair, log, {1, 2}), (std::vector<int>{1, 2}));
  log.yield(1);
  EXPECT_EQ(schedulable(fair, log, {1, 2}), (std::vector<int>{2}));
  EXPECT_FALSE(fair.schedulable(1));
  log.add(2, OpKind::kAtomicLoad, -1);
  EXPECT_EQ(schedulable(fair, log, {1, 2}), (std::vector<int>{1, 2}));
}

// A failed try_lock counts as a yield; a successful one does not.
TEST(FairScheduler, FailedTryLockYieldsSuccessfulDoesNot) {
  for (const bool ok : {true, false}) {
    weft::detail::FairScheduler fair;
    fair.reset();
    EventLog log;
    log.spawn(0, 1);
    log.spawn(0, 2);
    const int m = log.mutex(3);
    schedulable(fair, log, {1, 2});
    log.try_lock(1, m, ok);
    EXPECT_EQ(schedulable(fair, log, {1, 2}), ok ? (std::vector<int>{1, 2}) : (std::vector<int>{2}));
  }
}

// A thread disabled by the yielding thread (it took the lock it needs) gets priority too.
TEST(FairScheduler, ThreadsDisabledByTheYielderGetPriority) {
  weft::detail::FairScheduler fair;
  fair.reset();
  EventLog log;
  log.spawn(0, 1);
  log.spawn(0, 2);
  const int m = log.mutex(3);
  schedulable(fair, log, {1, 2});
  log.lock(1, m);  // t2 waits for m now: disabled by t1
  EXPECT_EQ(schedulable(fair, log, {1}), (std::vector<int>{1}));
  log.unlock(1, m);
  EXPECT_EQ(schedulable(fair, log, {1, 2}), (std::vector<int>{1, 2}));
  log.yield(1);
  EXPECT_EQ(schedulable(fair, log, {1, 2}), (std::vector<int>{2}));
}

// Never empty: with only the yielder enabled, it runs.
TEST(FairScheduler, TheOnlyEnabledThreadAlwaysRuns) {
  weft::detail::FairScheduler fair;
  fair.reset();
  EventLog log;
  log.spawn(0, 1);
  schedulable(fair, log, {1});
  for (int i = 0; i < 5; ++i) {
    log.yield(1);
    EXPECT_EQ(schedulable(fair, log, {1}), (std::vector<int>{1}));
  }
}

void spin_wait_body() {
  weft::atomic<bool> flag(false);
  weft::thread waiter([&] {
    while (!flag.load()) weft::yield();
  });
  weft::thread setter([&] { flag.store(true); });
  waiter.join();
  setter.join();
}

// Random exploration under the fair mode never spins until the step bound either.
TEST(FairMode, RandomStrategyTerminatesSpinWaits) {
  weft::Options o;
  o.fair = true;
  o.strategy = weft::StrategyKind::kRandom;
  o.max_executions = 300;
  o.max_steps = 100;
  o.seed = 11;
  const weft::Result r = weft::explore(spin_wait_body, o);
  EXPECT_EQ(r.executions, 300u);
  EXPECT_TRUE(r.findings.empty()) << weft::test::describe(r);
  EXPECT_LT(r.max_steps_seen, 40u);
}

// Exhaustive fair DFS of the spin-wait: a finite tree, and each of its executions replays from
// a token (built here from an assertion failing at the end of every execution).
TEST(FairMode, DfsIsFiniteAndEveryExecutionReplays) {
  auto body = [] {
    spin_wait_body();
    WEFT_ASSERT(false);
  };
  weft::Options o;
  o.fair = true;
  o.stop_on_first = false;
  const weft::Result r = weft::explore(body, o);
  EXPECT_TRUE(r.complete);
  ASSERT_EQ(r.findings.size(), r.executions);
  EXPECT_GT(r.executions, 1u);
  for (const weft::Finding& f : r.findings) {
    const weft::ScheduleParse parsed = weft::decode_schedule(f.schedule);
    ASSERT_TRUE(parsed.schedule.has_value()) << parsed.error;
    EXPECT_TRUE(parsed.schedule->fair);
    const weft::Result again = weft::replay(body, *parsed.schedule);
    EXPECT_EQ(again.divergence, "");
    ASSERT_EQ(again.findings.size(), 1u);
    EXPECT_EQ(again.findings[0].step, f.step);
    EXPECT_EQ(again.findings[0].trace, f.trace);
  }
}

// Replaying a fair token without the fair mode would run a different execution: the token
// itself carries the mode, so replay never depends on the caller's options.
TEST(FairMode, TokenCarriesTheFairModeAndStarvationBound) {
  weft::Schedule s;
  s.fair = true;
  s.starvation_bound = 5;
  s.choices = {1, 2, 2, 1};
  s.expected = FindingKind::kLivelock;
  s.expected_step = 19999;
  const std::string token = weft::encode_schedule(s);
  const weft::ScheduleParse parsed = weft::decode_schedule(token);
  ASSERT_TRUE(parsed.schedule.has_value()) << parsed.error;
  EXPECT_EQ(*parsed.schedule, s);
  weft::Schedule unfair = s;
  unfair.fair = false;
  unfair.starvation_bound = weft::kDefaultStarvationBound;
  EXPECT_NE(weft::encode_schedule(unfair), token);
  EXPECT_EQ(*weft::decode_schedule(weft::encode_schedule(unfair)).schedule, unfair);
}

// Tokens recorded before the fair mode existed (the README's example) decode as before.
TEST(FairMode, VersionOneTokensWithoutTheFlagAreUnchanged) {
  const std::string token = "w1.A6CcAbVmbKcCBAQADwMAAAECAgMrTg";
  const weft::ScheduleParse parsed = weft::decode_schedule(token);
  ASSERT_TRUE(parsed.schedule.has_value()) << parsed.error;
  EXPECT_FALSE(parsed.schedule->fair);
  EXPECT_TRUE(parsed.schedule->spurious);
  EXPECT_EQ(parsed.schedule->max_spurious, 1);
  EXPECT_EQ(parsed.schedule->max_steps, 20000u);
  EXPECT_EQ(weft::encode_schedule(*parsed.schedule), token);
}

TEST(FairMode, MoreThanSixtyFourThreadsIsAnApiMisuse) {
  weft::Options o;
  o.fair = true;
  o.max_executions = 1;
  const weft::Result r = weft::explore(
      [] {
        std::vector<weft::thread> ts;
        for (int i = 0; i < 64; ++i) ts.push_back(weft::thread([] {}));
        for (auto& t : ts) t.join();
      },
      o);
  const weft::Finding* f = weft::test::find_kind(r, FindingKind::kApiMisuse);
  ASSERT_NE(f, nullptr) << weft::test::describe(r);
  EXPECT_NE(f->message.find("at most 64 threads"), std::string::npos) << f->message;
}

}  // namespace
