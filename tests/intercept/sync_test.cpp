// std::mutex, std::lock_guard, std::condition_variable and std::thread of unmodified code under
// weft's scheduler: a lock-order deadlock, an if-not-while wait, and a correct hand-off.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <mutex>
#include <string>
#include <thread>

#include "weft/intercept.hpp"
#include "weft/schedule.hpp"

namespace {

bool in_this_file(const weft::SourceLoc& loc) {
  const char* suffix = "tests/intercept/sync_test.cpp";
  const std::size_t n = std::strlen(loc.file);
  const std::size_t k = std::strlen(suffix);
  return n >= k && std::strcmp(loc.file + n - k, suffix) == 0;
}

void expect_replays(const weft::Finding& f, void (*body)()) {
  const weft::ScheduleParse parsed = weft::decode_schedule(f.schedule);
  ASSERT_TRUE(parsed.schedule.has_value()) << parsed.error;
  const weft::Result again = weft::intercept::replay(body, *parsed.schedule);
  EXPECT_TRUE(again.divergence.empty()) << again.divergence;
  ASSERT_TRUE(again.has(f.kind)) << weft::kind_name(f.kind);
}

int g_lock_b_line = 0;
int g_lock_a_line = 0;

// ABBA: t1 locks a then b, t2 locks b then a.
void abba() {
  std::mutex a;
  std::mutex b;
  std::thread t1([&] {
    std::lock_guard<std::mutex> ga(a);
    g_lock_b_line = __LINE__ + 1;
    std::lock_guard<std::mutex> gb(b);
  });
  std::thread t2([&] {
    std::lock_guard<std::mutex> gb(b);
    g_lock_a_line = __LINE__ + 1;
    std::lock_guard<std::mutex> ga(a);
  });
  t1.join();
  t2.join();
}

TEST(InterceptSync, AbbaDeadlockNamesBothThreadsAndTheirLocks) {
  const weft::Result r = weft::intercept::explore(&abba);
  const weft::Finding* dl = nullptr;
  for (const weft::Finding& f : r.findings) {
    if (f.kind == weft::FindingKind::kDeadlock) dl = &f;
  }
  ASSERT_NE(dl, nullptr) << (r.findings.empty() ? "no finding" : r.findings[0].message);
  // Blocked: main (joining t1) and both lockers.
  EXPECT_EQ(dl->threads, (std::vector<int>{0, 1, 2})) << dl->message;
  // The wait-for cycle's sites: t1 waits to lock b at its line, t2 to lock a at its line.
  int matched = 0;
  for (const weft::FindingSite& s : dl->sites) {
    if (s.operation != "mutex.lock") continue;
    EXPECT_TRUE(in_this_file(s.location)) << s.location.file;
    if (s.thread == 1) {
      EXPECT_EQ(s.location.line, g_lock_b_line) << dl->message;
      ++matched;
    } else if (s.thread == 2) {
      EXPECT_EQ(s.location.line, g_lock_a_line) << dl->message;
      ++matched;
    }
  }
  EXPECT_EQ(matched, 2) << dl->message;
  EXPECT_NE(dl->message.find("wait-for cycle"), std::string::npos) << dl->message;
  expect_replays(*dl, &abba);
}

int g_take_line = 0;

// One item handed from a producer to a consumer that waits with `if` instead of `while`: a
// spurious wake-up (the model explores one per execution) lets it take from an empty queue.
void if_not_while() {
  std::mutex m;
  std::condition_variable cv;
  std::deque<int> items;
  std::thread consumer([&] {
    std::unique_lock<std::mutex> lock(m);
    if (items.empty()) cv.wait(lock);
    g_take_line = __LINE__ + 1;
    WEFT_CHECK_THAT(!items.empty());
    items.pop_front();
  });
  std::thread producer([&] {
    std::lock_guard<std::mutex> lock(m);
    items.push_back(1);
    cv.notify_one();
  });
  consumer.join();
  producer.join();
}

TEST(InterceptSync, IfNotWhileWaitTakesFromAnEmptyQueue) {
  const weft::Result r = weft::intercept::explore(&if_not_while);
  const weft::Finding* af = nullptr;
  for (const weft::Finding& f : r.findings) {
    if (f.kind == weft::FindingKind::kAssertionFailure) af = &f;
  }
  ASSERT_NE(af, nullptr) << (r.findings.empty() ? "no finding" : r.findings[0].message);
  EXPECT_EQ(af->threads, std::vector<int>{1});
  EXPECT_EQ(af->location.line, g_take_line);
  EXPECT_NE(af->message.find("!items.empty()"), std::string::npos) << af->message;
  // No data race: every access to the queue is under the mutex.
  EXPECT_FALSE(r.has(weft::FindingKind::kDataRace)) << r.findings[0].message;
  expect_replays(*af, &if_not_while);
}

// The correct hand-off: while, not if; three items through a queue, one producer, one consumer.
void producer_consumer() {
  std::mutex m;
  std::condition_variable cv;
  std::deque<int> items;
  int sum = 0;
  std::thread consumer([&] {
    for (int k = 0; k < 3; ++k) {
      std::unique_lock<std::mutex> lock(m);
      cv.wait(lock, [&] { return !items.empty(); });
      sum += items.front();
      items.pop_front();
    }
  });
  std::thread producer([&] {
    for (int k = 1; k <= 3; ++k) {
      std::lock_guard<std::mutex> lock(m);
      items.push_back(k);
      cv.notify_one();
    }
  });
  consumer.join();
  producer.join();
  WEFT_CHECK_THAT(sum == 6);
}

TEST(InterceptSync, CorrectProducerConsumerIsCleanAndComplete) {
  for (const weft::StrategyKind s : {weft::StrategyKind::kDpor, weft::StrategyKind::kDfs}) {
    weft::Options o;
    o.strategy = s;
    const weft::Result r = weft::intercept::explore(&producer_consumer, o);
    EXPECT_TRUE(r.complete) << r.bounded_by;
    EXPECT_TRUE(r.findings.empty()) << r.findings[0].message;
    EXPECT_GT(r.executions, 1u);
  }
}

// condition_variable::wait_for reaches pthread_cond_clockwait: a wait that may time out at any
// point (the duration is not used), so both outcomes are explored.
TEST(InterceptSync, TimedWaitIsExploredBothNotifiedAndTimedOut) {
  bool saw_timeout = false;
  bool saw_notified = false;
  const weft::Result r = weft::intercept::explore([&] {
    std::mutex m;
    std::condition_variable cv;
    bool ready = false;
    std::thread t([&] {
      std::lock_guard<std::mutex> g(m);
      ready = true;
      cv.notify_one();
    });
    {
      std::unique_lock<std::mutex> lock(m);
      const bool ok = cv.wait_for(lock, std::chrono::seconds(1), [&] { return ready; });
      (ok ? saw_notified : saw_timeout) = true;
    }
    t.join();
  });
  EXPECT_TRUE(r.complete);
  ASSERT_TRUE(r.findings.empty()) << r.findings[0].message << "\n" << r.findings[0].trace;
  EXPECT_TRUE(saw_timeout);
  EXPECT_TRUE(saw_notified);
}

}  // namespace
