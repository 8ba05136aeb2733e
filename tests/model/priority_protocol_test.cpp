// Mutex protocols under the priority policy: priority inheritance (transitive through chains, and
// the deliberately one-level variant), the immediate priority ceiling, and ceiling misuse.
#include <gtest/gtest.h>

#include <chrono>

#include "findings_util.hpp"
#include "weft/explore.hpp"
#include "weft/sync.hpp"

namespace {

using namespace std::chrono_literals;
using weft::FindingKind;
using weft::mutex_protocol;
using weft::test::describe;

weft::Options priority_options() {
  weft::Options o{.strategy = weft::StrategyKind::kDfs};
  o.policy = weft::SchedPolicy::kPriority;
  o.stop_on_first = false;
  return o;
}

// L (1) holds m and works 2 ms; H (3) arrives at 1 ms and waits for m; M (2) arrives at 1 ms and
// works 5 ms. L records its effective priority before H arrives, after 2 ms of work, and after
// unlocking; it asserts the values the protocol implies.
weft::Result inheritance_run(mutex_protocol protocol, int boosted) {
  static mutex_protocol proto;
  static int expected;
  proto = protocol;
  expected = boosted;
  return weft::explore(
      [] {
        weft::mutex m(proto, /*ceiling=*/3);
        weft::thread l({.priority = 1, .name = "L"}, [&] {
          m.lock();
          WEFT_ASSERT(weft::this_thread::effective_priority() == (proto == mutex_protocol::ceiling ? 3 : 1));
          weft::work(2ms);
          WEFT_ASSERT(weft::this_thread::effective_priority() == expected);
          m.unlock();
          WEFT_ASSERT(weft::this_thread::effective_priority() == 1);
        });
        weft::thread mid({.priority = 2, .name = "M", .arrival = 1ms}, [&] { weft::work(5ms); });
        weft::thread h({.priority = 3, .name = "H", .arrival = 1ms}, [&] {
          weft::lock_guard<weft::mutex> g(m);  // H waits here
        });
        l.join();
        mid.join();
        h.join();
      },
      priority_options());
}

TEST(PriorityProtocol, InheritanceRaisesTheHolderToTheWaitersPriority) {
  const weft::Result r = inheritance_run(mutex_protocol::inherit, 3);
  EXPECT_TRUE(r.ok()) << describe(r);
  EXPECT_TRUE(r.complete);
  // H waited exactly the rest of L's critical section: 1 ms.
  EXPECT_EQ(r.max_blocking.time, 1000000);
}

TEST(PriorityProtocol, CeilingRaisesTheHolderAtOnce) {
  const weft::Result r = inheritance_run(mutex_protocol::ceiling, 3);
  EXPECT_TRUE(r.ok()) << describe(r);
  EXPECT_TRUE(r.complete);
  EXPECT_LE(r.max_blocking.time, 1000000);
}

TEST(PriorityProtocol, WithoutAProtocolMPreemptsTheHolder) {
  // No inheritance: L stays at 1 and M runs its 5 ms while H waits. The finding names H, L, M.
  const weft::Result r = inheritance_run(mutex_protocol::none, 1);
  const weft::Finding* f = weft::test::find_kind(r, FindingKind::kPriorityInversion);
  ASSERT_NE(f, nullptr) << describe(r);
  EXPECT_EQ(f->threads, (std::vector<int>{3, 1, 2}));
  EXPECT_EQ(f->location.line, weft::test::line_of(__FILE__, "g(m);  // H waits here"));
  EXPECT_EQ(f->operation, "mutex.lock");
  EXPECT_EQ(r.max_blocking.time, 6000000);  // 1 ms of L's section left + M's 5 ms
  EXPECT_FALSE(r.has(FindingKind::kAssertionFailure)) << describe(r);
}

// L1 (1) holds m1; L2 (2) holds m2 and waits for m1; H (4) waits for m2; L1 reads its effective
// priority once both wait.
weft::Result chain_run(mutex_protocol protocol, int l1_boost) {
  static mutex_protocol proto;
  static int expected;
  proto = protocol;
  expected = l1_boost;
  return weft::explore(
      [] {
        weft::mutex m1(proto);
        weft::mutex m2(proto);
        weft::thread l1({.priority = 1, .name = "L1"}, [&] {
          weft::lock_guard<weft::mutex> g(m1);
          weft::work(3ms);
          WEFT_ASSERT(weft::this_thread::effective_priority() == expected);
        });
        weft::thread l2({.priority = 2, .name = "L2", .arrival = 1ms}, [&] {
          weft::lock_guard<weft::mutex> outer(m2);
          weft::lock_guard<weft::mutex> inner(m1);
        });
        weft::thread h({.priority = 4, .name = "H", .arrival = 2ms}, [&] { weft::lock_guard<weft::mutex> g(m2); });
        l1.join();
        l2.join();
        h.join();
      },
      priority_options());
}

TEST(PriorityProtocol, InheritanceIsTransitiveThroughAChain) {
  const weft::Result r = chain_run(mutex_protocol::inherit, 4);
  EXPECT_TRUE(r.ok()) << describe(r);
  EXPECT_TRUE(r.complete);
}

TEST(PriorityProtocol, OneLevelInheritanceStopsAtTheFirstHolder) {
  const weft::Result r = chain_run(mutex_protocol::inherit_direct, 2);
  EXPECT_TRUE(r.ok()) << describe(r);
}

TEST(PriorityProtocol, CeilingKeepsAMediumThreadOut) {
  // L's critical section runs at the ceiling (3): M (2), arriving in the middle of it, waits
  // for its end. Without a protocol M preempts L (the assertion fails).
  static mutex_protocol proto;
  const auto body = [] {
    weft::mutex m(proto, /*ceiling=*/3);
    weft::atomic<bool> cs_done(false);
    weft::thread l({.priority = 1, .name = "L"}, [&] {
      weft::lock_guard<weft::mutex> g(m);
      weft::work(2ms);
      cs_done.store(true);
    });
    weft::thread mid({.priority = 2, .name = "M", .arrival = 1ms}, [&] { WEFT_ASSERT(cs_done.load()); });
    l.join();
    mid.join();
  };
  proto = mutex_protocol::ceiling;
  const weft::Result with = weft::explore(body, priority_options());
  EXPECT_TRUE(with.ok()) << describe(with);
  proto = mutex_protocol::none;
  const weft::Result without = weft::explore(body, priority_options());
  EXPECT_TRUE(without.has(FindingKind::kAssertionFailure)) << describe(without);
}

TEST(PriorityProtocol, LockingAboveTheCeilingIsMisuse) {
  const weft::Result r = weft::explore(
      [] {
        weft::mutex m(mutex_protocol::ceiling, /*ceiling=*/2);
        weft::thread t({.priority = 5, .name = "T"}, [&] {
          m.lock();  // above the ceiling
          m.unlock();
        });
        t.join();
      },
      priority_options());
  const weft::Finding* f = weft::test::find_kind(r, FindingKind::kApiMisuse);
  ASSERT_NE(f, nullptr) << describe(r);
  EXPECT_NE(f->message.find("ceiling is 2"), std::string::npos) << f->message;
  EXPECT_EQ(f->location.line, weft::test::line_of(__FILE__, "m.lock();  // above the ceiling"));
}

}  // namespace
