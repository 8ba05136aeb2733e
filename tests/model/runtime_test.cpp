// The model runtime: findings it raises itself, replay round-trips, determinism, scale, memory.
#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>
#include <stdexcept>
#include <string>

#include "weft/explore.hpp"
#include "weft/scenario.hpp"
#include "weft/sync.hpp"

namespace {

using weft::FindingKind;

// The line of the first occurrence of `needle` in `file` (1-based), for asserting locations
// without hard-coding line numbers.
int line_of(const char* file, std::string_view needle) {
  std::ifstream in(file);
  std::string line;
  for (int n = 1; std::getline(in, line); ++n) {
    if (line.find(needle) != std::string::npos) return n;
  }
  return -1;
}

std::string_view basename(const char* path) {
  std::string_view p = path;
  return p.substr(p.rfind('/') + 1);
}

const weft::Finding* first_of(const weft::Result& r, FindingKind kind) {
  for (const weft::Finding& f : r.findings) {
    if (f.kind == kind) return &f;
  }
  return nullptr;
}

// --- counter family: found by DFS and by random; correct variants complete clean ----------

struct BuggyCase {
  const char* name;
  const char* assert_text;
};

class BuggyCounter : public ::testing::TestWithParam<BuggyCase> {};

TEST_P(BuggyCounter, FoundByDfsAtTheEndCheck) {
  const weft::Scenario* s = weft::find_scenario(GetParam().name);
  ASSERT_NE(s, nullptr);
  const weft::Result r =
      weft::explore_scenario(*s, s->default_params(), weft::Options{.strategy = weft::StrategyKind::kDfs});
  const weft::Finding* f = first_of(r, FindingKind::kAssertionFailure);
  ASSERT_NE(f, nullptr) << GetParam().name;
  EXPECT_EQ(f->threads, std::vector<int>{0});  // the main thread's end check
  EXPECT_EQ(basename(f->location.file), "counter.cpp");
  // Both variants end with the same check; the finding points at this variant's own line.
  const int racy_line = line_of(f->location.file, "WEFT_ASSERT(counter.load() == threads * iterations)");
  EXPECT_GE(f->location.line, racy_line);
  EXPECT_NE(f->message.find(GetParam().assert_text), std::string::npos) << f->message;
  EXPECT_FALSE(r.complete);
  EXPECT_EQ(r.bounded_by, "finding");
}

TEST_P(BuggyCounter, FoundByRandom) {
  const weft::Scenario* s = weft::find_scenario(GetParam().name);
  ASSERT_NE(s, nullptr);
  weft::Options o{.strategy = weft::StrategyKind::kDfs};
  o.strategy = weft::StrategyKind::kRandom;
  o.seed = 42;
  o.max_executions = 2000;
  const weft::Result r = weft::explore_scenario(*s, s->default_params(), o);
  EXPECT_NE(first_of(r, FindingKind::kAssertionFailure), nullptr) << GetParam().name;
  EXPECT_EQ(r.strategy, "random");
}

// Explore, take the token, replay: the same finding at the same step, and byte-identical trace.
TEST_P(BuggyCounter, ReplayRoundTrip) {
  const weft::Scenario* s = weft::find_scenario(GetParam().name);
  ASSERT_NE(s, nullptr);
  for (const weft::StrategyKind strategy : {weft::StrategyKind::kDfs, weft::StrategyKind::kRandom}) {
    weft::Options o{.strategy = weft::StrategyKind::kDfs};
    o.strategy = strategy;
    o.seed = 7;
    const weft::Result found = weft::explore_scenario(*s, s->default_params(), o);
    const weft::Finding* f = first_of(found, FindingKind::kAssertionFailure);
    ASSERT_NE(f, nullptr);
    const weft::ScheduleParse parsed = weft::decode_schedule(f->schedule);
    ASSERT_TRUE(parsed.schedule.has_value()) << parsed.error;
    const weft::Result again = weft::replay_scenario(*s, *parsed.schedule);
    EXPECT_EQ(again.divergence, "");
    const weft::Finding* g = first_of(again, FindingKind::kAssertionFailure);
    ASSERT_NE(g, nullptr);
    EXPECT_EQ(g->step, f->step);
    EXPECT_EQ(g->location.line, f->location.line);
    EXPECT_EQ(g->trace, f->trace);
    EXPECT_EQ(g->schedule, f->schedule);
  }
}

INSTANTIATE_TEST_SUITE_P(Counter, BuggyCounter,
                         ::testing::Values(BuggyCase{"counter/racy", "counter.load() == threads * iterations"},
                                           BuggyCase{"counter/lost-update", "counter.load() == threads * iterations"}),
                         [](const auto& info) {
                           std::string n = info.param.name;
                           for (char& c : n) c = (c == '/' || c == '-') ? '_' : c;
                           return n;
                         });

TEST(CorrectCounter, CompleteAndClean) {
  for (const char* name : {"counter/atomic", "counter/mutex"}) {
    const weft::Scenario* s = weft::find_scenario(name);
    ASSERT_NE(s, nullptr);
    weft::Options o{.strategy = weft::StrategyKind::kDfs};
    o.strategy = weft::StrategyKind::kDfs;
    const weft::Result r = weft::explore_scenario(*s, s->default_params(), o);
    EXPECT_TRUE(r.complete) << name;
    EXPECT_TRUE(r.findings.empty()) << name << ": " << (r.findings.empty() ? "" : r.findings[0].message);
  }
}

// --- findings the runtime raises ------------------------------------------------------------

TEST(RuntimeFindings, DeadlockListsEachBlockedThreadAndHolder) {
  const weft::Result r = weft::explore(
      [] {
        weft::mutex a;
        weft::mutex b;
        weft::thread t1([&] {
          a.lock();
          b.lock();  // t1-waits-b
          b.unlock();
          a.unlock();
        });
        weft::thread t2([&] {
          b.lock();
          a.lock();  // t2-waits-a
          a.unlock();
          b.unlock();
        });
        t1.join();
        t2.join();
      },
      weft::Options{.strategy = weft::StrategyKind::kDfs});
  const weft::Finding* f = first_of(r, FindingKind::kDeadlock);
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->threads, (std::vector<int>{0, 1, 2}));
  std::string details;
  for (const std::string& d : f->details) details += d + "\n";
  EXPECT_NE(details.find("t1 waits to lock mutex#1"), std::string::npos) << details;
  EXPECT_NE(details.find("held by t2"), std::string::npos) << details;
  EXPECT_NE(details.find("t2 waits to lock mutex#0"), std::string::npos) << details;
  EXPECT_NE(details.find("held by t1"), std::string::npos) << details;
  EXPECT_NE(details.find("t0 waits to join t1"), std::string::npos) << details;
  const int l1 = line_of(__FILE__, "b.lock();  // t1-waits-b");
  const int l2 = line_of(__FILE__, "a.lock();  // t2-waits-a");
  EXPECT_TRUE(f->location.line == l1 || f->location.line == l2) << f->location.line;
}

