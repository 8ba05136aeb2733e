// Plain accesses of unmodified code feed the data race checker: a lost update on a plain int.
#include <gtest/gtest.h>

#include <cstring>
#include <memory>
#include <string>
#include <thread>

#include "weft/intercept.hpp"
#include "weft/schedule.hpp"

namespace {

bool ends_with(const char* s, const char* suffix) {
  const std::size_t n = std::strlen(s);
  const std::size_t k = std::strlen(suffix);
  return n >= k && std::strcmp(s + n - k, suffix) == 0;
}

int g_increment_line = 0;

void lost_update() {
  int counter = 0;
  g_increment_line = __LINE__ + 1;
  auto increment = [&] { counter = counter + 1; };
  std::thread a(increment);
  std::thread b(increment);
  a.join();
  b.join();
  WEFT_CHECK_THAT(counter == 2);
}

TEST(InterceptRace, LostUpdateOnPlainIntIsADataRaceNamingBothAccesses) {
  const weft::Result r = weft::intercept::explore(&lost_update);
  ASSERT_FALSE(r.findings.empty());
  const weft::Finding* race = nullptr;
  for (const weft::Finding& f : r.findings) {
    if (f.kind == weft::FindingKind::kDataRace) race = &f;
  }
  ASSERT_NE(race, nullptr) << r.findings[0].message;
  // Both accesses: the two spawned threads, at the increment's line of this file.
  EXPECT_EQ(race->threads, (std::vector<int>{1, 2})) << race->message;
  ASSERT_EQ(race->sites.size(), 2u);
  for (const weft::FindingSite& s : race->sites) {
    EXPECT_TRUE(ends_with(s.location.file, "tests/intercept/race_test.cpp")) << s.location.file;
    EXPECT_EQ(s.location.line, g_increment_line) << race->message;
  }
  const std::string at = "tests/intercept/race_test.cpp:" + std::to_string(g_increment_line);
  EXPECT_NE(race->message.find(at), std::string::npos) << race->message;
  EXPECT_EQ(race->message.find("<weft-pc>"), std::string::npos) << race->message;
  // Plain accesses are not scheduling points: the read and the write of one increment run in one
  // step, so the lost update itself (the check) is never reached; the race is the finding.
  EXPECT_FALSE(r.has(weft::FindingKind::kAssertionFailure));
  EXPECT_TRUE(r.complete);
  for (const weft::Finding& f : r.findings) {
    const weft::ScheduleParse parsed = weft::decode_schedule(f.schedule);
    ASSERT_TRUE(parsed.schedule.has_value()) << parsed.error;
    const weft::Result again = weft::intercept::replay(&lost_update, *parsed.schedule);
    EXPECT_TRUE(again.divergence.empty()) << again.divergence;
    EXPECT_TRUE(again.has(f.kind)) << weft::kind_name(f.kind);
  }
}

// std::shared_ptr copied in two threads: libstdc++ uses atomic reference counts because
// weft_intercept clears __libc_single_threaded (simulated threads are not pthreads, so glibc
// would keep saying single-threaded and the counts would be plain: a false race).
TEST(InterceptRace, SharedPtrCopiesInTwoThreadsAreNotARace) {
  const weft::Result r = weft::intercept::explore([] {
    auto p = std::make_shared<int>(7);
    std::thread a([p] {
      std::shared_ptr<int> q = p;
      WEFT_CHECK_THAT(*q == 7);
    });
    std::thread b([p] { std::shared_ptr<int> q = p; });
    a.join();
    b.join();
    WEFT_CHECK_THAT(p.use_count() == 1);
  });
  EXPECT_TRUE(r.complete);
  EXPECT_TRUE(r.findings.empty()) << r.findings[0].message;
  EXPECT_GT(r.executions, 1u);  // the count updates are atomics: scheduling points
}

}  // namespace
