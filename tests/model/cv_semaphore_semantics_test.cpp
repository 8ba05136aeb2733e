// Condition-variable and semaphore semantics of the model: atomic release and re-acquire, spurious
// wake-ups and their switch, lost notifies, which waiter notify_one wakes, C++20 semaphores.
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "weft/explore.hpp"
#include "weft/sync.hpp"

namespace {

using weft::FindingKind;

// The line of the first occurrence of `marker` in this file (1-based), -1 when absent.
int line_of(std::string_view marker) {
  std::ifstream in(__FILE__);
  std::string line;
  for (int n = 1; std::getline(in, line); ++n) {
    if (line.find(marker) != std::string::npos && line.find("line_of(") == std::string::npos) return n;
  }
  return -1;
}

// "tests/model/cv_semaphore_semantics_test.cpp:N", as findings name source locations.
std::string here(std::string_view marker) {
  return "tests/model/cv_semaphore_semantics_test.cpp:" + std::to_string(line_of(marker));
}

bool is_this_file(const weft::SourceLoc& loc) {
  return std::string_view(loc.file).ends_with("tests/model/cv_semaphore_semantics_test.cpp");
}

bool any_detail_has(const weft::Finding& f, std::string_view a, std::string_view b = {}) {
  return std::any_of(f.details.begin(), f.details.end(), [&](const std::string& d) {
    return d.find(a) != std::string::npos && d.find(b) != std::string::npos;
  });
}

weft::Options no_spurious() {
  weft::Options o{.strategy = weft::StrategyKind::kDfs};
  o.spurious_wakeups = false;
  return o;
}

std::string describe(const weft::Result& r) {
  std::string out;
  for (const weft::Finding& f : r.findings) out += std::string(weft::kind_name(f.kind)) + ": " + f.message + "\n";
  return out.empty() ? "no finding" : out;
}

// ---------------------------------------------------------------------------------------------
// wait: releases and blocks atomically, re-acquires before returning

// The waiter announces itself and waits under one hold of the mutex; the notifier notifies as soon
// as it sees the announcement under the mutex. If wait released the mutex before the waiter was
// registered as blocked, the notify could fall in between and be lost: a deadlock. Every
// interleaving (no spurious wake-up, so the single wait must be woken by the notify) is clean.
TEST(CvSemantics, WaitReleasesAndBlocksAtomically) {
  const weft::Result r = weft::explore(
      [] {
        weft::mutex m;
        weft::condition_variable announced;
        weft::condition_variable go;
        int waiting = 0;  // plain memory: only touched under m
        weft::thread waiter([&] {
          weft::unique_lock<weft::mutex> lock(m);
          waiting = 1;
          announced.notify_one();
          go.wait(lock);  // no loop: must return because of the notify below
        });
        {
          weft::unique_lock<weft::mutex> lock(m);
          while (waiting == 0) announced.wait(lock);
          go.notify_one();
        }
        waiter.join();
      },
      no_spurious());
  EXPECT_TRUE(r.complete);
  EXPECT_TRUE(r.ok()) << describe(r);
}

// The notifier keeps the mutex after notifying and changes `x` twice (1, then 2); a writer adds
// 10 under the mutex once `ready` is set. The woken waiter must find the notifier's section over
// and see no change while it holds the mutex after wait returned: wait re-acquires before
// returning.
void reacquire_body(bool waiter_drops_lock) {
  weft::mutex m;
  weft::condition_variable cv;
  weft::var<int> x(0);
  bool ready = false;  // under m
  weft::thread waiter([&] {
    weft::unique_lock<weft::mutex> lock(m);
    while (!ready) cv.wait(lock);
    if (waiter_drops_lock) lock.unlock();  // the negative control: as if wait did not re-acquire
    const int seen = x.load();
    WEFT_ASSERT(seen % 10 == 2);  // [sem:reacquire-notifier-done] the notifier's critical section is over
    weft::yield();
    WEFT_ASSERT(x.load() == seen);  // [sem:reacquire-held]
    if (waiter_drops_lock) lock.lock();
  });
  weft::thread writer([&] {
    weft::lock_guard<weft::mutex> guard(m);
    if (ready) x.store(x.load() + 10);
  });
  {
    weft::lock_guard<weft::mutex> guard(m);
    ready = true;
    cv.notify_one();
    x.store(1);
    weft::yield();
    x.store(2);
  }
  waiter.join();
  writer.join();
}

TEST(CvSemantics, WaitReacquiresTheMutexBeforeReturning) {
  weft::Options o{.strategy = weft::StrategyKind::kDfs};  // spurious wake-ups on: a spurious return re-acquires too
  const weft::Result r = weft::explore([] { reacquire_body(false); }, o);
  EXPECT_TRUE(r.complete);
  EXPECT_TRUE(r.ok()) << describe(r);
}

// The same checks catch a waiter that runs without the mutex after wait: the notifier's second
// store (or the writer's) lands while the waiter looks.
TEST(CvSemantics, WaitReacquireChecksCanFail) {
  const weft::Result r = weft::explore([] { reacquire_body(true); }, no_spurious());
  // The race checker also reports the unordered accesses to `x`; the assertion ends the search.
  const auto it = std::find_if(r.findings.begin(), r.findings.end(),
                               [](const weft::Finding& x) { return x.kind == FindingKind::kAssertionFailure; });
  ASSERT_NE(it, r.findings.end()) << describe(r);
  EXPECT_TRUE(r.has(FindingKind::kDataRace)) << describe(r);
  const weft::Finding& f = *it;
  EXPECT_EQ(f.threads, std::vector<int>{1});
  EXPECT_TRUE(is_this_file(f.location));
  const int line = f.location.line;
  EXPECT_TRUE(line == line_of("[sem:reacquire-notifier-done]") || line == line_of("[sem:reacquire-held]")) << line;
}

// ---------------------------------------------------------------------------------------------
// Spurious wake-ups: a bounded explorer choice, on by default, shown in the trace

// A waiter that relies on wait returning only after a notify (`if`, not `while`).
void relies_on_no_spurious_wakeup() {
  weft::mutex m;
  weft::condition_variable cv;
  bool ready = false;  // under m
  weft::thread waiter([&] {
    weft::unique_lock<weft::mutex> lock(m);
    if (!ready) cv.wait(lock);
    WEFT_ASSERT(ready);  // [sem:no-spurious]
  });
  {
    weft::lock_guard<weft::mutex> guard(m);
    ready = true;
    cv.notify_one();
  }
  waiter.join();
}

TEST(CvSemantics, WithoutSpuriousWakeupsAProgramRelyingOnThemIsClean) {
  const weft::Result r = weft::explore(relies_on_no_spurious_wakeup, no_spurious());
  EXPECT_TRUE(r.complete);
  EXPECT_TRUE(r.ok()) << describe(r);
  // max_spurious 0 with the switch on is the same model.
  weft::Options zero{.strategy = weft::StrategyKind::kDfs};
  zero.max_spurious = 0;
  const weft::Result r0 = weft::explore(relies_on_no_spurious_wakeup, zero);
  EXPECT_TRUE(r0.complete);
  EXPECT_TRUE(r0.ok()) << describe(r0);
  EXPECT_EQ(r0.executions, r.executions);
}

TEST(CvSemantics, SpuriousWakeupIsInjectedByDefaultAndShownInTheTrace) {
  const weft::Result r =
      weft::explore(relies_on_no_spurious_wakeup, weft::Options{.strategy = weft::StrategyKind::kDfs});
  ASSERT_EQ(r.findings.size(), 1u) << describe(r);
  const weft::Finding& f = r.findings[0];
  EXPECT_EQ(f.kind, FindingKind::kAssertionFailure);
  EXPECT_EQ(f.threads, std::vector<int>{1});
  EXPECT_TRUE(is_this_file(f.location));
  EXPECT_EQ(f.location.line, line_of("[sem:no-spurious]"));
  // The trace marks the wait that woke spuriously, and shows no notify before the waiter's
  // re-lock: the waiter ran on without anyone notifying it.
  const std::size_t spurious = f.trace.find("SPURIOUS WAKE-UP");
  ASSERT_NE(spurious, std::string::npos) << f.trace;
  const std::size_t wake = f.trace.find("cv.wake", spurious);
  ASSERT_NE(wake, std::string::npos) << f.trace;
  EXPECT_EQ(f.trace.substr(spurious, wake - spurious).find("cv.notify"), std::string::npos) << f.trace;
  // The schedule token records that spurious wake-ups were on; replay finds the same.
  const weft::ScheduleParse parsed = weft::decode_schedule(f.schedule);
  ASSERT_TRUE(parsed.schedule.has_value());
  EXPECT_TRUE(parsed.schedule->spurious);
  const weft::Result again = weft::replay(relies_on_no_spurious_wakeup, *parsed.schedule);
  EXPECT_TRUE(again.divergence.empty()) << again.divergence;
  ASSERT_EQ(again.findings.size(), 1u);
  EXPECT_EQ(again.findings[0].step, f.step);
}

// At most max_spurious spurious wake-ups per execution: a waiter in a correct `while` loop counts
// the returns that found nothing to do; over the whole search the largest count is the bound.
int most_spurious_returns(std::uint32_t bound) {
  int most = 0;
  weft::Options o{.strategy = weft::StrategyKind::kDfs};
  o.max_spurious = bound;
  const weft::Result r = weft::explore(
      [&most] {
        weft::mutex m;
        weft::condition_variable cv;
        bool ready = false;  // under m
        int empty_returns = 0;
        weft::thread waiter([&] {
          weft::unique_lock<weft::mutex> lock(m);
          while (!ready) {
            cv.wait(lock);
            if (!ready) ++empty_returns;
          }
        });
        {
          weft::lock_guard<weft::mutex> guard(m);
          ready = true;
          cv.notify_one();
        }
        waiter.join();
        most = std::max(most, empty_returns);
      },
      o);
  EXPECT_TRUE(r.complete);
  EXPECT_TRUE(r.ok()) << describe(r);
  return most;
}

TEST(CvSemantics, SpuriousWakeupsAreBoundedPerExecution) {
  EXPECT_EQ(most_spurious_returns(0), 0);
  EXPECT_EQ(most_spurious_returns(1), 1);
  EXPECT_EQ(most_spurious_returns(3), 3);
}

// ---------------------------------------------------------------------------------------------
// notify: with no waiter it is lost; notify_one wakes one waiter the explorer picks; notify_all all

// The notify comes before the waiter exists: it is lost, and the wait never returns. The deadlock
// names the condition variable (by its declaration) and the waiting thread.
TEST(CvSemantics, NotifyWithNoWaiterIsLost) {
  for (const bool all : {false, true}) {
    const weft::Result r = weft::explore(
        [all] {
          weft::mutex m;
          weft::condition_variable cv;  // [sem:lost-cv]
          if (all) {
            cv.notify_all();
          } else {
            cv.notify_one();
          }
          weft::thread waiter([&] {
            weft::unique_lock<weft::mutex> lock(m);
            cv.wait(lock);  // [sem:lost-wait]
          });
          waiter.join();  // [sem:lost-join]
        },
        no_spurious());
    SCOPED_TRACE(all ? "notify_all" : "notify_one");
    ASSERT_EQ(r.findings.size(), 1u) << describe(r);
    const weft::Finding& f = r.findings[0];
    EXPECT_EQ(f.kind, FindingKind::kDeadlock);
    EXPECT_EQ(f.threads, (std::vector<int>{0, 1}));
    EXPECT_EQ(f.execution, 1u);  // there is only one execution: no choice anywhere
    // t1 waits on the condition variable declared at [sem:lost-cv], in the wait at [sem:lost-wait].
    EXPECT_TRUE(any_detail_has(f, "condition_variable#", "(" + here("[sem:lost-cv]") + ")")) << f.message;
    EXPECT_TRUE(any_detail_has(f, "t1", here("[sem:lost-wait]"))) << f.message;
    EXPECT_TRUE(any_detail_has(f, "t0", here("[sem:lost-join]"))) << f.message;
    EXPECT_TRUE(is_this_file(f.location));
    EXPECT_TRUE(f.location.line == line_of("[sem:lost-wait]") || f.location.line == line_of("[sem:lost-join]"));
    // The trace shows the notification that found nobody.
    EXPECT_NE(f.trace.find(all ? "woke 0" : "no waiter: lost"), std::string::npos) << f.trace;
  }
}

// Two threads wait; one notify_one; nothing else. Each execution deadlocks with exactly one waiter
// left, and over the search both waiters are the one left (and so both the one woken): the
// explorer branches on which waiter a notify_one wakes.
TEST(CvSemantics, NotifyOneWakesOneWaiterChosenByTheExplorer) {
  weft::Options o = no_spurious();
  o.stop_on_first = false;
  o.trace = false;
  const weft::Result r = weft::explore(
      [] {
        weft::mutex m;
        weft::condition_variable arrived;
        weft::condition_variable cv;  // [sem:which-cv]
        int waiting = 0;              // under m
        auto wait_once = [&] {
          weft::unique_lock<weft::mutex> lock(m);
          ++waiting;
          arrived.notify_one();
          cv.wait(lock);
        };
        weft::thread a(wait_once);
        weft::thread b(wait_once);
        {
          weft::unique_lock<weft::mutex> lock(m);
          while (waiting < 2) arrived.wait(lock);
          cv.notify_one();  // both are blocked in cv.wait here
        }
        a.join();
        b.join();
      },
      o);
  EXPECT_TRUE(r.complete);
  ASSERT_FALSE(r.findings.empty());
  std::set<int> left;
  for (const weft::Finding& f : r.findings) {
    ASSERT_EQ(f.kind, FindingKind::kDeadlock) << f.message;
    // Main (t0) waits to join the waiter that was not woken; the woken one finished.
    ASSERT_EQ(f.threads.size(), 2u) << f.message;
    EXPECT_EQ(f.threads[0], 0);
    left.insert(f.threads[1]);
    EXPECT_TRUE(any_detail_has(f, "condition_variable#", "(" + here("[sem:which-cv]") + ")")) << f.message;
  }
  EXPECT_EQ(left, (std::set<int>{1, 2}));
  // Every execution deadlocks: one notify never frees both.
  EXPECT_EQ(r.findings.size(), r.executions);
}

// The same two waiters and a single notify_all: both return in every execution.
TEST(CvSemantics, NotifyAllWakesEveryWaiter) {
  const weft::Result r = weft::explore(
      [] {
        weft::mutex m;
        weft::condition_variable arrived;
        weft::condition_variable cv;
        int waiting = 0;  // under m
        int returned = 0;
        auto wait_once = [&] {
          weft::unique_lock<weft::mutex> lock(m);
          ++waiting;
          arrived.notify_one();
          cv.wait(lock);
          ++returned;
        };
        weft::thread a(wait_once);
        weft::thread b(wait_once);
        {
          weft::unique_lock<weft::mutex> lock(m);
          while (waiting < 2) arrived.wait(lock);
          cv.notify_all();
        }
        a.join();
        b.join();
        WEFT_ASSERT(returned == 2);
      },
      no_spurious());
  EXPECT_TRUE(r.complete);
  EXPECT_TRUE(r.ok()) << describe(r);
}

// wait without holding the mutex is misuse.
TEST(CvSemantics, WaitWithoutTheMutexIsMisuse) {
  const weft::Result r = weft::explore(
      [] {
        weft::mutex m;
        weft::condition_variable cv;
        weft::unique_lock<weft::mutex> lock(m);
        lock.unlock();
        cv.wait(lock);  // [sem:wait-unlocked]
      },
      weft::Options{.strategy = weft::StrategyKind::kDfs});
  ASSERT_EQ(r.findings.size(), 1u) << describe(r);
  EXPECT_EQ(r.findings[0].kind, FindingKind::kApiMisuse);
  EXPECT_EQ(r.findings[0].threads, std::vector<int>{0});
  EXPECT_EQ(r.findings[0].location.line, line_of("[sem:wait-unlocked]"));
}

// ---------------------------------------------------------------------------------------------
// Semaphores (C++20 counting_semaphore and binary_semaphore)

// Three threads acquire a semaphore of count 2, hold it across a yield and release: never more
// than two hold it at once, and over the search two do.
TEST(SemaphoreSemantics, CountingSemaphoreAdmitsAtMostItsCount) {
  int most = 0;
  const weft::Result r = weft::explore(
      [&most] {
        weft::counting_semaphore<4> sem(2);
        int inside = 0;  // plain memory: the model runs one simulated thread at a time
        auto worker = [&] {
          sem.acquire();
          ++inside;
          WEFT_ASSERT(inside <= 2);
          most = std::max(most, inside);
          weft::yield();
          --inside;
          sem.release();
        };
        weft::thread a(worker);
        weft::thread b(worker);
        weft::thread c(worker);
        a.join();
        b.join();
        c.join();
      },
      weft::Options{.strategy = weft::StrategyKind::kDfs});
  EXPECT_TRUE(r.complete);
  EXPECT_TRUE(r.ok()) << describe(r);
  EXPECT_EQ(most, 2);
}

// try_acquire never blocks: it fails at 0 and succeeds (decrementing) above.
TEST(SemaphoreSemantics, TryAcquireDecrementsOnlyWhenPositive) {
  const weft::Result r = weft::explore(
      [] {
        weft::counting_semaphore<2> sem(1);
        WEFT_ASSERT(sem.try_acquire());
        WEFT_ASSERT(!sem.try_acquire());
        sem.release(2);
        WEFT_ASSERT(sem.try_acquire());
        WEFT_ASSERT(sem.try_acquire());
        WEFT_ASSERT(!sem.try_acquire());
      },
      weft::Options{.strategy = weft::StrategyKind::kDfs});
  EXPECT_TRUE(r.complete);
  EXPECT_TRUE(r.ok()) << describe(r);
}

// release(2) lets two blocked acquirers through; a third stays blocked: deadlock naming the
// semaphore and its count.
TEST(SemaphoreSemantics, ReleaseNUnblocksNAcquirers) {
  const weft::Result r = weft::explore(
      [] {
        weft::counting_semaphore<4> sem(0);  // [sem:release-n-sem]
        auto worker = [&] {
          sem.acquire();  // [sem:release-n-acquire]
        };
        weft::thread a(worker);
        weft::thread b(worker);
        weft::thread c(worker);
        sem.release(2);
        a.join();
        b.join();
        c.join();
      },
      weft::Options{.strategy = weft::StrategyKind::kDfs});
  ASSERT_EQ(r.findings.size(), 1u) << describe(r);
  const weft::Finding& f = r.findings[0];
  EXPECT_EQ(f.kind, FindingKind::kDeadlock);
  // main waits to join the one thread still blocked in acquire.
  ASSERT_EQ(f.threads.size(), 2u) << f.message;
  EXPECT_EQ(f.threads[0], 0);
  EXPECT_TRUE(any_detail_has(f, "semaphore#", "(" + here("[sem:release-n-sem]") + ")")) << f.message;
  EXPECT_TRUE(any_detail_has(f, here("[sem:release-n-acquire]"), "count 0")) << f.message;
}

// A binary semaphore works as a lock; releasing it past its maximum (1) is misuse.
TEST(SemaphoreSemantics, BinarySemaphoreExcludesAndCapsAtOne) {
  const weft::Result ok = weft::explore(
      [] {
        weft::binary_semaphore lock(1);
        weft::var<int> counter(0);
        auto add = [&] {
          lock.acquire();
          counter.store(counter.load() + 1);
          lock.release();
        };
        weft::thread a(add);
        weft::thread b(add);
        a.join();
        b.join();
        WEFT_ASSERT(counter.load() == 2);
      },
      weft::Options{.strategy = weft::StrategyKind::kDfs});
  EXPECT_TRUE(ok.complete);
  EXPECT_TRUE(ok.ok()) << describe(ok);
  static_assert(weft::binary_semaphore::max() == 1);

  const weft::Result over = weft::explore(
      [] {
        weft::binary_semaphore sem(1);
        sem.release();  // [sem:binary-over]
      },
      weft::Options{.strategy = weft::StrategyKind::kDfs});
  ASSERT_EQ(over.findings.size(), 1u) << describe(over);
  EXPECT_EQ(over.findings[0].kind, FindingKind::kApiMisuse);
  EXPECT_EQ(over.findings[0].location.line, line_of("[sem:binary-over]"));
}

// The initial count must lie in [0, max()].
TEST(SemaphoreSemantics, InitialCountOutsideItsRangeIsMisuse) {
  const weft::Result r = weft::explore(
      [] {
        weft::binary_semaphore sem(2);  // [sem:init-over]
        sem.acquire();
      },
      weft::Options{.strategy = weft::StrategyKind::kDfs});
  ASSERT_FALSE(r.findings.empty());
  EXPECT_EQ(r.findings[0].kind, FindingKind::kApiMisuse) << describe(r);
  EXPECT_EQ(r.findings[0].threads, std::vector<int>{0});
  EXPECT_EQ(r.findings[0].location.line, line_of("[sem:init-over]"));
}

}  // namespace
