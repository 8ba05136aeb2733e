// The producer-consumer family: exhaustive proofs of the correct variants (pinned execution counts),
// the exact finding of each buggy variant, bounded searches saying so, and replay round-trips.
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <string>
#include <string_view>
#include <vector>

#include "weft/explore.hpp"
#include "weft/scenario.hpp"

namespace {

using weft::FindingKind;

// The scenario source, next to this test in the source tree.
std::string scenario_file() {
  std::string path = __FILE__;
  path.resize(path.rfind("tests/model/"));
  return path + "scenarios/producer_consumer.cpp";
}

// The line of the scenario source that carries `marker` (1-based), -1 when absent.
int line_of(std::string_view marker) {
  std::ifstream in(scenario_file());
  std::string line;
  for (int n = 1; std::getline(in, line); ++n) {
    if (line.find(marker) != std::string::npos) return n;
  }
  return -1;
}

// "scenarios/producer_consumer.cpp:N", as findings name locations and declarations.
std::string at(std::string_view marker) { return "scenarios/producer_consumer.cpp:" + std::to_string(line_of(marker)); }

const weft::Scenario& scenario(std::string_view variant) {
  const std::string name = "producer-consumer/" + std::string(variant);
  const weft::Scenario* s = weft::find_scenario(name);
  if (s == nullptr) throw std::runtime_error("not registered: " + name);
  return *s;
}

weft::Params params(const weft::Scenario& s, const std::vector<std::string>& sets = {}) {
  weft::Params p = s.default_params();
  for (const std::string& set : sets) {
    const std::string err = p.set(set);
    if (!err.empty()) throw std::runtime_error(err);
  }
  return p;
}

weft::Result explore(std::string_view variant, const std::vector<std::string>& sets = {},
                     weft::Options options = {.strategy = weft::StrategyKind::kDfs}) {
  const weft::Scenario& s = scenario(variant);
  return weft::explore_scenario(s, params(s, sets), options);
}

std::string describe(const weft::Result& r) {
  std::string out;
  for (const weft::Finding& f : r.findings) out += std::string(weft::kind_name(f.kind)) + ": " + f.message + "\n";
  return out.empty() ? "no finding" : out;
}

bool in_scenario_file(const weft::SourceLoc& loc) {
  return std::string_view(loc.file).ends_with("scenarios/producer_consumer.cpp");
}

bool any_detail_has(const weft::Finding& f, std::string_view a, std::string_view b = {}) {
  return std::any_of(f.details.begin(), f.details.end(), [&](const std::string& d) {
    return d.find(a) != std::string::npos && d.find(b) != std::string::npos;
  });
}

// The only finding of `r`, of kind `kind` (fails the test otherwise).
const weft::Finding& only(const weft::Result& r, FindingKind kind) {
  static const weft::Finding kNone;
  EXPECT_EQ(r.findings.size(), 1u) << describe(r);
  if (r.findings.empty()) return kNone;
  EXPECT_EQ(r.findings[0].kind, kind) << describe(r);
  return r.findings[0];
}

// The finding's token replays the same execution: same kind, step, threads and location.
void expect_replays(std::string_view variant, const weft::Finding& f) {
  const weft::ScheduleParse parsed = weft::decode_schedule(f.schedule);
  ASSERT_TRUE(parsed.schedule.has_value()) << parsed.error;
  const weft::Result r = weft::replay_scenario(scenario(variant), *parsed.schedule);
  EXPECT_TRUE(r.divergence.empty()) << r.divergence;
  const auto same = std::find_if(r.findings.begin(), r.findings.end(),
                                 [&](const weft::Finding& g) { return g.kind == f.kind && g.step == f.step; });
  ASSERT_NE(same, r.findings.end()) << describe(r);
  EXPECT_EQ(same->threads, f.threads);
  EXPECT_EQ(same->location.line, f.location.line);
  EXPECT_EQ(same->message, f.message);
  EXPECT_EQ(same->details, f.details);
}

// ---------------------------------------------------------------------------------------------
// The catalog

TEST(ProducerConsumer, FamilyIsRegisteredWithItsParametersAndVerdicts) {
  struct Expected {
    const char* variant;
    std::vector<FindingKind> model;
  };
  const std::vector<Expected> all = {
      {"bounded-buffer", {}},
      {"if-not-while", {FindingKind::kAssertionFailure}},
      {"shared-cv", {FindingKind::kDeadlock}},
      {"missing-notify", {FindingKind::kDeadlock}},
      {"unlocked-check", {FindingKind::kDeadlock}},
      {"semaphores", {}},
      {"semaphore-order", {FindingKind::kDeadlock}},
      {"unsynchronized-ring", {FindingKind::kDataRace, FindingKind::kAssertionFailure}},
      {"shutdown", {}},
      {"shutdown-flag-only", {FindingKind::kAssertionFailure}},
  };
  for (const Expected& e : all) {
    SCOPED_TRACE(e.variant);
    const weft::Scenario& s = scenario(e.variant);
    EXPECT_EQ(s.model.kinds, e.model);
    EXPECT_TRUE(s.native.skip_reason.empty());
    std::vector<std::string_view> names;
    for (const weft::ParamSpec& p : s.params) names.push_back(p.name);
    EXPECT_EQ(names, (std::vector<std::string_view>{"producers", "consumers", "capacity", "items"}));
    // Correct variants record their exhaustive count; buggy ones have none.
    EXPECT_EQ(s.dfs_executions != 0, e.model.empty());
  }
}

// ---------------------------------------------------------------------------------------------
// Correct variants: exhaustive at their default size, with the recorded execution count

// The count is every execution of the plain DFS (no reduction): one per distinct sequence of
// choices, where a choice is a scheduling point with several runnable threads, a spurious
// wake-up or not at each wait (until the per-execution bound, 1 by default), and which waiter a
// notify_one wakes when several wait. An explorer change that prunes or duplicates executions
// changes it.
void expect_exhaustive(std::string_view variant) {
  const weft::Scenario& s = scenario(variant);
  const weft::Result r = explore(variant);
  EXPECT_TRUE(r.complete);
  EXPECT_TRUE(r.bounded_by.empty()) << r.bounded_by;
  EXPECT_TRUE(r.ok()) << describe(r);
  EXPECT_NE(s.dfs_executions, 0u);
  EXPECT_EQ(r.executions, s.dfs_executions);
}

// With condition variables, some execution reaches a wait with its one spurious wake-up used up:
// the proof covers executions with at most one spurious wake-up each, and the result says so.
void expect_spurious_bound(std::string_view variant, std::string_view bound) {
  EXPECT_EQ(explore(variant).spurious_bound, bound) << variant;
}

TEST(ProducerConsumer, BoundedBufferIsExhaustivelyCorrect) {
  expect_exhaustive("bounded-buffer");
  expect_spurious_bound("bounded-buffer", "max_spurious=1");
}
TEST(ProducerConsumer, SemaphoresIsExhaustivelyCorrect) {
  expect_exhaustive("semaphores");
  expect_spurious_bound("semaphores", "");  // no condition variable: nothing was cut
}
TEST(ProducerConsumer, ShutdownIsExhaustivelyCorrect) {
  expect_exhaustive("shutdown");
  expect_spurious_bound("shutdown", "max_spurious=1");
}

// The semaphores variant has no condition variable: the spurious-wake-up switch cannot change its
// search. The condition-variable variants have fewer executions without spurious wake-ups and more
// with a higher bound, and stay correct.
TEST(ProducerConsumer, SpuriousWakeupBoundShapesTheSearch) {
  weft::Options off{.strategy = weft::StrategyKind::kDfs};
  off.spurious_wakeups = false;
  EXPECT_EQ(explore("semaphores", {}, off).executions, scenario("semaphores").dfs_executions);

  const weft::Result none = explore("bounded-buffer", {}, off);
  weft::Options two{.strategy = weft::StrategyKind::kDfs};
  two.max_spurious = 2;
  const weft::Result more = explore("bounded-buffer", {}, two);
  for (const weft::Result* r : {&none, &more}) {
    EXPECT_TRUE(r->complete);
    EXPECT_TRUE(r->ok()) << describe(*r);
  }
  EXPECT_EQ(none.spurious_bound, "");
  EXPECT_EQ(more.spurious_bound, "max_spurious=2");
  EXPECT_LT(none.executions, scenario("bounded-buffer").dfs_executions);
  EXPECT_GT(more.executions, scenario("bounded-buffer").dfs_executions);
}

// Other sizes of the correct variants, small enough to exhaust here.
TEST(ProducerConsumer, CorrectVariantsAtOtherSizes) {
  const std::vector<std::vector<std::string>> sizes = {
      {"producers=2", "consumers=1", "capacity=1", "items=1"},
      {"producers=1", "consumers=1", "capacity=1", "items=3"},
      {"producers=1", "consumers=1", "capacity=2", "items=3"},
  };
  for (const char* variant : {"bounded-buffer", "semaphores", "shutdown"}) {
    for (const auto& sets : sizes) {
      SCOPED_TRACE(std::string(variant) + " " + sets[0] + " " + sets[1] + " " + sets[2] + " " + sets[3]);
      const weft::Result r = explore(variant, sets);
      EXPECT_TRUE(r.complete);
      EXPECT_TRUE(r.ok()) << describe(r);
    }
  }
}

// A size too big to exhaust here is explored with a bound, and the result says by what: never
// complete, never a proof.
TEST(ProducerConsumer, BoundedSearchesSayTheyAreBounded) {
  const std::vector<std::string> big = {"producers=2", "consumers=2", "capacity=2", "items=2"};
  weft::Options capped{.strategy = weft::StrategyKind::kDfs};
  capped.max_executions = 2000;
  const weft::Result r = explore("bounded-buffer", big, capped);
  EXPECT_FALSE(r.complete);
  EXPECT_EQ(r.bounded_by, "max_executions=2000");
  EXPECT_EQ(r.executions, 2000u);
  EXPECT_TRUE(r.ok()) << describe(r);

  weft::Options preemptions{.strategy = weft::StrategyKind::kDfs};
  preemptions.preemption_bound = 1;
  const weft::Result p = explore("semaphores", big, preemptions);
  EXPECT_FALSE(p.complete);
  EXPECT_EQ(p.bounded_by, "preemption_bound=1");
  EXPECT_TRUE(p.ok()) << describe(p);
}

// ---------------------------------------------------------------------------------------------
// Buggy variants: the exact finding, and its replay

// Defaults: producer t1, consumers t2 and t3. DFS runs the non-preemptive schedule first and
// backtracks from the deepest choice, so the first failing execution, and the threads in it, are
// the same on every run. In it the last consumer spawned (t3) is the one that fails or sleeps.
// A deadlock's location is where the last thread to block stopped; its details name what every
// blocked thread waits for, with the object's declaration.
TEST(ProducerConsumer, IfNotWhileTakesFromAnEmptyBuffer) {
  const weft::Result r = explore("if-not-while");
  const weft::Finding& f = only(r, FindingKind::kAssertionFailure);
  EXPECT_EQ(r.bounded_by, "finding");
  EXPECT_EQ(r.executions, 50u);
  // t3 was woken for an item that t2 took before t3 re-locked: the underflow check.
  EXPECT_EQ(f.threads, std::vector<int>{3});
  EXPECT_TRUE(in_scenario_file(f.location));
  EXPECT_EQ(f.location.line, line_of("[pc:underflow]"));
  EXPECT_NE(f.message.find("count_ > 0"), std::string::npos) << f.message;
  expect_replays("if-not-while", f);
}

// With one consumer and no spurious wake-up, `if` happens to be enough: the search proves it.
// With spurious wake-ups (the default) the single consumer takes from the empty buffer after one.
TEST(ProducerConsumer, IfNotWhileWithOneConsumerFailsOnlyThroughASpuriousWakeup) {
  const std::vector<std::string> one = {"consumers=1"};
  weft::Options off{.strategy = weft::StrategyKind::kDfs};
  off.spurious_wakeups = false;
  const weft::Result clean = explore("if-not-while", one, off);
  EXPECT_TRUE(clean.complete);
  EXPECT_TRUE(clean.ok()) << describe(clean);

  const weft::Result r = explore("if-not-while", one);
  const weft::Finding& f = only(r, FindingKind::kAssertionFailure);
  EXPECT_EQ(f.threads, std::vector<int>{2});
  EXPECT_EQ(f.location.line, line_of("[pc:underflow]"));
  EXPECT_NE(f.trace.find("SPURIOUS WAKE-UP"), std::string::npos) << f.trace;
  expect_replays("if-not-while", f);
}

// Random exploration finds it too; the seeds are fixed, so this is deterministic.
TEST(ProducerConsumer, IfNotWhileUnderRandomSearch) {
  for (const std::uint64_t seed : {1, 2, 3, 4, 5}) {
    SCOPED_TRACE(seed);
    weft::Options o{.strategy = weft::StrategyKind::kDfs};
    o.strategy = weft::StrategyKind::kRandom;
    o.seed = seed;
    o.max_executions = 1000;
    const weft::Result r = explore("if-not-while", {}, o);
    const weft::Finding& f = only(r, FindingKind::kAssertionFailure);
    EXPECT_EQ(f.location.line, line_of("[pc:underflow]"));
    expect_replays("if-not-while", f);
  }
}

// One condition variable for both conditions (capacity 1): the consumer's notify wakes the other
// consumer instead of the waiting producer; both go back to sleep on the shared condition variable.
TEST(ProducerConsumer, SharedCvDeadlocks) {
  const weft::Result r = explore("shared-cv");
  const weft::Finding& f = only(r, FindingKind::kDeadlock);
  const std::string cv = "condition_variable#";
  const std::string decl = "(" + at("[pc:shared-cv]") + ")";
  // Main waits to join; the producer t1 (buffer full) and consumer t3 (buffer empty) both wait on
  // the shared condition variable; t2 finished its quota with the notify that woke t3, not t1.
  EXPECT_EQ(f.threads, (std::vector<int>{0, 1, 3})) << f.message;
  EXPECT_TRUE(any_detail_has(f, "t1 waits on " + cv + "1 " + decl, at("[pc:scv-producer-wait]"))) << f.message;
  EXPECT_TRUE(any_detail_has(f, "t3 waits on " + cv + "1 " + decl, at("[pc:scv-consumer-wait]"))) << f.message;
  EXPECT_TRUE(any_detail_has(f, "t0 waits to join t1", at("[pc:join]"))) << f.message;
  EXPECT_TRUE(in_scenario_file(f.location));
  EXPECT_EQ(f.location.line, line_of("[pc:scv-consumer-wait]"));
  expect_replays("shared-cv", f);
}

// Two puts in a row, one notify: the second waiting consumer sleeps next to an item.
TEST(ProducerConsumer, MissingNotifyDeadlocks) {
  const weft::Result r = explore("missing-notify");
  const weft::Finding& f = only(r, FindingKind::kDeadlock);
  // t2 took one item and finished; t3 waits on not_empty with the other item in the buffer; main
  // blocked last, joining t3.
  EXPECT_EQ(f.threads, (std::vector<int>{0, 3})) << f.message;
  EXPECT_TRUE(any_detail_has(f, "t3 waits on condition_variable#", "(" + at("[pc:mn-not-empty]") + ")")) << f.message;
  EXPECT_TRUE(any_detail_has(f, "t3 waits on", at("[pc:mn-consumer-wait]"))) << f.message;
  EXPECT_TRUE(in_scenario_file(f.location));
  EXPECT_EQ(f.location.line, line_of("[pc:join]"));
  expect_replays("missing-notify", f);
}

// The notify between the unlocked check and the wait is lost.
TEST(ProducerConsumer, UnlockedCheckLosesTheWakeup) {
  const weft::Result r = explore("unlocked-check");
  const weft::Finding& f = only(r, FindingKind::kDeadlock);
  // t3 saw no item, the producer's last put and notify came before t3's wait, t3 blocked last.
  EXPECT_EQ(f.threads, (std::vector<int>{0, 3})) << f.message;
  EXPECT_TRUE(any_detail_has(f, "t3 waits on condition_variable#", "(" + at("[pc:uc-not-empty]") + ")")) << f.message;
  EXPECT_TRUE(any_detail_has(f, "t3 waits on", at("[pc:uc-wait]"))) << f.message;
  EXPECT_TRUE(in_scenario_file(f.location));
  EXPECT_EQ(f.location.line, line_of("[pc:uc-wait]"));
  // The lost notify is in the trace: the producer notified while nobody waited.
  EXPECT_NE(f.trace.find("no waiter: lost"), std::string::npos) << f.trace;
  expect_replays("unlocked-check", f);
}

// A consumer holds the mutex while it waits for an item; the producer waits for the mutex.
TEST(ProducerConsumer, SemaphoreOrderDeadlocks) {
  const weft::Result r = explore("semaphore-order");
  const weft::Finding& f = only(r, FindingKind::kDeadlock);
  // Consumer t3 holds the mutex and waits for full_slots (count 0); producer t1 waits for the
  // mutex; main waits to join t1.
  EXPECT_EQ(f.threads, (std::vector<int>{0, 1, 3})) << f.message;
  EXPECT_TRUE(any_detail_has(f, "t1 waits to lock mutex#", "(" + at("[pc:so-mutex]") + ")")) << f.message;
  EXPECT_TRUE(any_detail_has(f, "t1 waits to lock", at("[pc:so-producer-lock]"))) << f.message;
  EXPECT_TRUE(any_detail_has(f, "t1 waits to lock", "held by t3")) << f.message;
  EXPECT_TRUE(any_detail_has(f, "t3 waits to acquire semaphore#", "(" + at("[pc:so-full]") + ")")) << f.message;
  EXPECT_TRUE(any_detail_has(f, at("[pc:so-consumer-acquire]"), "count 0")) << f.message;
  EXPECT_TRUE(in_scenario_file(f.location));
  EXPECT_EQ(f.location.line, line_of("[pc:so-consumer-acquire]"));
  expect_replays("semaphore-order", f);
}

const weft::Finding* first_of(const weft::Result& r, FindingKind kind) {
  for (const weft::Finding& f : r.findings) {
    if (f.kind == kind) return &f;
  }
  return nullptr;
}

// The race checker names both accesses of a race on `var_marker`'s variable.
void expect_race(const weft::Finding* f, std::vector<int> threads, std::string_view var_marker,
                 std::string_view first_marker, std::string_view second_marker) {
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->threads, threads);
  const std::string var = "(" + at(var_marker) + ")";
  EXPECT_NE(f->message.find(var), std::string::npos) << f->message;
  ASSERT_EQ(f->sites.size(), 2u) << f->message;
  EXPECT_EQ(f->sites[0].thread, threads[0]);
  EXPECT_EQ(f->sites[0].location.line, line_of(first_marker));
  EXPECT_EQ(f->sites[1].thread, threads[1]);
  EXPECT_EQ(f->sites[1].location.line, line_of(second_marker));
  for (const weft::FindingSite& site : f->sites) EXPECT_NE(site.object.find(var), std::string::npos) << site.object;
}

