// Sync objects and vars of static storage duration inside explored bodies: each execution sees
// them in their constructed state (same exhaustive counts as local objects), or weft names the
// object whose state leaked.
#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "findings_util.hpp"
#include "weft/explore.hpp"
#include "weft/sync.hpp"

namespace {

using weft::FindingKind;
using weft::test::describe;
using weft::test::find_kind;
using weft::test::line_of;

weft::mutex g_mutex;               // a global
weft::atomic<int> g_counter = 0;   // a global counter, reset in each execution
weft::var<int> g_shared = 7;       // a global var, restored to 7 in each execution
weft::latch g_latch(1);            // a global composite: its count restored

struct Registry {
  static weft::mutex m;  // a class static
};
weft::mutex Registry::m;

weft::mutex& local_static_mutex() {
  static weft::mutex m;  // a function-local static, constructed inside the first execution
  return m;
}

// Two threads increment a var under `m` (and leave it locked once, in the main thread, to show
// that the next execution finds it free).
void locked_increments(weft::mutex& m) {
  weft::var<int> x = 0;
  weft::thread t([&] {
    weft::lock_guard<weft::mutex> g(m);
    x = x + 1;
  });
  {
    weft::lock_guard<weft::mutex> g(m);
    x = x + 1;
  }
  t.join();
  WEFT_ASSERT(x.load() == 2);
}

weft::Result run(const std::function<void()>& body, weft::StrategyKind s) {
  weft::Options o;
  o.strategy = s;
  return weft::explore(body, o);
}

TEST(StaticStorage, StaticMutexesGiveTheExactCountsOfALocalOne) {
  for (weft::StrategyKind s : {weft::StrategyKind::kDfs, weft::StrategyKind::kDpor}) {
    const weft::Result local = run(
        [] {
          weft::mutex m;
          locked_increments(m);
        },
        s);
    ASSERT_TRUE(local.ok()) << describe(local);
    ASSERT_TRUE(local.complete);
    const weft::Result global = run([] { locked_increments(g_mutex); }, s);
    const weft::Result member = run([] { locked_increments(Registry::m); }, s);
    const weft::Result function_local = run([] { locked_increments(local_static_mutex()); }, s);
    for (const weft::Result* r : {&global, &member, &function_local}) {
      EXPECT_TRUE(r->ok()) << describe(*r);
      EXPECT_TRUE(r->complete);
      EXPECT_EQ(r->executions, local.executions) << "strategy " << static_cast<int>(s);
    }
  }
  // The pinned figures: DFS 6 interleavings of the two critical sections (and the spawn/exit
  // around them), DPOR the 2 orders of the critical sections.
  EXPECT_EQ(run([] { locked_increments(g_mutex); }, weft::StrategyKind::kDpor).executions, 2u);
}

TEST(StaticStorage, AStaticAtomicCounterAndVarStartFromTheirInitialValueInEveryExecution) {
  int executions = 0;
  const weft::Result r = run(
      [&] {
        ++executions;
        WEFT_ASSERT(g_counter.load() == 0 && g_shared.load() == 7);
        weft::thread t([] { g_counter++; });
        g_counter += 1;
        g_shared = g_shared + 1;
        t.join();
        WEFT_ASSERT(g_counter.load() == 2 && g_shared.load() == 8);
      },
      weft::StrategyKind::kDfs);
  EXPECT_TRUE(r.ok()) << describe(r);
  EXPECT_TRUE(r.complete);
  EXPECT_GT(executions, 1);
}

TEST(StaticStorage, AStaticLatchIsCountedAgainInEveryExecution) {
  const weft::Result r = run(
      [] {
        weft::thread t([] { g_latch.count_down(); });
        g_latch.wait();
        t.join();
      },
      weft::StrategyKind::kDpor);
  EXPECT_TRUE(r.ok()) << describe(r);  // without the restore: count_down below zero, then deadlock
  EXPECT_TRUE(r.complete);
  EXPECT_GT(r.executions, 1u);
}

// A var whose T cannot be restored (not copyable): modified in one execution, its next use in a
// later execution is an api_misuse naming the object and its declaration.
TEST(StaticStorage, AModifiedStaticOfAnUnrestorableTypeIsReportedByName) {
  static weft::var<std::unique_ptr<int>> cache;  // unrestorable-decl-line
  const weft::Result r = run(
      [] {
        weft::thread t([] { weft::yield(); });
        cache.store(std::make_unique<int>(1));  // unrestorable-use-line
        t.join();
      },
      weft::StrategyKind::kDfs);
  const weft::Finding* f = find_kind(r, FindingKind::kApiMisuse);
  ASSERT_NE(f, nullptr) << describe(r) << " after " << r.executions << " executions";
  EXPECT_EQ(f->execution, 2u);
  EXPECT_EQ(f->location.line, line_of(__FILE__, "// unrestorable-use-line"));
  EXPECT_EQ(f->message.rfind("t0: ", 0) == 0 ? std::string::npos : f->message.find("var "), 0u) << f->message;
  EXPECT_NE(f->message.find("static_storage_test.cpp:" +
                            std::to_string(line_of(__FILE__, "cache;  // unrestorable-decl-line")) + " (static storage"),
            std::string::npos)
      << f->message;
  EXPECT_NE(f->message.find("leaks across executions"), std::string::npos) << f->message;
}

}  // namespace
