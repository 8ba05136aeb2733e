// The data_race checker: happens-before on hand-written logs, then on explored bodies and the
// counter scenarios.
#include <gtest/gtest.h>

#include "checkers.hpp"
#include "event_log.hpp"
#include "findings_util.hpp"
#include "weft/explore.hpp"
#include "weft/scenario.hpp"
#include "weft/sync.hpp"

namespace {

using weft::FindingKind;
using weft::OpKind;
using weft::test::at;
using weft::test::EventLog;
using weft::test::run_checker;
constexpr auto kRelaxed = std::memory_order_relaxed;
constexpr auto kRelease = std::memory_order_release;
constexpr auto kAcquire = std::memory_order_acquire;

std::vector<weft::Finding> races(const EventLog& log) {
  auto checker = weft::make_data_race_checker();
  return run_checker(*checker, log.view());
}

// main spawns t1 and t2; returns the log ready for the threads' events.
EventLog two_threads() {
  EventLog log;
  log.spawn(0, 1);
  log.spawn(0, 2);
  return log;
}

// --- hand-written logs ---------------------------------------------------------------------

TEST(DataRaceChecker, UnorderedWriteThenReadIsARaceNamingBothAccesses) {
  EventLog log = two_threads();
  const int v = log.var(5);
  const std::uint32_t w = log.write(1, v, 10);
  const std::uint32_t r = log.read(2, v, 20);
  const auto out = races(log);
  ASSERT_EQ(out.size(), 1u);
  const weft::Finding& f = out[0];
  EXPECT_EQ(f.kind, FindingKind::kDataRace);
  EXPECT_EQ(f.threads, (std::vector<int>{1, 2}));
  EXPECT_EQ(weft::format_location(f.location), at(20));  // the second access
  EXPECT_EQ(f.step, r);
  EXPECT_EQ(f.operation, "var.read");
  ASSERT_EQ(f.sites.size(), 2u);
  EXPECT_EQ(f.sites[0].thread, 1);
  EXPECT_EQ(f.sites[0].operation, "var.write");
  EXPECT_EQ(f.sites[0].object, "var#0 (" + at(5) + ")");
  EXPECT_EQ(weft::format_location(f.sites[0].location), at(10));
  EXPECT_EQ(f.sites[0].step, w);
  EXPECT_EQ(f.sites[1].thread, 2);
  EXPECT_EQ(f.sites[1].operation, "var.read");
  EXPECT_EQ(weft::format_location(f.sites[1].location), at(20));
  EXPECT_NE(f.message.find("var#0 (" + at(5) + ")"), std::string::npos) << f.message;
}

TEST(DataRaceChecker, ConcurrentReadsDoNotRace) {
  EventLog log = two_threads();
  const int v = log.var(5);
  log.read(1, v, 10);
  log.read(2, v, 20);
  EXPECT_TRUE(races(log).empty());
}

TEST(DataRaceChecker, WriteAfterUnorderedReadIsARace) {
  EventLog log = two_threads();
  const int v = log.var(5);
  log.read(1, v, 10);
  log.write(2, v, 20);
  const auto out = races(log);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].sites[0].operation, "var.read");
  EXPECT_EQ(out[0].sites[1].operation, "var.write");
}

TEST(DataRaceChecker, MutexOrdersAccessesAndItsAbsenceDoesNot) {
  for (const bool locked : {true, false}) {
    EventLog log = two_threads();
    const int m = log.mutex(4);
    const int v = log.var(5);
    log.lock(1, m);
    log.write(1, v, 10);
    log.unlock(1, m);
    if (locked) log.lock(2, m);
    log.read(2, v, 20);
    if (locked) log.unlock(2, m);
    EXPECT_EQ(races(log).size(), locked ? 0u : 1u) << (locked ? "locked" : "unlocked");
  }
}

TEST(DataRaceChecker, SuccessfulTryLockAcquiresFailedOneDoesNot) {
  for (const bool ok : {true, false}) {
    EventLog log = two_threads();
    const int m = log.mutex(4);
    const int v = log.var(5);
    log.lock(1, m);
    log.write(1, v, 10);
    log.unlock(1, m);
    log.try_lock(2, m, ok);
    log.read(2, v, 20);
    EXPECT_EQ(races(log).size(), ok ? 0u : 1u);
  }
}

TEST(DataRaceChecker, SpawnAndJoinOrderTheParentAndChild) {
  EventLog log;
  const int v = log.var(5);
  log.write(0, v, 10);  // before the spawn: ordered before the child
  log.spawn(0, 1);
  log.write(1, v, 11);
  log.exit(1);
  log.join(0, 1);
  log.read(0, v, 12);  // after the join: ordered after the child
  EXPECT_TRUE(races(log).empty());

  EventLog racy;
  const int w = racy.var(5);
  racy.spawn(0, 1);
  racy.write(1, w, 11);
  racy.read(0, w, 12);  // before the join
  racy.exit(1);
  racy.join(0, 1);
  EXPECT_EQ(races(racy).size(), 1u);
}

