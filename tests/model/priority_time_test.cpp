// Virtual time: sleeps release the CPU and end on the virtual clock, work consumes CPU time,
// and timed waits (mutex, condition variable, semaphore) explore timeout and success.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <vector>

#include "findings_util.hpp"
#include "weft/explore.hpp"
#include "weft/sync.hpp"

namespace {

using namespace std::chrono_literals;
using weft::test::describe;

constexpr std::int64_t kMs = 1000000;

weft::Options priority_options() {
  weft::Options o{.strategy = weft::StrategyKind::kDfs};
  o.policy = weft::SchedPolicy::kPriority;
  o.stop_on_first = false;
  return o;
}

std::int64_t now_ns() { return weft::clock::now().time_since_epoch().count(); }

TEST(VirtualTime, ASleepReleasesTheCpuAndEndsOnTheVirtualClock) {
  // H (priority 2) sleeps 1 ms at once; L (priority 1) runs meanwhile: 0.5 ms of work and a
  // store. H wakes at exactly 1 ms and sees L's store. A sleep of an hour costs no real time.
  const weft::Result r = weft::explore(
      [] {
        weft::atomic<bool> l_done(false);
        weft::thread h({.priority = 2, .name = "H"}, [&] {
          weft::this_thread::sleep_for(1ms);
          WEFT_ASSERT(now_ns() == 1 * kMs);
          WEFT_ASSERT(l_done.load());
          weft::this_thread::sleep_for(std::chrono::hours(1));
          WEFT_ASSERT(now_ns() == 3600000 * kMs + 1 * kMs);
        });
        weft::thread l({.priority = 1, .name = "L"}, [&] {
          weft::work(500us);
          WEFT_ASSERT(now_ns() == kMs / 2);
          l_done.store(true);
        });
        h.join();
        l.join();
      },
      priority_options());
  EXPECT_TRUE(r.ok()) << describe(r);
  EXPECT_EQ(r.executions, 1u);
}

TEST(VirtualTime, WorkIsPreemptedByAHigherPriorityThreadWakingUp) {
  // L works 4 ms from 0; H wakes at 1 ms and works 2 ms: L finishes at 6 ms, not 4.
  const weft::Result r = weft::explore(
      [] {
        weft::thread l({.priority = 1, .name = "L"}, [&] {
          weft::work(4ms);
          WEFT_ASSERT(now_ns() == 6 * kMs);
        });
        weft::thread h({.priority = 2, .name = "H", .arrival = 1ms}, [&] {
          weft::work(2ms);
          WEFT_ASSERT(now_ns() == 3 * kMs);
        });
        l.join();
        h.join();
      },
      priority_options());
  EXPECT_TRUE(r.ok()) << describe(r);
  EXPECT_EQ(r.executions, 1u);
}

TEST(VirtualTime, SleepUntilUsesTheVirtualClock) {
  const weft::Result r = weft::explore(
      [] {
        const weft::clock::time_point start = weft::clock::now();
        weft::this_thread::sleep_until(start + 7ms);
        WEFT_ASSERT(now_ns() == 7 * kMs);
        weft::this_thread::sleep_until(start + 2ms);  // in the past: returns at once
        WEFT_ASSERT(now_ns() == 7 * kMs);
      },
      priority_options());
  EXPECT_TRUE(r.ok()) << describe(r);
}

// L holds the mutex from 0 to 5 ms; H arrives at 1 ms and tries to lock it for `timeout`.
// Returns the outcomes (1 success, 0 timeout) of every execution.
std::vector<int> timed_lock_outcomes(std::chrono::milliseconds timeout, std::uint64_t* executions) {
  static std::vector<int> outcomes;
  static std::chrono::milliseconds wait;
  outcomes.clear();
  wait = timeout;
  const weft::Result r = weft::explore(
      [] {
        weft::mutex m;
        weft::thread l({.priority = 1, .name = "L"}, [&] {
          weft::lock_guard<weft::mutex> g(m);
          weft::work(5ms);
        });
        weft::thread h({.priority = 2, .name = "H", .arrival = 1ms}, [&] {
          const bool ok = m.try_lock_for(wait);
          outcomes.push_back(ok ? 1 : 0);
          if (ok) {
            WEFT_ASSERT(now_ns() == 5 * kMs);
            m.unlock();
          } else {
            WEFT_ASSERT(now_ns() == 1 * kMs + std::chrono::nanoseconds(wait).count());
          }
        });
        l.join();
        h.join();
      },
      priority_options());
  EXPECT_TRUE(r.ok()) << describe(r);
  EXPECT_TRUE(r.complete);
  *executions = r.executions;
  std::vector<int> sorted = outcomes;
  std::sort(sorted.begin(), sorted.end());
  return sorted;
}

TEST(VirtualTime, TimedLockTimesOutWhenTheHolderIsSlower) {
  std::uint64_t executions = 0;
  EXPECT_EQ(timed_lock_outcomes(3ms, &executions), std::vector<int>{0});  // 4 ms < 5 ms
  EXPECT_EQ(executions, 1u);
}

TEST(VirtualTime, TimedLockSucceedsWhenTheHolderIsFaster) {
  std::uint64_t executions = 0;
  EXPECT_EQ(timed_lock_outcomes(9ms, &executions), std::vector<int>{1});  // 10 ms > 5 ms
  EXPECT_EQ(executions, 1u);
}

TEST(VirtualTime, TimedLockExploresBothOutcomesWhenTheTimeoutMeetsTheUnlock) {
  // The timeout (1 + 4 = 5 ms) falls at the instant L finishes its work and unlocks. The timeout
  // may fire before L's work completes (timeout), between that and the unlock (timeout), or after
  // the unlock: then H may still take the free mutex (success) or time out (a timed wait whose
  // deadline passed while the mutex is free may return either way); or H takes the mutex before
  // its timeout fires (success). 5 executions: 3 timeouts, 2 successes.
  std::uint64_t executions = 0;
  EXPECT_EQ(timed_lock_outcomes(4ms, &executions), (std::vector<int>{0, 0, 0, 1, 1}));
  EXPECT_EQ(executions, 5u);
}

TEST(VirtualTime, TimedLockUnderAnyInterleavingMayTimeOutAtAnyPoint) {
  // Without the priority policy, time does not order the threads: H's try_lock_for may time
  // out whenever it runs, and succeed whenever the mutex is free.
  static std::vector<int> outcomes;
  outcomes.clear();
  weft::Options o{.strategy = weft::StrategyKind::kDfs};
  o.stop_on_first = false;
  const weft::Result r = weft::explore(
      [] {
        weft::mutex m;
        weft::thread l([&] {
          weft::lock_guard<weft::mutex> g(m);
          weft::work(5ms);
        });
        weft::thread h([&] {
          const bool ok = m.try_lock_for(1ms);
          outcomes.push_back(ok ? 1 : 0);
          if (ok) m.unlock();
        });
        l.join();
        h.join();
      },
      o);
  EXPECT_TRUE(r.ok()) << describe(r);
  EXPECT_NE(std::count(outcomes.begin(), outcomes.end(), 0), 0);
  EXPECT_NE(std::count(outcomes.begin(), outcomes.end(), 1), 0);
}

// W waits on a condition variable for 2 ms (no spurious wake-ups); N notifies after `delay`.
std::vector<int> cv_outcomes(std::chrono::milliseconds delay) {
  static std::vector<int> outcomes;
  static std::chrono::milliseconds notify_at;
  outcomes.clear();
  notify_at = delay;
  weft::Options o = priority_options();
  o.spurious_wakeups = false;
  const weft::Result r = weft::explore(
      [] {
        weft::mutex m;
        weft::condition_variable cv;
        weft::thread w({.priority = 2, .name = "W"}, [&] {
          weft::unique_lock<weft::mutex> lock(m);
          const std::cv_status s = cv.wait_for(lock, 2ms);
          outcomes.push_back(s == std::cv_status::no_timeout ? 1 : 0);
        });
        weft::thread n({.priority = 1, .name = "N"}, [&] {
          weft::work(notify_at);
          weft::lock_guard<weft::mutex> g(m);
          cv.notify_one();
        });
        w.join();
        n.join();
      },
      o);
  EXPECT_TRUE(r.ok()) << describe(r);
  EXPECT_TRUE(r.complete);
  std::vector<int> sorted = outcomes;
  std::sort(sorted.begin(), sorted.end());
  sorted.erase(std::unique(sorted.begin(), sorted.end()), sorted.end());
  return sorted;
}

TEST(VirtualTime, ConditionVariableWaitForTimesOutOrIsNotified) {
  EXPECT_EQ(cv_outcomes(1ms), std::vector<int>{1});       // notified at 1 ms, before the timeout
  EXPECT_EQ(cv_outcomes(3ms), std::vector<int>{0});       // timed out at 2 ms; the notify is lost
  EXPECT_EQ(cv_outcomes(2ms), (std::vector<int>{0, 1}));  // both at 2 ms: both outcomes
}

// P releases the semaphore after `delay`; C tries to acquire it for 2 ms.
std::vector<int> sem_outcomes(std::chrono::milliseconds delay) {
  static std::vector<int> outcomes;
  static std::chrono::milliseconds release_at;
  outcomes.clear();
  release_at = delay;
  const weft::Result r = weft::explore(
      [] {
        weft::counting_semaphore<1> s(0);
        weft::thread c({.priority = 2, .name = "C"}, [&] { outcomes.push_back(s.try_acquire_for(2ms) ? 1 : 0); });
        weft::thread p({.priority = 1, .name = "P"}, [&] {
          weft::work(release_at);
          s.release();
        });
        c.join();
        p.join();
      },
      priority_options());
  EXPECT_TRUE(r.ok()) << describe(r);
  std::vector<int> sorted = outcomes;
  std::sort(sorted.begin(), sorted.end());
  sorted.erase(std::unique(sorted.begin(), sorted.end()), sorted.end());
  return sorted;
}

TEST(VirtualTime, SemaphoreTryAcquireForTimesOutOrSucceeds) {
  EXPECT_EQ(sem_outcomes(1ms), std::vector<int>{1});
  EXPECT_EQ(sem_outcomes(3ms), std::vector<int>{0});
  EXPECT_EQ(sem_outcomes(2ms), (std::vector<int>{0, 1}));
}

TEST(VirtualTime, TimedWaitsAreInTheTrace) {
  // A timed-out try_lock_for reads "timed out" in the trace, with the virtual time marks.
  weft::Options o = priority_options();
  o.stop_on_first = true;
  const weft::Result r = weft::explore(
      [] {
        weft::mutex m;
        weft::thread l({.priority = 1, .name = "L"}, [&] {
          weft::lock_guard<weft::mutex> g(m);
          weft::work(5ms);
        });
        weft::thread h({.priority = 2, .name = "H", .arrival = 1ms}, [&] {
          const bool ok = m.try_lock_for(1ms);
          WEFT_ASSERT(ok);
        });
        l.join();
        h.join();
      },
      o);
  ASSERT_EQ(r.findings.size(), 1u) << describe(r);
  const std::string& trace = r.findings[0].trace;
  EXPECT_NE(trace.find("timed out"), std::string::npos) << trace;
  EXPECT_NE(trace.find("-- t2 (H) ready at 1 ms --"), std::string::npos) << trace;
  EXPECT_NE(trace.find("-- time 2 ms --"), std::string::npos) << trace;
}

}  // namespace