TEST(RuntimeFindings, UncaughtExceptionIsAFindingNotACrash) {
  const weft::Result r = weft::explore(
      [] {
        weft::atomic<int> x(0);
        weft::thread t([&] {
          x.store(1);
          throw std::runtime_error("boom in worker");
        });
        t.join();
      },
      weft::Options{.strategy = weft::StrategyKind::kDfs});
  const weft::Finding* f = first_of(r, FindingKind::kUncaughtException);
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->threads, std::vector<int>{1});
  EXPECT_NE(f->message.find("std::runtime_error: boom in worker"), std::string::npos) << f->message;
}

TEST(RuntimeFindings, StepBoundOnUnboundedSpin) {
  weft::Options o{.strategy = weft::StrategyKind::kDfs};
  o.max_steps = 200;
  const weft::Result r = weft::explore(
      [] {
        weft::atomic<bool> flag(false);
        weft::thread spinner([&] {
          while (!flag.load()) {
          }
        });
        flag.store(true);
        spinner.join();
      },
      o);
  const weft::Finding* f = first_of(r, FindingKind::kStepBound);
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->step, 200u);
  EXPECT_NE(std::find(f->threads.begin(), f->threads.end(), 1), f->threads.end());
}

TEST(RuntimeFindings, UnlockOfUnownedMutexIsMisuse) {
  const weft::Result r = weft::explore(
      [] {
        weft::mutex m;
        m.unlock();  // misuse-line
      },
      weft::Options{.strategy = weft::StrategyKind::kDfs});
  const weft::Finding* f = first_of(r, FindingKind::kApiMisuse);
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->location.line, line_of(__FILE__, "m.unlock();  // misuse-line"));
  EXPECT_NE(f->message.find("is not locked"), std::string::npos) << f->message;
}

// A mutex constructed outside any execution (static storage) is registered at its first use in
// each execution, free: a body that leaves it locked does not leak the lock into the next one.
TEST(RuntimeFindings, ObjectFromOutsideTheBodyIsRegisteredFreshInEachExecution) {
  weft::mutex outside;
  weft::Options o{.strategy = weft::StrategyKind::kDfs};
  o.max_executions = 3;
  int runs = 0;
  const weft::Result r = weft::explore(
      [&] {
        ++runs;
        weft::thread t([&] {
          outside.lock();
          outside.unlock();
        });
        outside.lock();
        outside.unlock();
        t.join();
        outside.lock();  // never unlocked: the next execution must find it free again
      },
      o);
  EXPECT_TRUE(r.findings.empty()) << (r.findings.empty() ? "" : r.findings[0].message);
  EXPECT_TRUE(r.complete);
  EXPECT_EQ(runs, 2);  // the two critical sections in either order
}