// Publication through an atomic flag: release/acquire synchronizes; relaxed on either side
// does not (the model executes sequentially consistently, the checker follows C++).
TEST(DataRaceChecker, FlagPublicationSynchronizesOnlyWithReleaseAndAcquire) {
  struct Case {
    std::memory_order store, load;
    bool race;
  };
  for (const Case c :
       {Case{kRelease, kAcquire, false}, Case{std::memory_order_seq_cst, std::memory_order_seq_cst, false},
        Case{kRelaxed, kAcquire, true}, Case{kRelease, kRelaxed, true}, Case{kRelaxed, kRelaxed, true}}) {
    EventLog log = two_threads();
    const int data = log.var(5);
    const int flag = log.atomic(6);
    log.write(1, data, 10);
    log.store(1, flag, c.store);
    log.load(2, flag, c.load);
    log.read(2, data, 20);
    EXPECT_EQ(races(log).size(), c.race ? 1u : 0u) << static_cast<int>(c.store) << "/" << static_cast<int>(c.load);
  }
}

// C++20 release sequences: a release store followed by RMWs (any order, any thread) still
// synchronizes with an acquire load reading the last RMW; a plain store ends the sequence.
TEST(DataRaceChecker, ReleaseSequenceContinuesThroughRmwAndEndsAtAPlainStore) {
  for (const bool plain_store : {false, true}) {
    EventLog log;
    log.spawn(0, 1);
    log.spawn(0, 2);
    log.spawn(0, 3);
    const int data = log.var(5);
    const int flag = log.atomic(6);
    log.write(1, data, 10);
    log.store(1, flag, kRelease);
    if (plain_store) {
      log.store(3, flag, kRelaxed);
    } else {
      log.rmw(3, flag, kRelaxed);
    }
    log.load(2, flag, kAcquire);
    log.read(2, data, 20);
    EXPECT_EQ(races(log).size(), plain_store ? 1u : 0u);
  }
}

TEST(DataRaceChecker, FailedCompareExchangeIsALoad) {
  EventLog log = two_threads();
  const int data = log.var(5);
  const int flag = log.atomic(6);
  log.write(1, data, 10);
  log.store(1, flag, kRelease);
  log.add(2, OpKind::kAtomicCas, flag, 15, /*value=*/0, 0, std::memory_order_acq_rel);
  log.read(2, data, 20);
  EXPECT_TRUE(races(log).empty());
}

TEST(DataRaceChecker, SemaphoreReleaseOrdersBeforeAcquire) {
  EventLog log = two_threads();
  const int data = log.var(5);
  const int sem = log.semaphore(6);
  log.write(1, data, 10);
  log.add(1, OpKind::kSemRelease, sem, 11, 1);
  log.add(2, OpKind::kSemAcquire, sem, 12);
  log.read(2, data, 20);
  EXPECT_TRUE(races(log).empty());
}

// cv.wait releases the mutex and cv.wake re-acquires it (aux = the mutex).
TEST(DataRaceChecker, ConditionVariableWaitAndWakeActOnTheMutex) {
  EventLog log = two_threads();
  const int m = log.mutex(4);
  const int data = log.var(5);
  const int cv = log.condvar(6);
  log.lock(1, m);
  log.add(1, OpKind::kCvWait, cv, 11, 0, m);  // t1 waits, releasing m
  log.lock(2, m);
  log.write(2, data, 20);
  log.add(2, OpKind::kCvNotifyOne, cv, 21, 1);
  log.unlock(2, m);
  log.add(1, OpKind::kCvWake, cv, 11, 0, m);  // t1 re-acquires m
  log.read(1, data, 12);
  log.unlock(1, m);
  EXPECT_TRUE(races(log).empty());
}

TEST(DataRaceChecker, EachPairOfSitesIsReportedOncePerExploration) {
  auto checker = weft::make_data_race_checker();
  EventLog log = two_threads();
  const int v = log.var(5);
  log.write(1, v, 10);
  log.write(2, v, 20);
  log.write(1, v, 10);  // the same pair of sites again (in the other order)
  EXPECT_EQ(run_checker(*checker, log.view(1)).size(), 1u);
  EXPECT_EQ(run_checker(*checker, log.view(2), {}, /*keep=*/true).size(), 0u);  // next execution
  EXPECT_EQ(run_checker(*checker, log.view(1)).size(), 1u);                     // after reset()
}

// --- explored bodies -----------------------------------------------------------------------

