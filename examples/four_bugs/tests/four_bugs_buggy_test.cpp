// The four components built with FOUR_BUGS_BUGGY: weft finds each bug, with its kind, its
// threads and the line of the header it is on.
#include <gtest/gtest.h>

#include <fstream>
#include <string>

#include "four_bugs/bounded_queue.hpp"
#include "four_bugs/lazy_config.hpp"
#include "four_bugs/shared_buffer.hpp"
#include "four_bugs/worker.hpp"
#include "weft/gtest.hpp"

namespace {

// The line of `header` (in include/four_bugs) holding `marker`.
int line_of(const std::string& header, const std::string& marker) {
  std::ifstream in(std::string(FOUR_BUGS_INCLUDE_DIR) + "/" + header);
  std::string line;
  for (int n = 1; std::getline(in, line); ++n) {
    if (line.find(marker) != std::string::npos) return n;
  }
  return -1;
}

bool at(const weft::SourceLoc& loc, const std::string& header, int line) {
  return loc.line == line && std::string(loc.file).ends_with(header);
}

// The first finding of `kind`, failing the test when there is none.
const weft::Finding* first(const weft::Result& r, weft::FindingKind kind) {
  for (const weft::Finding& f : r.findings) {
    if (f.kind == kind) return &f;
  }
  ADD_FAILURE() << "no " << weft::kind_name(kind) << "\n" << weft::gtest::describe(r);
  return nullptr;
}

TEST(BuggyFourBugs, QueueNotifyOneDeadlocks) {
  const weft::Result r = weft::explore([] {
    four_bugs::BoundedQueue<1> q;
    four_bugs::sync::thread c1([&] { q.pop(); });
    four_bugs::sync::thread c2([&] { q.pop(); });
    q.push(1);
    q.push(2);
    c1.join();
    c2.join();
  });
  const weft::Finding* f = first(r, weft::FindingKind::kDeadlock);
  ASSERT_NE(f, nullptr);
  EXPECT_GE(f->threads.size(), 2u) << weft::gtest::describe(r);
}

TEST(BuggyFourBugs, DoubleCheckedPlainPointerRaces) {
  const weft::Result r = weft::explore([] {
    four_bugs::LazyConfig config;
    four_bugs::sync::thread a([&] { config.get(); });
    config.get();
    a.join();
  });
  const weft::Finding* f = first(r, weft::FindingKind::kDataRace);
  ASSERT_NE(f, nullptr);
  ASSERT_EQ(f->sites.size(), 2u);
  const bool check_publish =
      (at(f->sites[0].location, "lazy_config.hpp", line_of("lazy_config.hpp", "config-check")) &&
       at(f->sites[1].location, "lazy_config.hpp", line_of("lazy_config.hpp", "config-publish"))) ||
      (at(f->sites[1].location, "lazy_config.hpp", line_of("lazy_config.hpp", "config-check")) &&
       at(f->sites[0].location, "lazy_config.hpp", line_of("lazy_config.hpp", "config-publish")));
  EXPECT_TRUE(check_publish) << weft::gtest::describe(r);
  EXPECT_NE(f->sites[0].thread, f->sites[1].thread);
}

TEST(BuggyFourBugs, StopOutsideTheMutexLosesTheWakeUp) {
  const weft::Result r = weft::explore([] { four_bugs::Worker w; });
  const weft::Finding* f = first(r, weft::FindingKind::kDeadlock);
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->threads.size(), 2u) << weft::gtest::describe(r);
  bool join_site = false;
  for (const weft::FindingSite& s : f->sites)
    join_site = join_site || at(s.location, "worker.hpp", line_of("worker.hpp", "worker-join"));
  join_site = join_site || at(f->location, "worker.hpp", line_of("worker.hpp", "worker-join")) ||
              at(f->location, "worker.hpp", line_of("worker.hpp", "worker-wait"));
  EXPECT_TRUE(join_site) << weft::gtest::describe(r);
}

TEST(BuggyFourBugs, RelaxedReleaseRacesWithTheFinalRead) {
  const weft::Result r = weft::explore([] {
    four_bugs::SharedBuffer* b = four_bugs::SharedBuffer::create(2);
    int last_a = -1;
    int last_main = -1;
    four_bugs::sync::thread a([&] {
      b->write(1);
      b->release(&last_a);
    });
    b->release(&last_main);  // main only drops its reference
    a.join();
  });
  const weft::Finding* f = first(r, weft::FindingKind::kDataRace);
  ASSERT_NE(f, nullptr);
  ASSERT_EQ(f->sites.size(), 2u);
  const int write = line_of("shared_buffer.hpp", "buffer-write");
  const int read = line_of("shared_buffer.hpp", "buffer-final-read");
  EXPECT_TRUE(
      (at(f->sites[0].location, "shared_buffer.hpp", write) && at(f->sites[1].location, "shared_buffer.hpp", read)) ||
      (at(f->sites[1].location, "shared_buffer.hpp", write) && at(f->sites[0].location, "shared_buffer.hpp", read)))
      << weft::gtest::describe(r);
}

}  // namespace