// Two consumers take from the same slot: the second finds it empty (an item read twice or never).
// Two producers put into the same slot: the second finds it full (an item overwritten). The race
// checker reports the unordered index accesses first; races do not stop the search, the
// assertion does.
TEST(ProducerConsumer, UnsynchronizedRingRacesAndLosesOrDuplicatesItems) {
  // Default: in execution 1 consumer t3 reads `head` after consumer t2 wrote it, unordered (the
  // semaphores order each consumer only against the producer). In execution 29 both read head 0;
  // t2 empties the slot and t3 finds it empty.
  const weft::Result r = explore("unsynchronized-ring");
  EXPECT_EQ(r.bounded_by, "finding");
  const weft::Finding* race = first_of(r, FindingKind::kDataRace);
  ASSERT_NE(race, nullptr) << describe(r);
  EXPECT_EQ(race->execution, 1u);
  expect_race(race, {2, 3}, "[pc:ring-head]", "[pc:ring-head-write]", "[pc:ring-head-read]");
  const weft::Finding* f = first_of(r, FindingKind::kAssertionFailure);
  ASSERT_NE(f, nullptr) << describe(r);
  EXPECT_EQ(f->execution, 29u);
  EXPECT_EQ(f->threads, std::vector<int>{3});
  EXPECT_TRUE(in_scenario_file(f->location));
  EXPECT_EQ(f->location.line, line_of("[pc:empty-slot]"));
  expect_replays("unsynchronized-ring", *f);
  expect_replays("unsynchronized-ring", *race);

  // Two producers, one consumer: the producers' puts can interleave only by a preemption, which
  // DFS reaches late (it backtracks from the deepest choice first); one preemption suffices, and
  // the preemption-bounded search finds it in execution 253: producers t1 and t2 both read tail
  // 0, t2 finds the slot t1 filled. The race on `tail` between them is reported on the way.
  weft::Options one_preemption{.strategy = weft::StrategyKind::kDfs};
  one_preemption.preemption_bound = 1;
  const weft::Result p = explore("unsynchronized-ring", {"producers=2", "consumers=1"}, one_preemption);
  const weft::Finding* g = first_of(p, FindingKind::kAssertionFailure);
  ASSERT_NE(g, nullptr) << describe(p);
  EXPECT_EQ(g->execution, 253u);
  EXPECT_EQ(g->threads, std::vector<int>{2});
  EXPECT_EQ(g->location.line, line_of("[pc:overwrite]"));
  expect_replays("unsynchronized-ring", *g);
  expect_race(first_of(p, FindingKind::kDataRace), {1, 2}, "[pc:ring-tail]", "[pc:ring-tail-write]",
              "[pc:ring-tail-read]");

  // With one producer and one consumer the semaphores order every index access: correct, and
  // race-free.
  const weft::Result one = explore("unsynchronized-ring", {"producers=1", "consumers=1"});
  EXPECT_TRUE(one.complete);
  EXPECT_TRUE(one.ok()) << describe(one);
}

// The close flag seen without re-checking the buffer: an item is never consumed, which the main
// thread's exactly-once check reports.
TEST(ProducerConsumer, ShutdownFlagOnlyLosesItems) {
  const weft::Result r = explore("shutdown-flag-only");
  const weft::Finding& f = only(r, FindingKind::kAssertionFailure);
  EXPECT_EQ(f.threads, std::vector<int>{0});
  EXPECT_TRUE(in_scenario_file(f.location));
  EXPECT_EQ(f.location.line, line_of("[pc:exactly-once]"));
  expect_replays("shutdown-flag-only", f);
}

}  // namespace