TEST(DataRace, RelaxedPublicationIsFoundReleaseAcquireIsClean) {
  for (const bool relaxed : {true, false}) {
    const weft::Result r = weft::explore(
        [relaxed] {
          weft::var<int> data(0);
          weft::atomic<bool> ready(false);
          weft::thread producer([&] {
            data.store(42);
            ready.store(true, relaxed ? std::memory_order_relaxed : std::memory_order_release);
          });
          if (ready.load(relaxed ? std::memory_order_relaxed : std::memory_order_acquire)) {
            WEFT_ASSERT(data.load() == 42);  // data-race-test: the read
          }
          producer.join();
        },
        weft::Options{.strategy = weft::StrategyKind::kDfs});
    if (!relaxed) {
      EXPECT_TRUE(r.complete);
      EXPECT_TRUE(r.findings.empty()) << weft::test::describe(r);
      continue;
    }
    const weft::Finding* f = weft::test::find_kind(r, FindingKind::kDataRace);
    ASSERT_NE(f, nullptr) << weft::test::describe(r);
    EXPECT_EQ(f->threads, (std::vector<int>{1, 0}));  // the producer's write, then main's read
    EXPECT_EQ(f->location.line, weft::test::line_of(__FILE__, "// data-race-test: the read"));
    EXPECT_EQ(f->sites[0].operation, "var.write");
    EXPECT_EQ(f->sites[1].operation, "var.read");
    // Sequentially consistent, the value is right: the race is the only finding.
    EXPECT_EQ(r.findings.size(), 1u) << weft::test::describe(r);
    EXPECT_TRUE(r.complete);  // a potential finding does not stop the search
  }
}

// counter/racy: the race shows in the very first execution, where the count is still right;
// the failed end check comes later in the same exploration.
TEST(DataRace, CounterRacyReportsTheRaceInItsFirstExecution) {
  const weft::Scenario* s = weft::find_scenario("counter/racy");
  ASSERT_NE(s, nullptr);
  const weft::Result r =
      weft::explore_scenario(*s, s->default_params(), weft::Options{.strategy = weft::StrategyKind::kDfs});
  const auto found = weft::test::all_of(r, FindingKind::kDataRace);
  ASSERT_EQ(found.size(), 2u) << weft::test::describe(r);  // read/write and write/write
  const int line = weft::test::line_of(found[0]->location.file, "counter.store(counter.load() + 1)");
  const int declared = weft::test::line_of(found[0]->location.file, "weft::var<int> counter(0);");
  for (const weft::Finding* f : found) {
    EXPECT_EQ(f->execution, 1u);
    EXPECT_EQ(weft::test::basename_of(f->location.file), "counter.cpp");
    EXPECT_EQ(f->location.line, line);
    EXPECT_EQ(f->threads, (std::vector<int>{1, 2}));
    ASSERT_EQ(f->sites.size(), 2u);
    EXPECT_EQ(f->sites[0].operation, "var.write");
    EXPECT_EQ(f->sites[0].object, "var#0 (scenarios/counter.cpp:" + std::to_string(declared) + ")");
    EXPECT_EQ(f->sites[0].location.line, line);
  }
  EXPECT_EQ(found[0]->sites[1].operation, "var.read");
  EXPECT_EQ(found[1]->sites[1].operation, "var.write");
  const weft::Finding* end = weft::test::find_kind(r, FindingKind::kAssertionFailure);
  ASSERT_NE(end, nullptr) << weft::test::describe(r);
  EXPECT_GT(end->execution, 1u);
  EXPECT_EQ(r.bounded_by, "finding");

  // Replaying the race's execution: the race again, and no failed check (the count was right).
  const weft::ScheduleParse parsed = weft::decode_schedule(found[0]->schedule);
  ASSERT_TRUE(parsed.schedule.has_value()) << parsed.error;
  const weft::Result again = weft::replay_scenario(*s, *parsed.schedule);
  EXPECT_EQ(again.divergence, "");
  EXPECT_EQ(weft::test::find_kind(again, FindingKind::kAssertionFailure), nullptr);
  const weft::Finding* race = weft::test::find_kind(again, FindingKind::kDataRace);
  ASSERT_NE(race, nullptr);
  EXPECT_EQ(race->step, found[0]->step);
}

// With keep_going, every execution is explored; the two distinct races are still reported once.
TEST(DataRace, DistinctRacesOncePerExplorationEvenWhenKeepingGoing) {
  const weft::Scenario* s = weft::find_scenario("counter/racy");
  ASSERT_NE(s, nullptr);
  weft::Options o{.strategy = weft::StrategyKind::kDfs};
  o.stop_on_first = false;
  const weft::Result r = weft::explore_scenario(*s, s->default_params(), o);
  EXPECT_TRUE(r.complete);
  EXPECT_EQ(weft::test::all_of(r, FindingKind::kDataRace).size(), 2u);
  EXPECT_GT(weft::test::all_of(r, FindingKind::kAssertionFailure).size(), 1u);
}

TEST(DataRace, CorrectCountersHaveNoRace) {
  for (const char* name : {"counter/mutex", "counter/atomic", "counter/lost-update"}) {
    const weft::Scenario* s = weft::find_scenario(name);
    ASSERT_NE(s, nullptr);
    weft::Options o{.strategy = weft::StrategyKind::kDfs};
    o.stop_on_first = false;
    const weft::Result r = weft::explore_scenario(*s, s->default_params(), o);
    EXPECT_EQ(weft::test::find_kind(r, FindingKind::kDataRace), nullptr) << name << ": " << weft::test::describe(r);
  }
}

}  // namespace
