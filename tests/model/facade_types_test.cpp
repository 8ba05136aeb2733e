// The std-shaped facade on the model: each type's semantics under every interleaving (DPOR), and
// the race / deadlock / misuse finding its misuse produces, with threads and locations.
#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <string>
#include <vector>

#include "findings_util.hpp"
#include "weft/explore.hpp"
#include "weft/sync.hpp"

namespace {

using weft::FindingKind;
using weft::test::describe;
using weft::test::find_kind;
using weft::test::line_of;

weft::Options dpor() {
  weft::Options o;
  o.strategy = weft::StrategyKind::kDpor;
  o.spurious_wakeups = false;
  return o;
}

bool has_thread(const weft::Finding& f, int t) {
  return std::find(f.threads.begin(), f.threads.end(), t) != f.threads.end();
}

// --- atomic<T>: every operator and member --------------------------------------------------

TEST(FacadeAtomic, OperatorsAndMembersHaveStdResults) {
  const weft::Result r = weft::explore([] {
    weft::atomic<int> a = 0;
    WEFT_ASSERT(a++ == 0);
    WEFT_ASSERT(++a == 2);
    WEFT_ASSERT((a += 3) == 5);
    WEFT_ASSERT((a -= 1) == 4);
    WEFT_ASSERT(a-- == 4);
    WEFT_ASSERT(--a == 2);
    WEFT_ASSERT((a |= 8) == 10);
    WEFT_ASSERT((a &= 14) == 10);
    WEFT_ASSERT((a ^= 3) == 9);
    a = 3;
    int v = a;
    WEFT_ASSERT(v == 3);
    WEFT_ASSERT(a.fetch_or(4) == 3 && a.fetch_and(5) == 7 && a.fetch_xor(1) == 5 && a.load() == 4);
    WEFT_ASSERT(a.exchange(6) == 4);
    int expected = 1;
    WEFT_ASSERT(!a.compare_exchange_strong(expected, 2) && expected == 6);
    WEFT_ASSERT(a.compare_exchange_weak(expected, 7, std::memory_order_acq_rel, std::memory_order_acquire));
    WEFT_ASSERT(a.load(std::memory_order_relaxed) == 7 && a.is_lock_free());
    int arr[4] = {0, 1, 2, 3};
    weft::atomic<int*> p = arr;
    p += 2;
    WEFT_ASSERT(*p.load() == 2);
    p++;
    WEFT_ASSERT(*p.load() == 3 && p.fetch_sub(3) == arr + 3 && p.load() == arr);
  });
  EXPECT_TRUE(r.ok()) << describe(r);
  EXPECT_TRUE(r.complete);
}

TEST(FacadeAtomic, IncrementsFromTwoThreadsLoseNothingWhileVarIncrementsRace) {
  const weft::Result ok = weft::explore(
      [] {
        weft::atomic<int> n = 0;
        weft::thread t([&] { n++; });
        n += 1;
        t.join();
        WEFT_ASSERT(n.load() == 2);
      },
      dpor());
  EXPECT_TRUE(ok.ok()) << describe(ok);
  EXPECT_EQ(ok.executions, 2u);  // the two RMWs in either order

  const weft::Result racy = weft::explore(
      [] {
        weft::var<int> n = 0;
        weft::thread t([&] { n += 1; });  // var-race-line
        n += 1;
        t.join();
      },
      dpor());
  const weft::Finding* f = find_kind(racy, FindingKind::kDataRace);
  ASSERT_NE(f, nullptr) << describe(racy);
  ASSERT_EQ(f->sites.size(), 2u);
  const int line = line_of(__FILE__, "n += 1; });  // var-race-line");
  EXPECT_TRUE(f->sites[0].location.line == line || f->sites[1].location.line == line) << f->message;
}

TEST(FacadeAtomic, WaitReturnsAfterNotifyAndAMissingStoreDeadlocks) {
  const weft::Result ok = weft::explore(
      [] {
        weft::atomic<int> flag = 0;
        weft::thread t([&] {
          flag.store(1);
          flag.notify_one();
        });
        flag.wait(0);
        WEFT_ASSERT(flag.load() == 1);
        t.join();
      },
      dpor());
  EXPECT_TRUE(ok.ok()) << describe(ok);
  EXPECT_TRUE(ok.complete);

  const weft::Result stuck = weft::explore(
      [] {
        weft::atomic<int> flag = 0;
        weft::thread t([&] { flag.notify_one(); });  // notifies without changing the value
        flag.wait(0);  // atomic-wait-line
        t.join();
      },
      dpor());
  const weft::Finding* f = find_kind(stuck, FindingKind::kDeadlock);
  ASSERT_NE(f, nullptr) << describe(stuck);
  EXPECT_TRUE(has_thread(*f, 0)) << f->message;
  EXPECT_NE(f->message.find(std::to_string(line_of(__FILE__, "flag.wait(0);  // atomic-wait-line"))),
            std::string::npos)
      << f->message;
}

TEST(FacadeAtomic, AtomicFlagSpinlockProtectsAVar) {
  const weft::Result r = weft::explore(
      [] {
        weft::atomic_flag lock;
        weft::var<int> x = 0;
        auto critical = [&] {
          while (lock.test_and_set(std::memory_order_acquire)) lock.wait(true, std::memory_order_relaxed);
          x = x + 1;
          lock.clear(std::memory_order_release);
          lock.notify_one();
        };
        weft::thread t(critical);
        critical();
        t.join();
        WEFT_ASSERT(x.load() == 2 && !lock.test());
      },
      dpor());
  EXPECT_TRUE(r.ok()) << describe(r);
  EXPECT_TRUE(r.complete);
}

// Fences: message passing through relaxed atomics is ordered by release/acquire fences; without
// them the payload races.
TEST(FacadeAtomic, FencesOrderRelaxedMessagePassing) {
  auto body = [](bool fences) {
    return [fences] {
      weft::var<int> payload = 0;
      weft::atomic<int> ready = 0;
      weft::thread producer([&] {
        payload = 42;
        if (fences) weft::atomic_thread_fence(std::memory_order_release);
        ready.store(1, std::memory_order_relaxed);
      });
      if (ready.load(std::memory_order_relaxed) == 1) {
        if (fences) weft::atomic_thread_fence(std::memory_order_acquire);
        WEFT_ASSERT(payload.load() == 42);
      }
      producer.join();
    };
  };
  const weft::Result fenced = weft::explore(body(true), dpor());
  EXPECT_TRUE(fenced.ok()) << describe(fenced);
  const weft::Result unfenced = weft::explore(body(false), dpor());
  EXPECT_NE(find_kind(unfenced, FindingKind::kDataRace), nullptr) << describe(unfenced);
}

// --- threads --------------------------------------------------------------------------------

void add_into(int* out, int by, std::reference_wrapper<int> also) {
  *out += by;
  also.get() += by;
}

TEST(FacadeThread, ArgumentsAreDecayCopiedAndIdsAreDistinct) {
  const weft::Result r = weft::explore([] {
    int out = 0;
    int also = 0;
    int by = 3;
    weft::thread t(add_into, &out, by, std::ref(also));
    by = 100;  // the thread got a copy
    const weft::thread::id tid = t.get_id();
    WEFT_ASSERT(tid != weft::thread::id() && tid != weft::this_thread::get_id());
    t.join();
    WEFT_ASSERT(out == 3 && also == 3 && t.get_id() == weft::thread::id());
    weft::this_thread::yield();
  });
  EXPECT_TRUE(r.ok()) << describe(r);
}

TEST(FacadeThread, DestroyedWhileJoinableReportsTheSpawnLocation) {
  const weft::Result r = weft::explore([] {
    weft::thread t([] {});  // joinable-spawn-line
    t.detach();
    { weft::thread u([] {}); }  // joinable-destroyed-line
  });
  const weft::Finding* f = find_kind(r, FindingKind::kApiMisuse);
  ASSERT_NE(f, nullptr) << describe(r);
  EXPECT_NE(f->message.find("destroyed while joinable"), std::string::npos) << f->message;
  EXPECT_EQ(f->location.line, line_of(__FILE__, "{ weft::thread u([] {}); }  // joinable-destroyed-line"));
}

TEST(FacadeThread, JthreadRequestsStopAndJoinsOnDestruction) {
  const weft::Result r = weft::explore(
      [] {
        weft::atomic<int> callbacks = 0;
        {
          weft::jthread worker([&](weft::stop_token st) {
            weft::stop_callback cb(st, [&] { callbacks++; });
            while (!st.stop_requested()) weft::this_thread::yield();
          });
        }  // request_stop + join
        WEFT_ASSERT(callbacks.load() == 1);
      },
      [] {
        weft::Options o = dpor();
        o.strategy = weft::StrategyKind::kDfs;
        o.fair = true;  // the worker spins with yield until the stop
        return o;
      }());
  EXPECT_TRUE(r.ok()) << describe(r) << (r.findings.empty() ? "" : r.findings[0].trace);
  EXPECT_TRUE(r.complete);
}

// --- mutexes --------------------------------------------------------------------------------

TEST(FacadeMutex, RecursiveMutexReentersAndExcludesOthers) {
  const weft::Result r = weft::explore(
      [] {
        weft::recursive_mutex m;
        weft::var<int> x = 0;
        weft::thread t([&] {
          weft::scoped_lock g(m);
          x = x + 1;
        });
        {
          weft::lock_guard<weft::recursive_mutex> g1(m);
          weft::unique_lock<weft::recursive_mutex> g2(m);
          WEFT_ASSERT(m.try_lock());
          m.unlock();
          x = x + 1;
        }
        t.join();
        WEFT_ASSERT(x.load() == 2);
      },
      dpor());
  EXPECT_TRUE(r.ok()) << describe(r);
  EXPECT_TRUE(r.complete);
}

TEST(FacadeMutex, RecursiveMutexUnlockedByANonOwnerIsMisuse) {
  const weft::Result r = weft::explore([] {
    weft::recursive_mutex m;
    m.lock();
    weft::thread t([&] { m.unlock(); });  // recursive-misuse-line
    t.join();
    m.unlock();
  });
  const weft::Finding* f = find_kind(r, FindingKind::kApiMisuse);
  ASSERT_NE(f, nullptr) << describe(r);
  EXPECT_EQ(f->location.line, line_of(__FILE__, "m.unlock(); });  // recursive-misuse-line"));
  EXPECT_NE(f->message.find("held by t0"), std::string::npos) << f->message;
}

TEST(FacadeMutex, TimedMutexTryLockForExploresBothOutcomes) {
  int got = 0;
  int timed_out = 0;
  const weft::Result r = weft::explore(
      [&] {
        weft::timed_mutex m;
        m.lock();
        weft::thread t([&] {
          weft::unique_lock<weft::timed_mutex> g(m, std::chrono::milliseconds(5));
          (g.owns_lock() ? got : timed_out)++;
        });
        m.unlock();
        t.join();
      },
      dpor());
  EXPECT_TRUE(r.ok()) << describe(r);
  EXPECT_GT(got, 0);
  EXPECT_GT(timed_out, 0);
}

// std::lock's back-off loop can retry without bound: DFS with a preemption bound keeps the
// search finite (every schedule with at most 2 preemptions).
TEST(FacadeMutex, ScopedLockOfTwoAvoidsTheAbbaDeadlockAndOfNoneDoesNothing) {
  weft::Options o = dpor();
  o.strategy = weft::StrategyKind::kDfs;
  o.preemption_bound = 2;
  const weft::Result r = weft::explore(
      [] {
        weft::mutex a;
        weft::mutex b;
        weft::thread t([&] { weft::scoped_lock g(a, b); });
        {
          weft::scoped_lock g(b, a);
          weft::scoped_lock<> none;
        }
        t.join();
      },
      o);
  EXPECT_TRUE(r.ok()) << describe(r);
  EXPECT_EQ(r.executions, 10u);  // the schedules within 2 preemptions (measured; back-offs included)
}

// Two readers overlap (some execution has both inside); a writer excludes both; reads and the
// write of a var under the locks do not race.
TEST(FacadeSharedMutex, ReadersOverlapAndAWriterExcludes) {
  bool overlapped = false;
  const weft::Result r = weft::explore(
      [&] {
        weft::shared_mutex rw;
        weft::atomic<int> readers = 0;
        weft::atomic<int> writers = 0;
        weft::var<int> data = 0;
        auto reader = [&] {
          weft::shared_lock<weft::shared_mutex> g(rw);
          readers++;
          WEFT_ASSERT(writers.load() == 0);
          if (readers.load() == 2) overlapped = true;
          (void)data.load();
          readers--;
        };
        weft::thread r1(reader);
        weft::thread r2(reader);
        {
          weft::unique_lock<weft::shared_mutex> g(rw);
          writers++;
          WEFT_ASSERT(readers.load() == 0);
          data = 1;
          writers--;
        }
        r1.join();
        r2.join();
      },
      dpor());
  EXPECT_TRUE(r.ok()) << describe(r);
  EXPECT_TRUE(r.complete);
  EXPECT_TRUE(overlapped);
}

TEST(FacadeSharedMutex, WritingUnderASharedLockRaces) {
  const weft::Result r = weft::explore(
      [] {
        weft::shared_mutex rw;
        weft::var<int> data = 0;
        weft::thread t([&] {
          weft::shared_lock<weft::shared_mutex> g(rw);
          data = 1;  // shared-write-line
        });
        {
          weft::shared_lock<weft::shared_mutex> g(rw);
          (void)data.load();
        }
        t.join();
      },
      dpor());
  const weft::Finding* f = find_kind(r, FindingKind::kDataRace);
  ASSERT_NE(f, nullptr) << describe(r);
  const int line = line_of(__FILE__, "data = 1;  // shared-write-line");
  EXPECT_TRUE(f->sites[0].location.line == line || f->sites[1].location.line == line) << f->message;
}

TEST(FacadeSharedMutex, UpgradeFromASharedLockDeadlocks) {
  const weft::Result r = weft::explore(
      [] {
        weft::shared_timed_mutex rw;  // shared-decl-line
        weft::thread t([&] {
          rw.lock_shared();
          rw.lock();  // upgrade-line
        });
        t.join();
      },
      dpor());
  const weft::Finding* f = find_kind(r, FindingKind::kDeadlock);
  ASSERT_NE(f, nullptr) << describe(r);
  EXPECT_TRUE(has_thread(*f, 1)) << f->message;
  EXPECT_NE(f->message.find("t1 waits on condition_variable#"), std::string::npos) << f->message;
  EXPECT_NE(f->message.find(std::to_string(line_of(__FILE__, "rw.lock();  // upgrade-line"))), std::string::npos)
      << f->message;
  // The internal objects carry the user's declaration.
  EXPECT_NE(f->message.find(":" + std::to_string(line_of(__FILE__, "rw;  // shared-decl-line")) + ")"),
            std::string::npos)
      << f->message;
}

// --- once, condition_variable_any, latch, barrier ------------------------------------------

TEST(FacadeOnce, CallOnceRunsOnceAndEveryCallerSeesItsEffect) {
  const weft::Result r = weft::explore(
      [] {
        weft::once_flag once;
        weft::var<int> init = 0;
        auto use = [&] {
          weft::call_once(once, [&](int v) { init = init + v; }, 5);
          WEFT_ASSERT(init.load() == 5);
        };
        weft::thread t(use);
        use();
        t.join();
      },
      dpor());
  EXPECT_TRUE(r.ok()) << describe(r);
  EXPECT_TRUE(r.complete);
}

TEST(FacadeConditionVariableAny, WaitsWithAnyLockAndAMissingNotifyDeadlocks) {
  auto body = [](bool notify) {
    return [notify] {
      weft::mutex m;
      weft::condition_variable_any cv;
      bool ready = false;
      weft::thread t([&] {
        {
          weft::lock_guard<weft::mutex> g(m);
          ready = true;
        }
        if (notify) cv.notify_all();
      });
      {
        weft::unique_lock<weft::mutex> g(m);
        cv.wait(g, [&] { return ready; });  // cv-any-wait-line
      }
      t.join();
    };
  };
  const weft::Result ok = weft::explore(body(true), dpor());
  EXPECT_TRUE(ok.ok()) << describe(ok);
  EXPECT_TRUE(ok.complete);
  const weft::Result stuck = weft::explore(body(false), dpor());
  const weft::Finding* f = find_kind(stuck, FindingKind::kDeadlock);
  ASSERT_NE(f, nullptr) << describe(stuck);
  EXPECT_EQ(f->threads, (std::vector<int>{0}));
  EXPECT_NE(f->message.find(std::to_string(line_of(__FILE__, "// cv-any-wait-line"))), std::string::npos)
      << f->message;
}

TEST(FacadeLatch, AllArrivalsReleaseTheWaitersAndAMissingOneDeadlocksNamingThem) {
  const weft::Result ok = weft::explore(
      [] {
        weft::latch l(2);
        weft::thread t([&] { l.arrive_and_wait(); });
        l.count_down();
        l.wait();
        WEFT_ASSERT(l.try_wait());
        t.join();
      },
      dpor());
  EXPECT_TRUE(ok.ok()) << describe(ok);
  EXPECT_TRUE(ok.complete);

  const weft::Result stuck = weft::explore(
      [] {
        weft::latch l(3);
        weft::thread t([&] { l.arrive_and_wait(); });  // latch-wait-line
        l.count_down();
        t.join();
      },
      dpor());
  const weft::Finding* f = find_kind(stuck, FindingKind::kDeadlock);
  ASSERT_NE(f, nullptr) << describe(stuck);
  EXPECT_EQ(f->threads, (std::vector<int>{0, 1}));
  EXPECT_NE(f->message.find("t1 waits on condition_variable#"), std::string::npos) << f->message;
  EXPECT_NE(f->message.find(std::to_string(line_of(__FILE__, "// latch-wait-line"))), std::string::npos)
      << f->message;
}

TEST(FacadeLatch, CountingDownBelowZeroIsMisuse) {
  const weft::Result r = weft::explore([] {
    weft::latch l(1);
    l.count_down(2);  // latch-misuse-line
  });
  const weft::Finding* f = find_kind(r, FindingKind::kApiMisuse);
  ASSERT_NE(f, nullptr) << describe(r);
  EXPECT_EQ(f->location.line, line_of(__FILE__, "l.count_down(2);  // latch-misuse-line"));
}

TEST(FacadeBarrier, PhasesCompleteTogetherAndAMissingArrivalDeadlocks) {
  const weft::Result ok = weft::explore(
      [] {
        weft::atomic<int> completions = 0;
        weft::barrier sync(2, [&]() noexcept { completions++; });
        weft::var<int> a = 0;
        weft::var<int> b = 0;
        weft::thread t([&] {
          a = 1;
          sync.arrive_and_wait();
          WEFT_ASSERT(b.load() == 1);  // ordered by the phase
          sync.arrive_and_wait();
        });
        b = 1;
        sync.arrive_and_wait();
        WEFT_ASSERT(a.load() == 1);
        sync.wait(sync.arrive());
        WEFT_ASSERT(completions.load() == 2);
        t.join();
      },
      dpor());
  EXPECT_TRUE(ok.ok()) << describe(ok);
  EXPECT_TRUE(ok.complete);

  const weft::Result stuck = weft::explore(
      [] {
        weft::barrier<> sync(3);
        weft::thread t([&] { sync.arrive_and_wait(); });  // barrier-wait-line
        sync.arrive_and_wait();
        t.join();
      },
      dpor());
  const weft::Finding* f = find_kind(stuck, FindingKind::kDeadlock);
  ASSERT_NE(f, nullptr) << describe(stuck);
  EXPECT_EQ(f->threads, (std::vector<int>{0, 1}));
  EXPECT_NE(f->message.find(std::to_string(line_of(__FILE__, "// barrier-wait-line"))),
            std::string::npos)
      << f->message;
}

}  // namespace