TEST(RuntimeFindings, OperationOutsideExploreThrowsLogicError) {
  weft::atomic<int> x(0);
  EXPECT_THROW(x.load(), std::logic_error);
}

// --- determinism, scale, memory ------------------------------------------------------------

TEST(Runtime, SameScheduleSameExecutionByteForByte) {
  const weft::Scenario* s = weft::find_scenario("counter/racy");
  ASSERT_NE(s, nullptr);
  weft::Options o{.strategy = weft::StrategyKind::kDfs};
  o.strategy = weft::StrategyKind::kRandom;
  o.seed = 3;
  const weft::Result a = weft::explore_scenario(*s, s->default_params(), o);
  const weft::Result b = weft::explore_scenario(*s, s->default_params(), o);
  ASSERT_FALSE(a.findings.empty());
  ASSERT_EQ(a.findings.size(), b.findings.size());
  EXPECT_EQ(a.executions, b.executions);
  EXPECT_EQ(a.findings[0].schedule, b.findings[0].schedule);
  EXPECT_EQ(a.findings[0].trace, b.findings[0].trace);
}

TEST(Runtime, TwentyThreadsRun) {
  constexpr int kThreads = 20;
  weft::Options o{.strategy = weft::StrategyKind::kDfs};
  o.strategy = weft::StrategyKind::kRandom;
  o.max_executions = 200;
  const weft::Result r = weft::explore(
      [] {
        weft::atomic<int> n(0);
        std::vector<weft::thread> ts;
        for (int i = 0; i < kThreads; ++i) ts.push_back(weft::thread([&] { n.fetch_add(1); }));
        for (auto& t : ts) t.join();
        WEFT_ASSERT(n.load() == kThreads);
      },
      o);
  EXPECT_EQ(r.executions, 200u);
  EXPECT_TRUE(r.findings.empty());
}

long resident_kib() {
  std::ifstream statm("/proc/self/statm");
  long pages = 0, resident = 0;
  statm >> pages >> resident;
  return resident * (sysconf(_SC_PAGESIZE) / 1024);
}

// Executions reuse stacks, logs and thread tables: resident memory after 300k executions is
// the same as after 20k (allowing a little allocator noise).
TEST(Runtime, MemoryStaysFlatOverManyExecutions) {
  auto body = [] {
    weft::mutex m;
    weft::var<int> c(0);
    std::vector<weft::thread> ts;
    for (int i = 0; i < 3; ++i) {
      ts.push_back(weft::thread([&] {
        weft::lock_guard<weft::mutex> g(m);
        c.store(c.load() + 1);
      }));
    }
    for (auto& t : ts) t.join();
  };
  weft::Options o{.strategy = weft::StrategyKind::kDfs};
  o.strategy = weft::StrategyKind::kRandom;
  o.max_executions = 20000;
  weft::explore(body, o);
  const long warm = resident_kib();
  o.max_executions = 300000;
  const weft::Result r = weft::explore(body, o);
  const long after = resident_kib();
  EXPECT_EQ(r.executions, 300000u);
  EXPECT_LT(after - warm, 2048) << "resident memory grew from " << warm << " KiB to " << after << " KiB";
}

// A body whose behaviour depends on state outside weft's control is nondeterministic: replay
// says where it diverged instead of reproducing something else.
TEST(Runtime, ReplayReportsDivergenceOfNondeterministicBody) {
  int runs = 0;
  auto body = [&runs] {
    ++runs;
    weft::atomic<int> x(0);
    weft::thread t([&] {
      x.fetch_add(1);
      if (runs == 1) x.fetch_add(1);  // only in the first run
    });
    x.fetch_add(1);
    t.join();
    WEFT_ASSERT(x.load() == 0);
  };
  const weft::Result first = weft::explore(body, weft::Options{.strategy = weft::StrategyKind::kDfs});
  ASSERT_FALSE(first.findings.empty());
  const weft::ScheduleParse parsed = weft::decode_schedule(first.findings[0].schedule);
  ASSERT_TRUE(parsed.schedule.has_value());
  const weft::Result again = weft::replay(body, *parsed.schedule);
  EXPECT_NE(again.divergence.find("replay diverged"), std::string::npos) << again.divergence;
  EXPECT_FALSE(again.ok());
}

TEST(Runtime, DfsDetectsNondeterministicBody) {
  int runs = 0;
  const weft::Result r = weft::explore(
      [&runs] {
        weft::atomic<int> x(0);
        if (++runs % 2 == 0) x.fetch_add(1);  // shifts every later step in even runs
        weft::thread t([&] { x.fetch_add(1); });
        x.fetch_add(1);
        t.join();
      },
      weft::Options{.strategy = weft::StrategyKind::kDfs});
  EXPECT_NE(r.divergence.find("nondeterministic"), std::string::npos) << r.divergence;
  EXPECT_FALSE(r.complete);
}

}  // namespace
