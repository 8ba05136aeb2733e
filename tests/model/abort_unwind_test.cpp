// Aborted executions: unfinished threads unwind children first, so destructors that reference
// a parent's locals run while those locals are alive; a spawn the runtime cannot honour is a
// finding. Neither crashes weft.
#include <gtest/gtest.h>

#include <array>
#include <vector>

#include "findings_util.hpp"
#include "weft/explore.hpp"
#include "weft/sync.hpp"

namespace {

using weft::FindingKind;
using weft::test::line_of;

// Issue 13, item 1: each child's local destructor appends to main's vector while the
// execution unwinds after the deadlock. Unwinding main first freed the vector under them
// (`free(): double free detected`).
void crossed_locks_with_destructors() {
  std::vector<int> log;
  log.reserve(1);
  weft::mutex a, b;
  struct Note {
    std::vector<int>& l;
    ~Note() {
      for (int i = 0; i < 64; ++i) l.push_back(i);
    }
  };
  weft::thread t1([&] {
    Note n{log};
    weft::lock_guard g(a);
    weft::lock_guard h(b);  // unwind-test: t1 waits
  });
  weft::thread t2([&] {
    Note n{log};
    weft::lock_guard g(b);
    weft::lock_guard h(a);  // unwind-test: t2 waits
  });
  t1.join();
  t2.join();
}

class UnwindOrder : public ::testing::TestWithParam<weft::StrategyKind> {};

TEST_P(UnwindOrder, ChildDestructorsReferencingMainsLocalsRunBeforeMainUnwinds) {
  weft::Options o;
  o.strategy = GetParam();
  const weft::Result r = weft::explore(crossed_locks_with_destructors, o);
  const weft::Finding* f = weft::test::find_kind(r, FindingKind::kDeadlock);
  ASSERT_NE(f, nullptr) << weft::test::describe(r);
  for (const weft::Finding& other : r.findings) {  // the lock-order checker sees the same cycle
    EXPECT_TRUE(other.kind == FindingKind::kDeadlock || other.kind == FindingKind::kLockOrderInversion)
        << weft::test::describe(r);
  }
  const int t1_waits = line_of(__FILE__, "// unwind-test: t1 waits");
  const int t2_waits = line_of(__FILE__, "// unwind-test: t2 waits");
  EXPECT_EQ(f->threads, (std::vector<int>{0, 1, 2}));  // main is blocked in its join
  ASSERT_EQ(f->sites.size(), 2u) << f->message;        // the cycle: t1 and t2
  for (const weft::FindingSite& s : f->sites) {
    ASSERT_TRUE(s.thread == 1 || s.thread == 2) << s.thread;
    EXPECT_EQ(s.operation, "mutex.lock");
    EXPECT_EQ(weft::test::basename_of(s.location.file), "abort_unwind_test.cpp");
    EXPECT_EQ(s.location.line, s.thread == 1 ? t1_waits : t2_waits);
  }
  EXPECT_NE(f->sites[0].thread, f->sites[1].thread);
  // The finding is located where the thread that found itself stuck waits: one of the cycle.
  EXPECT_EQ(weft::test::basename_of(f->location.file), "abort_unwind_test.cpp");
  EXPECT_EQ(f->location.line, f->sites[0].location.line);
}

INSTANTIATE_TEST_SUITE_P(Strategies, UnwindOrder,
                         ::testing::Values(weft::StrategyKind::kDpor, weft::StrategyKind::kDfs,
                                           weft::StrategyKind::kRandom),
                         [](const auto& info) {
                           switch (info.param) {
                             case weft::StrategyKind::kDpor:
                               return std::string("Dpor");
                             case weft::StrategyKind::kDfs:
                               return std::string("Dfs");
                             default:
                               return std::string("Random");
                           }
                         });

// Issue 13, item 4: a callable larger than spawn accepts (a quarter of the stack) is an
// api_misuse finding at the spawn, with no thread created; it used to crash (SIGSEGV).
TEST(ThreadCallable, OverTheInPlaceSizeIsAMisuseFindingAtTheSpawn) {
  for (const weft::StrategyKind s : {weft::StrategyKind::kDpor, weft::StrategyKind::kDfs}) {
    weft::Options o;
    o.strategy = s;
    const weft::Result r = weft::explore(
        [] {
          weft::atomic<int> x{0};
          weft::thread small([&] { x.store(1); });
          std::array<char, 20 * 1024> big{};
          big[0] = 1;
          weft::thread t([&x, big] { x.store(big[0]); });  // callable-test: spawn
          t.join();
          small.join();
        },
        o);
    ASSERT_EQ(r.findings.size(), 1u) << weft::test::describe(r);
    const weft::Finding& f = r.findings[0];
    EXPECT_EQ(f.kind, FindingKind::kApiMisuse);
    EXPECT_EQ(f.message,
              "thread callable too large for the simulated stack: " + std::to_string(sizeof(int*) + 20 * 1024) +
                  " bytes, at most 16384 with a 65536-byte stack (raise Options::stack_size)");
    EXPECT_EQ(f.operation, "misuse");
    EXPECT_EQ(f.threads, (std::vector<int>{0}));
    EXPECT_EQ(weft::test::basename_of(f.location.file), "abort_unwind_test.cpp");
    EXPECT_EQ(f.location.line, line_of(__FILE__, "// callable-test: spawn"));
  }
}

// A larger stack admits the same callable.
TEST(ThreadCallable, ALargerStackAdmitsIt) {
  weft::Options o;
  o.stack_size = 256 * 1024;
  const weft::Result r = weft::explore(
      [] {
        std::array<char, 20 * 1024> big{};
        big[0] = 1;
        weft::atomic<int> x{0};
        weft::thread t([&x, big] { x.store(big[0]); });
        t.join();
        WEFT_ASSERT(x.load() == 1);
      },
      o);
  EXPECT_TRUE(r.ok()) << weft::test::describe(r);
  EXPECT_TRUE(r.complete);
}

}  // namespace
