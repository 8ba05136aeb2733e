// Deadlocks explained as wait-for cycles: locks, condition variables, joins, semaphores.
#include <gtest/gtest.h>

#include "findings_util.hpp"
#include "weft/explore.hpp"
#include "weft/sync.hpp"

namespace {

using weft::FindingKind;
using weft::test::line_of;

std::string here(int line) { return "tests/model/checkers_deadlock_test.cpp:" + std::to_string(line); }

const weft::Finding& deadlock_of(const weft::Result& r) {
  const weft::Finding* f = weft::test::find_kind(r, FindingKind::kDeadlock);
  EXPECT_NE(f, nullptr) << weft::test::describe(r);
  static const weft::Finding kNone;
  return f != nullptr ? *f : kNone;
}

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

TEST(Deadlock, OppositeLockOrdersNameTheCycleAndWhatEachHolds) {
  const weft::Result r = weft::explore(
      [] {
        weft::mutex a;  // deadlock-test: a
        weft::mutex b;  // deadlock-test: b
        weft::thread t1([&] {
          weft::lock_guard<weft::mutex> x(a);
          weft::lock_guard<weft::mutex> y(b);  // deadlock-test: t1 waits
        });
        weft::thread t2([&] {
          weft::lock_guard<weft::mutex> x(b);
          weft::lock_guard<weft::mutex> y(a);  // deadlock-test: t2 waits
        });
        t1.join();
        t2.join();
      },
      weft::Options{.strategy = weft::StrategyKind::kDfs});
  const weft::Finding& f = deadlock_of(r);
  const std::string a = "mutex#0 (" + here(line_of(__FILE__, "// deadlock-test: a")) + ")";
  const std::string b = "mutex#1 (" + here(line_of(__FILE__, "// deadlock-test: b")) + ")";
  const int t1_waits = line_of(__FILE__, "// deadlock-test: t1 waits");
  const int t2_waits = line_of(__FILE__, "// deadlock-test: t2 waits");
  EXPECT_EQ(f.threads, (std::vector<int>{0, 1, 2}));  // main is blocked too, in its join
  ASSERT_FALSE(f.details.empty());
  EXPECT_TRUE(f.details[0] == "wait-for cycle: t1 -> t2 -> t1" || f.details[0] == "wait-for cycle: t2 -> t1 -> t2")
      << f.details[0];
  EXPECT_TRUE(
      contains(f.message, "t1 holds " + a + " and waits to lock " + b + " at " + here(t1_waits) + ", held by t2"))
      << f.message;
  EXPECT_TRUE(
      contains(f.message, "t2 holds " + b + " and waits to lock " + a + " at " + here(t2_waits) + ", held by t1"))
      << f.message;
  ASSERT_EQ(f.sites.size(), 2u);  // one per thread of the cycle
  for (const weft::FindingSite& s : f.sites) {
    EXPECT_EQ(s.operation, "mutex.lock");
    EXPECT_EQ(s.object, s.thread == 1 ? b : a);
    EXPECT_EQ(s.location.line, s.thread == 1 ? t1_waits : t2_waits);
  }
  EXPECT_EQ(f.location.line, f.sites[0].location.line);  // the thread that found itself stuck
}

// t1 holds m1 and waits on the condition variable (releasing m2); t2, which would notify it,
// first needs m1.
TEST(Deadlock, ConditionVariableWaitInTheCycle) {
  weft::Options o{.strategy = weft::StrategyKind::kDfs};
  o.spurious_wakeups = false;
  const weft::Result r = weft::explore(
      [] {
        weft::mutex m1;
        weft::mutex m2;
        weft::condition_variable cv;  // cv-test: cv
        weft::var<bool> ready(false);
        weft::thread t1([&] {
          weft::lock_guard<weft::mutex> outer(m1);
          weft::unique_lock<weft::mutex> inner(m2);
          while (!ready.load()) cv.wait(inner);  // cv-test: t1 waits
        });
        weft::thread t2([&] {
          weft::lock_guard<weft::mutex> outer(m1);  // cv-test: t2 waits
          weft::lock_guard<weft::mutex> inner(m2);
          ready.store(true);
          cv.notify_one();
        });
        t1.join();
        t2.join();
      },
      o);
  const weft::Finding& f = deadlock_of(r);
  const std::string cv = "condition_variable#2 (" + here(line_of(__FILE__, "// cv-test: cv")) + ")";
  ASSERT_FALSE(f.details.empty());
  EXPECT_TRUE(f.details[0] == "wait-for cycle: t1 -> t2 -> t1" || f.details[0] == "wait-for cycle: t2 -> t1 -> t2")
      << f.details[0];
  EXPECT_TRUE(contains(f.message, "t1 holds mutex#0") &&
              contains(f.message, "waits on " + cv + " at " + here(line_of(__FILE__, "// cv-test: t1 waits")) +
                                      " (not notified), which t2 could notify"))
      << f.message;
  EXPECT_TRUE(contains(f.message, "t2 waits to lock mutex#0") &&
              contains(f.message, here(line_of(__FILE__, "// cv-test: t2 waits")) + ", held by t1"))
      << f.message;
}

// The main thread holds the mutex its worker needs and joins the worker.
TEST(Deadlock, JoinInTheCycle) {
  const weft::Result r = weft::explore(
      [] {
        weft::mutex m;
        weft::thread worker([&] { weft::lock_guard<weft::mutex> g(m); });  // deadlock-test: worker
        weft::lock_guard<weft::mutex> g(m);
        worker.join();  // deadlock-test: join
      },
      weft::Options{.strategy = weft::StrategyKind::kDfs});
  const weft::Finding& f = deadlock_of(r);
  EXPECT_EQ(f.threads, (std::vector<int>{0, 1}));
  ASSERT_FALSE(f.details.empty());
  EXPECT_TRUE(f.details[0] == "wait-for cycle: t0 -> t1 -> t0" || f.details[0] == "wait-for cycle: t1 -> t0 -> t1")
      << f.details[0];
  EXPECT_TRUE(contains(f.message, "t0 holds mutex#0") &&
              contains(f.message, "waits to join t1 at " + here(line_of(__FILE__, "// deadlock-test: join"))))
      << f.message;
  EXPECT_TRUE(contains(f.message, "t1 waits to lock mutex#0") && contains(f.message, ", held by t0")) << f.message;
  for (const weft::FindingSite& s : f.sites) {
    if (s.thread == 0) {
      EXPECT_EQ(s.operation, "thread.join");
      EXPECT_EQ(s.object, "t1");
    }
  }
}

// A lost wake-up: the only thread that could notify is the one joining the waiter.
TEST(Deadlock, LostWakeupThroughAJoin) {
  weft::Options o{.strategy = weft::StrategyKind::kDfs};
  o.spurious_wakeups = false;
  const weft::Result r = weft::explore(
      [] {
        weft::mutex m;
        weft::condition_variable cv;
        weft::thread waiter([&] {
          weft::unique_lock<weft::mutex> l(m);
          cv.wait(l);  // nobody will notify
        });
        waiter.join();
      },
      o);
  const weft::Finding& f = deadlock_of(r);
  ASSERT_FALSE(f.details.empty());
  EXPECT_EQ(f.details[0], "wait-for cycle: t1 -> t0 -> t1");
  EXPECT_TRUE(contains(f.message, "(not notified), which t0 could notify; t0 waits to join t1")) << f.message;
}

TEST(Deadlock, SemaphoreNobodyReleases) {
  const weft::Result r = weft::explore(
      [] {
        weft::binary_semaphore s(0);
        weft::thread t([&] { s.acquire(); });
        t.join();
      },
      weft::Options{.strategy = weft::StrategyKind::kDfs});
  const weft::Finding& f = deadlock_of(r);
  ASSERT_FALSE(f.details.empty());
  EXPECT_EQ(f.details[0], "wait-for cycle: t1 -> t0 -> t1");
  EXPECT_TRUE(contains(f.message, "(count 0), which t0 could release it")) << f.message;
}

}  // namespace
