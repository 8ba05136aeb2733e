// The priority-inversion scenarios: each declared verdict, the H/L/M threads, mutexes and source
// lines of the findings, the measured worst blocking, and a replay round-trip per failing variant.
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <string>

#include "findings_util.hpp"
#include "weft/explore.hpp"
#include "weft/scenario.hpp"

namespace {

using weft::FindingKind;
using weft::test::describe;

constexpr std::int64_t kMs = 1000000;

const weft::Scenario& scenario(std::string_view name) {
  const weft::Scenario* s = weft::find_scenario(name);
  EXPECT_NE(s, nullptr) << name;
  return *s;
}

// The line of the n-th (1-based) occurrence of `needle` in `file`, -1 if absent.
int nth_line_of(const char* file, std::string_view needle, int n) {
  std::ifstream in(file);
  std::string line;
  for (int number = 1; std::getline(in, line); ++number) {
    if (line.find(needle) != std::string::npos && --n == 0) return number;
  }
  return -1;
}

std::vector<FindingKind> kinds_of(const weft::Result& r) {
  std::vector<FindingKind> out;
  for (const weft::Finding& f : r.findings) {
    if (std::find(out.begin(), out.end(), f.kind) == out.end()) out.push_back(f.kind);
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<FindingKind> sorted(std::vector<FindingKind> v) {
  std::sort(v.begin(), v.end());
  return v;
}

// Explores as `weft explore` does by default (the scenario's ExploreDefaults).
weft::Result explore(const weft::Scenario& s, bool keep_going = false) {
  weft::Options o = weft::scenario_options(s);
  o.stop_on_first = !keep_going;
  return weft::explore_scenario(s, s.default_params(), o);
}

// Replays each finding's token: the same finding at the same step, no divergence.
void expect_replays(const weft::Scenario& s, const weft::Result& r) {
  ASSERT_FALSE(r.findings.empty());
  for (const weft::Finding& f : r.findings) {
    const weft::ScheduleParse parsed = weft::decode_schedule(f.schedule);
    ASSERT_TRUE(parsed.schedule.has_value()) << parsed.error;
    EXPECT_EQ(parsed.schedule->policy, 1);  // the token carries the priority policy
    const weft::Result again = weft::replay_scenario(s, *parsed.schedule);
    EXPECT_TRUE(again.divergence.empty()) << again.divergence;
    bool same = false;
    for (const weft::Finding& g : again.findings)
      same = same || (g.kind == f.kind && g.step == f.step && g.message == f.message);
    EXPECT_TRUE(same) << kind_name(f.kind) << " at step " << f.step << " not replayed: " << describe(again);
  }
}

TEST(PriorityScenarios, AllRunUnderThePriorityPolicyByDefault) {
  int count = 0;
  for (const weft::Scenario* s : weft::scenarios()) {
    if (s->family() != "priority-inversion") continue;
    ++count;
    EXPECT_EQ(s->explore.policy, weft::SchedPolicy::kPriority) << s->name;
    EXPECT_EQ(weft::scenario_options(*s).policy, weft::SchedPolicy::kPriority) << s->name;
    EXPECT_FALSE(s->native.skip_reason.empty()) << s->name;  // skipped with a reason, never passed
    EXPECT_FALSE(s->relacy.skip_reason.empty()) << s->name;
  }
  EXPECT_EQ(count, 7);
}

TEST(PriorityScenarios, UnboundedReportsHLMAndTheMutex) {
  const weft::Scenario& s = scenario("priority-inversion/unbounded");
  const weft::Result r = explore(s);
  ASSERT_EQ(kinds_of(r), sorted(s.model.kinds)) << describe(r);
  const weft::Finding& f = r.findings[0];
  EXPECT_EQ(f.kind, FindingKind::kPriorityInversion);
  EXPECT_EQ(f.threads, (std::vector<int>{3, 1, 2}));  // H, L, M in spawn order t1 L, t2 M, t3 H
  const char* file = f.location.file;
  EXPECT_EQ(weft::test::basename_of(file), "priority_inversion.cpp");
  EXPECT_EQ(f.location.line, nth_line_of(file, "weft::lock_guard<weft::mutex> guard(shared);", 2));  // H's lock
  EXPECT_EQ(f.operation, "mutex.lock");
  const std::string mutex = "mutex#0 (scenarios/priority_inversion.cpp:" +
                            std::to_string(nth_line_of(file, "weft::mutex shared(protocol", 1)) + ")";
  ASSERT_GE(f.sites.size(), 3u);
  EXPECT_EQ(f.sites[0].thread, 3);
  EXPECT_EQ(f.sites[0].object, mutex);
  EXPECT_EQ(f.sites[1].thread, 1);  // where L took the mutex
  EXPECT_EQ(f.sites[1].location.line, nth_line_of(file, "weft::lock_guard<weft::mutex> guard(shared);", 1));
  EXPECT_EQ(f.sites[2].thread, 2);
  EXPECT_NE(f.message.find("t3 (H, priority 3) waited 24 ms for " + mutex +
                           " held by t1 (L, priority 1) while "
                           "t2 (M, priority 2) ran 20 ms"),
            std::string::npos)
      << f.message;
  // Start and length, in virtual time and steps.
  EXPECT_NE(f.details[0].find("started waiting for " + mutex + " at 0"), std::string::npos) << f.details[0];
  EXPECT_NE(f.details[2].find("waited 24 ms (6 steps)"), std::string::npos) << f.details[2];
  EXPECT_EQ(r.max_blocking.time, 24 * kMs);
  expect_replays(s, r);
}

TEST(PriorityScenarios, InheritBoundsTheWaitByLsCriticalSection) {
  const weft::Scenario& s = scenario("priority-inversion/inherit");
  const weft::Result r = explore(s);
  EXPECT_TRUE(r.ok()) << describe(r);
  EXPECT_TRUE(r.complete);
  EXPECT_EQ(r.executions, s.dfs_executions);
  ASSERT_TRUE(r.max_blocking.measured);
  EXPECT_EQ(r.max_blocking.time, 4 * kMs);  // cs_ms: H arrives just after L took the mutex
  EXPECT_EQ(r.max_blocking.high, 3);
  EXPECT_EQ(r.max_blocking.low, 1);
  // A longer critical section moves the bound with it.
  weft::Params p = s.default_params();
  ASSERT_EQ(p.set("cs_ms", 7), "");
  const weft::Result longer = weft::explore_scenario(s, p, weft::scenario_options(s));
  EXPECT_TRUE(longer.ok()) << describe(longer);
  EXPECT_EQ(longer.max_blocking.time, 7 * kMs);
}

TEST(PriorityScenarios, MaxBlockingTurnsABoundedInversionIntoAFinding) {
  const weft::Scenario& s = scenario("priority-inversion/inherit");
  weft::Options o = weft::scenario_options(s);
  o.max_blocking = std::chrono::milliseconds(3);
  const weft::Result r = weft::explore_scenario(s, s.default_params(), o);
  ASSERT_EQ(r.findings.size(), 1u) << describe(r);
  const weft::Finding& f = r.findings[0];
  EXPECT_EQ(f.kind, FindingKind::kPriorityInversion);
  EXPECT_EQ(f.threads, (std::vector<int>{3, 1}));  // bounded: no M
  EXPECT_NE(f.message.find("above --max-blocking 3 ms: lower-priority threads ran 4 ms"), std::string::npos)
      << f.message;
  EXPECT_EQ(f.location.line, nth_line_of(f.location.file, "weft::lock_guard<weft::mutex> guard(shared);", 2));
  const weft::ScheduleParse parsed = weft::decode_schedule(f.schedule);
  ASSERT_TRUE(parsed.schedule.has_value());
  EXPECT_EQ(parsed.schedule->max_blocking, 3 * kMs);
  expect_replays(s, r);
  // At 4 ms the bound holds.
  o.max_blocking = std::chrono::milliseconds(4);
  EXPECT_TRUE(weft::explore_scenario(s, s.default_params(), o).ok());
}

TEST(PriorityScenarios, CeilingHasNoUnboundedInversion) {
  const weft::Scenario& s = scenario("priority-inversion/ceiling");
  const weft::Result r = explore(s);
  EXPECT_TRUE(r.ok()) << describe(r);
  EXPECT_TRUE(r.complete);
  EXPECT_EQ(r.executions, s.dfs_executions);
  EXPECT_LE(r.max_blocking.time, 4 * kMs);
}

TEST(PriorityScenarios, PathfinderMissesTheBusDeadlineAndTheWatchdogResets) {
  const weft::Scenario& s = scenario("priority-inversion/pathfinder");
  const weft::Result r = explore(s);
  ASSERT_EQ(kinds_of(r), sorted(s.model.kinds)) << describe(r);
  // t1 bus (4), t2 data (1), t3 comms (2), t4 watchdog (5).
  const weft::Finding* inversion = weft::test::find_kind(r, FindingKind::kPriorityInversion);
  ASSERT_NE(inversion, nullptr);
  EXPECT_EQ(inversion->threads, (std::vector<int>{1, 2, 3}));
  EXPECT_EQ(inversion->location.line,
            nth_line_of(inversion->location.file, "weft::lock_guard<weft::mutex> guard(bus);", 1));
  const weft::Finding* miss = weft::test::find_kind(r, FindingKind::kDeadlineMiss);
  ASSERT_NE(miss, nullptr);
  EXPECT_EQ(miss->threads, (std::vector<int>{1, 2, 3}));  // bus waits for data, preempted by comms
  EXPECT_NE(miss->message.find("t1 (bus) did not finish its job within 5 ms"), std::string::npos) << miss->message;
  EXPECT_NE(miss->message.find("blocked: t1 (bus) -> t2 (data), preempted by t3 (comms)"), std::string::npos)
      << miss->message;
  EXPECT_EQ(miss->location.line, inversion->location.line);  // the bus task waits at its lock
  const weft::Finding* reset = weft::test::find_kind(r, FindingKind::kAssertionFailure);
  ASSERT_NE(reset, nullptr);
  EXPECT_EQ(reset->threads, (std::vector<int>{4}));  // the watchdog
  EXPECT_EQ(reset->location.line, nth_line_of(reset->location.file, "WEFT_ASSERT(cycle_completed);", 1));
  expect_replays(s, r);
}

TEST(PriorityScenarios, PathfinderWithInheritanceMeetsEveryDeadline) {
  const weft::Scenario& s = scenario("priority-inversion/pathfinder-inherit");
  const weft::Result r = explore(s);
  EXPECT_TRUE(r.ok()) << describe(r);
  EXPECT_TRUE(r.complete);
  EXPECT_EQ(r.executions, s.dfs_executions);
  EXPECT_EQ(r.max_blocking.time, 3 * kMs);  // the data task's time on the bus
}

TEST(PriorityScenarios, ChainNeedsTransitiveInheritance) {
  const weft::Scenario& s = scenario("priority-inversion/chain");
  const weft::Result r = explore(s);
  EXPECT_TRUE(r.ok()) << describe(r);
  EXPECT_TRUE(r.complete);
  EXPECT_EQ(r.executions, s.dfs_executions);
}

TEST(PriorityScenarios, ChainWithOneLevelInheritanceMissesTheDeadline) {
  const weft::Scenario& s = scenario("priority-inversion/chain-direct");
  const weft::Result r = explore(s);
  ASSERT_EQ(kinds_of(r), sorted(s.model.kinds)) << describe(r);
  // t1 L1 (1), t2 L2 (2), t3 M (3), t4 H (4).
  const weft::Finding* inversion = weft::test::find_kind(r, FindingKind::kPriorityInversion);
  ASSERT_NE(inversion, nullptr);
  EXPECT_EQ(inversion->threads, (std::vector<int>{4, 2, 3, 1}));  // H, its holder L2, M, and L1 behind L2
  EXPECT_NE(inversion->message.find("held by t2 (L2, priority 2) (itself waiting behind t1 (L1))"), std::string::npos)
      << inversion->message;
  const weft::Finding* miss = weft::test::find_kind(r, FindingKind::kDeadlineMiss);
  ASSERT_NE(miss, nullptr);
  EXPECT_NE(miss->message.find("blocked: t4 (H) -> t2 (L2) -> t1 (L1), preempted by t3 (M)"), std::string::npos)
      << miss->message;
  // L2 inherited H's priority, L1 only L2's: the chain shows it.
  ASSERT_GE(miss->details.size(), 3u);
  EXPECT_NE(miss->details[1].find("t2 (L2, priority 4) waits for mutex#0"), std::string::npos) << miss->details[1];
  EXPECT_NE(miss->details[2].find("t1 (L1, priority 2) is ready but preempted"), std::string::npos) << miss->details[2];
  EXPECT_EQ(miss->location.line, nth_line_of(miss->location.file, "weft::lock_guard<weft::mutex> guard(m2);", 1));
  expect_replays(s, r);
}

TEST(PriorityScenarios, EveryExecutionAgreesWithTheDeclaredVerdict) {
  // As `weft check` explores: every execution, the union of the kinds found.
  for (const char* name : {"priority-inversion/unbounded", "priority-inversion/chain-direct"}) {
    const weft::Scenario& s = scenario(name);
    const weft::Result r = explore(s, /*keep_going=*/true);
    EXPECT_TRUE(r.complete) << name;
    EXPECT_EQ(kinds_of(r), sorted(s.model.kinds)) << name << ": " << describe(r);
  }
}

TEST(PriorityScenarios, AnyInterleavingPolicyReportsNoPriorityFinding) {
  // Priorities mean nothing without the priority policy: no priority finding, no measurement.
  const weft::Scenario& s = scenario("priority-inversion/unbounded");
  weft::Options o = weft::scenario_options(s);
  o.policy = weft::SchedPolicy::kAny;
  o.stop_on_first = false;
  o.max_executions = 200;
  const weft::Result r = weft::explore_scenario(s, s.default_params(), o);
  EXPECT_FALSE(r.has(FindingKind::kPriorityInversion)) << describe(r);
  EXPECT_FALSE(r.max_blocking.measured);
}

}  // namespace
