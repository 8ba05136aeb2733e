// The user-facing API as the README shows it: weft::explore inside a GoogleTest.
#include <gtest/gtest.h>

#include "weft/explore.hpp"
#include "weft/sync.hpp"

namespace {

// weft::explore inside a plain gtest TEST (README, "Writing your own test", describes explore()).
TEST(MyQueue, PushPopIsLinearizable) {
  weft::Result r = weft::explore([] {
    weft::mutex m;  // create sync objects inside the body
    weft::var<int> items(0);
    weft::thread a([&] {
      weft::lock_guard<weft::mutex> g(m);
      items.store(items.load() + 1);
    });
    weft::thread b([&] {
      weft::lock_guard<weft::mutex> g(m);
      items.store(items.load() + 1);
    });
    a.join();
    b.join();
    WEFT_ASSERT(items.load() == 2);
  });
  EXPECT_TRUE(r.complete);
  EXPECT_TRUE(r.findings.empty()) << r.findings[0].message;
}

// The same body without the lock: the result carries the finding, its thread and its line.
TEST(UserApi, ResultCarriesTheFinding) {
  weft::Result r = weft::explore([] {
    weft::var<int> items(0);
    weft::thread a([&] { items.store(items.load() + 1); });
    weft::thread b([&] { items.store(items.load() + 1); });
    a.join();
    b.join();
    WEFT_ASSERT(items.load() == 2);  // user-assert-line
  });
  ASSERT_TRUE(r.has(weft::FindingKind::kAssertionFailure));
  const weft::Finding* f = nullptr;
  for (const weft::Finding& x : r.findings) {
    if (x.kind == weft::FindingKind::kAssertionFailure) f = &x;
  }
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->threads, std::vector<int>{0});
  EXPECT_EQ(f->location.line, __LINE__ - 9);  // the user-assert-line above
  EXPECT_EQ(f->schedule.rfind("w1.", 0), 0u);
  EXPECT_NE(f->trace.find("var.write"), std::string::npos);
  // The token replays the same finding through the ad-hoc replay API.
  const weft::ScheduleParse parsed = weft::decode_schedule(f->schedule);
  ASSERT_TRUE(parsed.schedule.has_value());
  EXPECT_EQ(parsed.schedule->scenario, 0u);
}

}  // namespace
