// The starvation checker on hand-written logs, and a greedy thread under fair exploration.
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

std::vector<weft::Finding> starvation(const EventLog& log) {
  auto checker = weft::make_starvation_checker();
  return run_checker(*checker, log.view());
}

// t2 reaches m.lock() right after its spawn; t1 takes m `rounds` times first.
EventLog greedy(int rounds, bool fair, std::uint32_t bound) {
  EventLog log;
  log.spawn(0, 1);
  log.spawn(0, 2);  // step 1: t2 waits from step 2 on
  const int m = log.mutex(3);
  for (int i = 0; i < rounds; ++i) {
    log.lock(1, m, 10);
    log.unlock(1, m, 11);
  }
  log.lock(2, m, 20);
  log.unlock(2, m, 21);
  log.fair = fair;
  log.starvation_bound = bound;
  return log;
}

TEST(StarvationChecker, PassedOverMoreThanKTimesIsStarvation) {
  const EventLog log = greedy(5, true, 3);
  const auto out = starvation(log);
  ASSERT_EQ(out.size(), 1u);
  const weft::Finding& f = out[0];
  EXPECT_EQ(f.kind, FindingKind::kStarvation);
  EXPECT_EQ(f.threads, (std::vector<int>{2, 1}));  // who waited, then who passed it over
  EXPECT_EQ(f.operation, "mutex.lock");
  EXPECT_EQ(weft::format_location(f.location), at(20));
  EXPECT_EQ(f.step, 2u + 2 * 3);  // t1's 4th acquisition (the bound is 3)
  // t2 waited from step 2 (after its spawn) until its lock at step 12.
  EXPECT_NE(f.message.find("t2 waited 10 steps (steps 2-12)"), std::string::npos) << f.message;
  EXPECT_NE(f.message.find("t1 acquired it 5 times in a row (bound 3)"), std::string::npos) << f.message;
  EXPECT_NE(f.message.find("mutex#0 (" + at(3) + ")"), std::string::npos) << f.message;
  ASSERT_EQ(f.sites.size(), 2u);
  EXPECT_EQ(f.sites[0].thread, 2);
  EXPECT_EQ(f.sites[1].thread, 1);
  EXPECT_EQ(f.sites[1].step, f.step);
}

TEST(StarvationChecker, AtTheBoundIsNotStarvation) { EXPECT_TRUE(starvation(greedy(3, true, 3)).empty()); }

// Unfair schedules starve anyone; the verdict needs the fair mode.
TEST(StarvationChecker, OnlyUnderFairExploration) { EXPECT_TRUE(starvation(greedy(5, false, 3)).empty()); }

// Spinning on try_lock: the wait starts at the first failed attempt.
TEST(StarvationChecker, SpinningWaitStartsAtTheFirstFailedTry) {
  EventLog log;
  log.spawn(0, 1);
  log.spawn(0, 2);
  const int m = log.mutex(3);
  log.lock(1, m, 10);
  const std::uint32_t first_try = log.try_lock(2, m, false, 30);
  for (int i = 0; i < 4; ++i) {
    log.unlock(1, m, 11);
    log.yield(2, 31);
    log.try_lock(2, m, false, 30);
    log.lock(1, m, 10);
  }
  log.unlock(1, m, 11);
  const std::uint32_t got = log.try_lock(2, m, true, 30);
  log.fair = true;
  log.starvation_bound = 2;
  const auto out = starvation(log);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].operation, "mutex.try_lock");
  EXPECT_EQ(weft::format_location(out[0].location), at(30));
  EXPECT_EQ(out[0].sites[0].step, first_try);
  EXPECT_NE(out[0].message.find("retrying mutex.try_lock"), std::string::npos) << out[0].message;
  EXPECT_NE(out[0].message.find("acquired it 4 times"), std::string::npos) << out[0].message;
  EXPECT_NE(out[0].message.find("waited " + std::to_string(got - first_try) + " steps"), std::string::npos);
}

