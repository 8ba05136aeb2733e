// Crash isolation, stack safety and time limits: faults in the code under test are findings.
#include <gtest/gtest.h>

#include <cstdlib>
#include <stdexcept>

#include "findings_util.hpp"
#include "weft/explore.hpp"
#include "weft/sync.hpp"

namespace {

using weft::FindingKind;
using weft::test::basename_of;
using weft::test::describe;
using weft::test::find_kind;
using weft::test::line_of;

// A null dereference reached only when t2 reads the flag between t1's two stores.
void null_deref_body() {
  weft::atomic<int> flag(0);
  weft::thread t1([&] {
    flag.store(1);
    flag.store(0);
  });
  weft::thread t2([&] {
    if (flag.load() == 1) {  // crash-load-line
      volatile int* q = nullptr;
      *q = 1;
    }
  });
  t1.join();
  t2.join();
}

void expect_crash_at(const weft::Finding& f, int thread, std::string_view marker) {
  EXPECT_EQ(f.kind, FindingKind::kCrash);
  EXPECT_EQ(f.threads, std::vector<int>{thread});
  EXPECT_EQ(basename_of(f.location.file), "crash_test.cpp");
  EXPECT_EQ(f.location.line, line_of(__FILE__, marker));
  EXPECT_FALSE(f.schedule.empty());
}

TEST(Crash, NullDereferenceUnderOneInterleavingIsAFindingThatReplays) {
  for (weft::StrategyKind s : {weft::StrategyKind::kDfs, weft::StrategyKind::kDpor}) {
    weft::Options o;
    o.strategy = s;
    const weft::Result r = weft::explore(null_deref_body, o);
    const weft::Finding* f = find_kind(r, FindingKind::kCrash);
    ASSERT_NE(f, nullptr) << describe(r);
    expect_crash_at(*f, 2, "// crash-load-line");
    EXPECT_NE(f->message.find("SIGSEGV"), std::string::npos) << f->message;
    EXPECT_NE(f->message.find("thread t2"), std::string::npos) << f->message;
    EXPECT_EQ(f->operation, "atomic.load");
    EXPECT_GT(f->execution, 1u);  // the first interleaving does not crash
    EXPECT_EQ(r.bounded_by, "finding");

    const weft::ScheduleParse parsed = weft::decode_schedule(f->schedule);
    ASSERT_TRUE(parsed.schedule.has_value()) << parsed.error;
    const weft::Result again = weft::replay(null_deref_body, *parsed.schedule);
    EXPECT_TRUE(again.divergence.empty()) << again.divergence;
    const weft::Finding* g = find_kind(again, FindingKind::kCrash);
    ASSERT_NE(g, nullptr) << describe(again);
    EXPECT_EQ(g->message, f->message);
    EXPECT_EQ(g->step, f->step);
  }
}

// The search goes on past a crash with stop_on_first off: it completes, and every crashing
// interleaving is reported (both DFS orders of t1's second store and t2's dereference).
TEST(Crash, KeepGoingExploresPastACrash) {
  weft::Options o;
  o.strategy = weft::StrategyKind::kDfs;
  o.stop_on_first = false;
  const weft::Result r = weft::explore(null_deref_body, o);
  EXPECT_TRUE(r.complete);
  const auto crashes = weft::test::all_of(r, FindingKind::kCrash);
  ASSERT_GE(crashes.size(), 1u) << describe(r);
  for (const weft::Finding* f : crashes) expect_crash_at(*f, 2, "// crash-load-line");
  // The same search without the fault: every interleaving runs to its end.
  weft::Options clean = o;
  const weft::Result baseline = weft::explore(
      [] {
        weft::atomic<int> flag(0);
        weft::thread t1([&] {
          flag.store(1);
          flag.store(0);
        });
        weft::thread t2([&] { (void)flag.load(); });
        t1.join();
        t2.join();
      },
      clean);
  EXPECT_EQ(r.executions, baseline.executions);
}

TEST(Crash, AbortIsAFinding) {
  const weft::Result r = weft::explore([] {
    weft::atomic<int> a(0);
    weft::thread t([&] {
      a.store(1);  // abort-line
      std::abort();
    });
    t.join();
  });
  const weft::Finding* f = find_kind(r, FindingKind::kCrash);
  ASSERT_NE(f, nullptr) << describe(r);
  expect_crash_at(*f, 1, "// abort-line");
  EXPECT_NE(f->message.find("SIGABRT"), std::string::npos) << f->message;
}

[[gnu::noinline]] void throw_if(bool b) {
  if (b) throw std::runtime_error("out of noexcept");
}
[[gnu::noinline]] void noexcept_thrower(bool b) noexcept { throw_if(b); }

TEST(Crash, ThrowOutOfNoexceptIsAFinding) {
  const weft::Result r = weft::explore([] {
    weft::atomic<int> a(0);
    weft::thread t([&] {
      a.store(1);  // terminate-line
      volatile bool go = true;
      noexcept_thrower(go);
    });
    t.join();
  });
  const weft::Finding* f = find_kind(r, FindingKind::kCrash);
  ASSERT_NE(f, nullptr) << describe(r);
  expect_crash_at(*f, 1, "// terminate-line");
  EXPECT_NE(f->message.find("std::terminate"), std::string::npos) << f->message;
  EXPECT_NE(f->message.find("std::runtime_error"), std::string::npos) << f->message;
  // The exception state of the abandoned thread does not leak into the next search.
  EXPECT_EQ(std::uncaught_exceptions(), 0);
}

// A frame of N bytes the optimizer cannot shrink (the buffer escapes).
template <std::size_t N>
[[gnu::noinline]] int big_frame(weft::atomic<int>& a) {
  char buf[N];
  asm volatile("" : : "r"(buf) : "memory");
  buf[0] = 1;
  buf[N - 1] = 2;
  asm volatile("" : : "r"(buf) : "memory");
  return buf[0] + buf[N - 1] + a.load();
}

void expect_overflow(const weft::Result& r, std::string_view marker) {
  const weft::Finding* f = find_kind(r, FindingKind::kCrash);
  ASSERT_NE(f, nullptr) << describe(r);
  expect_crash_at(*f, 1, marker);
  EXPECT_NE(f->message.find("overflowed its stack"), std::string::npos) << f->message;
  bool detail = false;
  for (const std::string& d : f->details) detail = detail || d.find("stack overflow") != std::string::npos;
  EXPECT_TRUE(detail);
}

// Frames larger than the 64 KiB stack fault in the guard region (never in another stack).
TEST(Crash, HundredKibFrameIsAStackOverflow) {
  const weft::Result r = weft::explore([] {
    weft::atomic<int> a(0);
    weft::thread t([&] {
      a.store(1);  // frame100-line
      a.store(big_frame<100 * 1024>(a));
    });
    weft::thread u([&] { a.store(2); });
    t.join();
    u.join();
  });
  expect_overflow(r, "// frame100-line");
}

TEST(Crash, SixtyEightKibFrameIsAStackOverflow) {
  const weft::Result r = weft::explore([] {
    weft::atomic<int> a(0);
    weft::thread t([&] {
      a.store(1);  // frame68-line
      a.store(big_frame<68 * 1024>(a));
    });
    t.join();
  });
  expect_overflow(r, "// frame68-line");
}

// The same frame fits in a larger stack (Options::stack_size is honoured).
TEST(Crash, StackSizeOptionIsHonoured) {
  weft::Options o;
  o.stack_size = 1 << 20;
  const weft::Result r = weft::explore(
      [] {
        weft::atomic<int> a(0);
        weft::thread t([&] { a.store(big_frame<100 * 1024>(a)); });
        t.join();
      },
      o);
  EXPECT_TRUE(r.ok()) << describe(r);
  EXPECT_TRUE(r.complete);
  o.stack_size = 100;
  EXPECT_THROW(weft::explore([] {}, o), std::invalid_argument);
}

[[gnu::noinline]] int recurse(int n, volatile int* sink) {
  volatile char pad[256];
  pad[0] = static_cast<char>(n);
  if (n == 0) return pad[0];
  const int r = recurse(n - 1, sink) + pad[0];
  *sink = r;
  return r;
}

TEST(Crash, DeepRecursionIsAStackOverflow) {
  const weft::Result r = weft::explore([] {
    weft::atomic<int> a(0);
    weft::thread t([&] {
      a.store(1);  // recursion-line
      volatile int sink = 0;
      a.store(recurse(1 << 20, &sink));
    });
    t.join();
  });
  expect_overflow(r, "// recursion-line");
}

// An infinite loop with no visible operation: the watchdog ends the execution with a hang.
TEST(Crash, LoopWithoutVisibleOperationIsAHang) {
  weft::Options o;
  o.exec_timeout = 0.2;
  const weft::Result r = weft::explore(
      [] {
        weft::atomic<int> a(0);
        weft::thread t([&] {
          a.store(1);  // hang-line
          volatile bool spin = true;
          while (spin) {
          }
        });
        t.join();
      },
      o);
  const weft::Finding* f = find_kind(r, FindingKind::kHang);
  ASSERT_NE(f, nullptr) << describe(r);
  EXPECT_EQ(f->threads, std::vector<int>{1});
  EXPECT_EQ(f->location.line, line_of(__FILE__, "// hang-line"));
  EXPECT_EQ(f->operation, "atomic.store");
  EXPECT_NE(f->message.find("thread t1"), std::string::npos) << f->message;
  EXPECT_FALSE(f->schedule.empty());
}

// --max-seconds bounds a search far too large to finish (5 threads x 5 increments under DFS).
TEST(Crash, MaxSecondsBoundsTheSearch) {
  weft::Options o;
  o.strategy = weft::StrategyKind::kDfs;
  o.max_seconds = 0.05;
  const weft::Result r = weft::explore(
      [] {
        weft::atomic<int> c(0);
        auto inc = [&] {
          for (int k = 0; k < 5; ++k) c.fetch_add(1);
        };
        weft::thread t1(inc), t2(inc), t3(inc), t4(inc), t5(inc);
        t1.join();
        t2.join();
        t3.join();
        t4.join();
        t5.join();
      },
      o);
  EXPECT_EQ(r.bounded_by, "max_seconds");
  EXPECT_FALSE(r.complete);
  EXPECT_GT(r.executions, 0u);
  EXPECT_TRUE(r.findings.empty()) << describe(r);
}

TEST(Crash, BadTimeLimitsAreRejected) {
  weft::Options o;
  o.max_seconds = -1;
  EXPECT_THROW(weft::explore([] {}, o), std::invalid_argument);
  o.max_seconds = 0;
  o.exec_timeout = -2;
  EXPECT_THROW(weft::explore([] {}, o), std::invalid_argument);
}

}  // namespace