// A thread waiting on a condition variable is not ready until notified: acquisitions of the
// mutex before the notification do not count.
TEST(StarvationChecker, ConditionVariableWaitCountsOnlyAfterTheNotification) {
  for (const int after : {1, 4}) {
    EventLog log;
    log.spawn(0, 1);
    log.spawn(0, 2);
    const int m = log.mutex(3);
    const int cv = log.condvar(4);
    log.lock(2, m, 20);
    log.add(2, OpKind::kCvWait, cv, 21, 0, m);
    for (int i = 0; i < 5; ++i) {  // before the notification
      log.lock(1, m, 10);
      log.unlock(1, m, 11);
    }
    log.add(1, OpKind::kCvNotifyOne, cv, 12, 2);
    for (int i = 0; i < after; ++i) {
      log.lock(1, m, 10);
      log.unlock(1, m, 11);
    }
    log.add(2, OpKind::kCvWake, cv, 21, 0, m);
    log.fair = true;
    log.starvation_bound = 2;
    const auto out = starvation(log);
    EXPECT_EQ(out.size(), after > 2 ? 1u : 0u) << after;
    if (!out.empty()) {
      EXPECT_EQ(out[0].operation, "cv.wake");
      EXPECT_NE(out[0].message.find("acquired it 4 times"), std::string::npos) << out[0].message;
    }
  }
}

// A greedy thread re-takes the mutex in a loop without yielding: fairness does not stop it
// (only yields give way), so the other thread starves while it waits.
void greedy_body() {
  weft::mutex m;
  weft::var<int> turns(0);
  weft::thread greedy([&] {
    for (int i = 0; i < 20; ++i) {
      weft::lock_guard<weft::mutex> g(m);
      turns.store(turns.load() + 1);
    }
  });
  weft::thread polite([&] {
    weft::lock_guard<weft::mutex> g(m);  // the polite thread's only lock
    turns.store(turns.load() + 1);
  });
  greedy.join();
  polite.join();
}

TEST(Starvation, GreedyLoopStarvesTheOtherThreadUnderFairExploration) {
  weft::Options o{.strategy = weft::StrategyKind::kDfs};
  o.fair = true;
  o.starvation_bound = 16;
  const weft::Result r = weft::explore(greedy_body, o);
  const weft::Finding* f = weft::test::find_kind(r, FindingKind::kStarvation);
  ASSERT_NE(f, nullptr) << weft::test::describe(r);
  EXPECT_EQ(f->threads, (std::vector<int>{2, 1}));
  EXPECT_EQ(f->operation, "mutex.lock");
  EXPECT_EQ(f->location.line, weft::test::line_of(__FILE__, "the polite thread's only lock"));
  EXPECT_EQ(weft::test::basename_of(f->location.file), "checkers_starvation_test.cpp");
  EXPECT_NE(f->message.find("acquired it 20 times in a row (bound 16)"), std::string::npos) << f->message;
  EXPECT_EQ(r.bounded_by, "finding");

  // The token carries the fair mode and the bound: replay finds the same starvation.
  const weft::ScheduleParse parsed = weft::decode_schedule(f->schedule);
  ASSERT_TRUE(parsed.schedule.has_value()) << parsed.error;
  EXPECT_TRUE(parsed.schedule->fair);
  EXPECT_EQ(parsed.schedule->starvation_bound, 16u);
  const weft::Result again = weft::replay(greedy_body, *parsed.schedule);
  EXPECT_EQ(again.divergence, "");
  const weft::Finding* g = weft::test::find_kind(again, FindingKind::kStarvation);
  ASSERT_NE(g, nullptr);
  EXPECT_EQ(g->step, f->step);

  // Twenty acquisitions are within a bound of 20: every fair execution is clean.
  o.starvation_bound = 20;
  const weft::Result within = weft::explore(greedy_body, o);
  EXPECT_TRUE(within.complete);
  EXPECT_TRUE(within.findings.empty()) << weft::test::describe(within);
}

}  // namespace
