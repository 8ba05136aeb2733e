// The ThreadSanitizer report parser on captured outputs (tests/native/data): races, lock-order
// inversions, misuse reports, several reports in one log, weft-native's protocol around them.
#include "native/tsan_report.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>

#include "native/native_driver.hpp"

namespace weft::native {
namespace {

std::string read_data(const std::string& name) {
  std::ifstream in(std::string(WEFT_TEST_DATA) + "/" + name);
  EXPECT_TRUE(in.good()) << name;
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

// The captured logs were produced from this tree's scenarios; they carry the line numbers of
// that capture, which the assertions below spell out.
TEST(TsanReport, DataRaceOnTheCounterIncrementLine) {
  const std::vector<TsanReport> reports = parse_tsan_log(read_data("counter_racy.log"));
  ASSERT_EQ(reports.size(), 1u);
  const TsanReport& r = reports[0];
  EXPECT_EQ(r.title, "data race");
  ASSERT_EQ(r.stacks.size(), 2u);
  EXPECT_EQ(r.stacks[0].header.rfind("Read of size 4 at ", 0), 0u) << r.stacks[0].header;
  EXPECT_EQ(r.stacks[1].header.rfind("Previous write of size 4 at ", 0), 0u) << r.stacks[1].header;
  // Frame #0 is weft's var::load in the facade header; the scenario frame comes next.
  EXPECT_TRUE(ends_with(r.stacks[0].frames[0].file, "harness/include/weft/native/sync.hpp"));
  EXPECT_FALSE(is_scenario_frame(r.stacks[0].frames[0]));
  EXPECT_TRUE(ends_with(r.stacks[0].frames[1].file, "scenarios/counter.cpp"));
  EXPECT_TRUE(is_scenario_frame(r.stacks[0].frames[1]));
  EXPECT_EQ(r.stacks[0].frames[1].line, 29);
  EXPECT_EQ(r.stacks[0].frames[1].column, 64);
  ASSERT_EQ(r.threads.size(), 3u);
  EXPECT_EQ(r.threads[0].name, "weft-t1");
  EXPECT_EQ(r.threads[1].name, "weft-t2");
  EXPECT_EQ(r.threads[2].name, "weft-t0");
  EXPECT_NE(r.summary.find("data race"), std::string::npos);

  const Finding f = tsan_finding(r);
  EXPECT_EQ(f.kind, FindingKind::kDataRace);
  EXPECT_TRUE(ends_with(f.location.file, "scenarios/counter.cpp"));
  EXPECT_EQ(f.location.line, 29);
  EXPECT_EQ(f.threads, (std::vector<int>{1, 2}));
  ASSERT_EQ(f.sites.size(), 2u);
  EXPECT_EQ(f.sites[0].operation, "var.read");
  EXPECT_EQ(f.sites[0].thread, 1);
  EXPECT_EQ(f.sites[0].location.line, 29);
  EXPECT_EQ(f.sites[1].operation, "var.write");
  EXPECT_EQ(f.sites[1].thread, 2);
  EXPECT_EQ(f.sites[1].location.line, 29);
  EXPECT_EQ(f.operation, "var.read");
  EXPECT_NE(f.message.find("var.read by t1 at"), std::string::npos) << f.message;
  EXPECT_NE(f.trace.find("WARNING: ThreadSanitizer: data race"), std::string::npos);
  // "Location is stack of thread T1." (T1 is weft-t0) is kept as a detail.
  EXPECT_NE(std::find(f.details.begin(), f.details.end(), "Location is stack of thread T1."), f.details.end());
}

TEST(TsanReport, LockOrderInversionWithBothStacksOfEachEdge) {
  const std::vector<TsanReport> reports = parse_tsan_log(read_data("lock_ordering_abba.log"));
  ASSERT_EQ(reports.size(), 2u);  // one per run: weft's mutex destructor resets TSan's lock graph
  for (const TsanReport& r : reports) {
    EXPECT_EQ(r.title, "lock-order-inversion (potential deadlock)");
    const Finding f = tsan_finding(r);
    EXPECT_EQ(f.kind, FindingKind::kLockOrderInversion);
    ASSERT_EQ(f.sites.size(), 4u);
    // t1 holds a (line 20) and takes b (line 21); t2 holds b (line 27) and takes a (line 28).
    EXPECT_EQ(f.sites[0].operation, "mutex.lock");
    EXPECT_EQ(f.sites[0].object, "M1");
    EXPECT_EQ(f.sites[0].thread, 1);
    EXPECT_EQ(f.sites[0].location.line, 21);
    EXPECT_EQ(f.sites[1].object, "M0");
    EXPECT_EQ(f.sites[1].thread, 1);  // "previously acquired by the same thread"
    EXPECT_EQ(f.sites[1].location.line, 20);
    EXPECT_EQ(f.sites[2].object, "M0");
    EXPECT_EQ(f.sites[2].thread, 2);
    EXPECT_EQ(f.sites[2].location.line, 28);
    EXPECT_EQ(f.sites[3].object, "M1");
    EXPECT_EQ(f.sites[3].thread, 2);
    EXPECT_EQ(f.sites[3].location.line, 27);
    for (const FindingSite& s : f.sites) EXPECT_TRUE(ends_with(s.location.file, "scenarios/lock_ordering.cpp"));
    EXPECT_EQ(f.location.line, 21);
    EXPECT_EQ(f.threads, (std::vector<int>{1, 2}));
    EXPECT_EQ(f.details.front().rfind("Cycle in lock order graph: M0 ", 0), 0u) << f.details.front();
  }
}

TEST(TsanReport, PlainProgramRaceAndInversionInOneLog) {
  const std::vector<TsanReport> reports = parse_tsan_log(read_data("plain_program_race_and_inversion.log"));
  ASSERT_EQ(reports.size(), 2u);
  const Finding race = tsan_finding(reports[0]);
  EXPECT_EQ(race.kind, FindingKind::kDataRace);
  EXPECT_EQ(race.location.line, 4);
  EXPECT_TRUE(ends_with(race.location.file, "/tmp/t.cpp"));
  // Unnamed threads (not started by weft) have no weft id; TSan's main thread maps to 0.
  EXPECT_EQ(race.sites[0].thread, -1);
  EXPECT_TRUE(race.threads.empty());
  EXPECT_EQ(race.details.at(0).rfind("Location is global 'x' of size 4 at 0x", 0), 0u) << race.details.at(0);
  const Finding inversion = tsan_finding(reports[1]);
  EXPECT_EQ(inversion.kind, FindingKind::kLockOrderInversion);
  ASSERT_EQ(inversion.sites.size(), 4u);
  // The first std frames are skipped: the acquisition is the lock_guard in main's lambda.
  EXPECT_EQ(inversion.sites[0].location.line, 4);
  EXPECT_EQ(reports[1].stacks[0].frames.size(), 11u);
}

TEST(TsanReport, MisuseReportsMapToApiMisuse) {
  const std::vector<TsanReport> reports = parse_tsan_log(read_data("plain_program_misuse.log"));
  ASSERT_EQ(reports.size(), 2u);
  const Finding unlock = tsan_finding(reports[0]);
  EXPECT_EQ(unlock.kind, FindingKind::kApiMisuse);
  EXPECT_EQ(unlock.location.line, 8);  // the stack right after the title, at main's unlock
  EXPECT_EQ(unlock.message.rfind("unlock of an unlocked mutex", 0), 0u) << unlock.message;
  const Finding leak = tsan_finding(reports[1]);
  EXPECT_EQ(leak.kind, FindingKind::kApiMisuse);
  EXPECT_TRUE(leak.sites.empty());
  EXPECT_EQ(leak.location.line, 7);  // no access stack: the leaked thread's creation site
  EXPECT_EQ(leak.operation, "thread.spawn");
}

TEST(TsanReport, KindsOfTitles) {
  EXPECT_EQ(tsan_kind("data race"), FindingKind::kDataRace);
  EXPECT_EQ(tsan_kind("data race on vptr (ctor/dtor vs virtual call)"), FindingKind::kDataRace);
  EXPECT_EQ(tsan_kind("heap-use-after-free (virtual call vs free)"), FindingKind::kDataRace);
  EXPECT_EQ(tsan_kind("lock-order-inversion (potential deadlock)"), FindingKind::kLockOrderInversion);
  EXPECT_EQ(tsan_kind("double lock of a mutex"), FindingKind::kApiMisuse);
  EXPECT_EQ(tsan_kind("destroy of a locked mutex"), FindingKind::kApiMisuse);
  EXPECT_EQ(tsan_kind("something new"), std::nullopt);
  TsanReport unknown;
  unknown.title = "something new";
  const Finding f = tsan_finding(unknown);
  EXPECT_EQ(f.kind, FindingKind::kApiMisuse);
  EXPECT_EQ(f.message, "unrecognized ThreadSanitizer report: something new");
}

TEST(TsanReport, LinesOutsideReportsAreIgnored) {
  const std::string log =
      "noise\n==================\nnot a report\n==================\n"
      "WARNING: ThreadSanitizer: data race (pid=1)\n"
      "  Write of size 8 at 0x1 by main thread:\n"
      "    #0 f() /src/a.cpp:10:3 (a.out+0x1)\n"
      "\n"
      "  Previous read of size 8 at 0x1 by thread T1:\n"
      "    #0 g(int) /src/b/../a.cpp:20 (a.out+0x2) (BuildId: ab)\n"
      "\n"
      "SUMMARY: ThreadSanitizer: data race /src/a.cpp:10:3 in f()\n"
      "==================\ntrailing\n";
  const std::vector<TsanReport> reports = parse_tsan_log(log);
  ASSERT_EQ(reports.size(), 1u);
  ASSERT_EQ(reports[0].stacks.size(), 2u);
  EXPECT_EQ(reports[0].stacks[1].frames[0].file, "/src/a.cpp");  // lexically normalized
  EXPECT_EQ(reports[0].stacks[1].frames[0].line, 20);
  EXPECT_EQ(reports[0].stacks[1].frames[0].column, 0);
  EXPECT_EQ(reports[0].stacks[1].frames[0].function, "g(int)");
  const Finding f = tsan_finding(reports[0]);
  EXPECT_EQ(f.sites[0].thread, 0);  // a plain program's main thread
  EXPECT_EQ(f.sites[0].operation, "var.write");
  EXPECT_EQ(f.sites[1].thread, -1);
}

// weft-native's whole output: protocol lines around the reports, de-duplication per run.
TEST(NativeOutput, RaceStreamGivesOneFindingAttributedToRunOne) {
  const NativeResult r = parse_native_output(read_data("counter_racy.log"), 3);
  EXPECT_TRUE(r.error.empty()) << r.error;
  EXPECT_EQ(r.runs_completed, 3u);
  ASSERT_EQ(r.findings.size(), 1u);
  EXPECT_EQ(r.findings[0].kind, FindingKind::kDataRace);
  EXPECT_EQ(r.findings[0].execution, 1u);
  EXPECT_EQ(r.findings[0].location.line, 29);
}

TEST(NativeOutput, TwoInversionReportsAreOneFindingSeenInTwoRuns) {
  const NativeResult r = parse_native_output(read_data("lock_ordering_abba.log"), 2);
  EXPECT_TRUE(r.error.empty()) << r.error;
  EXPECT_EQ(r.runs_completed, 2u);
  ASSERT_EQ(r.findings.size(), 1u);
  EXPECT_EQ(r.findings[0].kind, FindingKind::kLockOrderInversion);
  EXPECT_EQ(r.findings[0].details.back(), "first in run 1 of 2; in 2 runs that reported it");
}

TEST(NativeOutput, AssertionFailuresFromTheProtocol) {
  const NativeResult r = parse_native_output(read_data("counter_lost_update_perturb.log"), 12);
  EXPECT_TRUE(r.error.empty()) << r.error;
  EXPECT_EQ(r.runs_completed, 12u);
  ASSERT_EQ(r.findings.size(), 1u);
  const Finding& f = r.findings[0];
  EXPECT_EQ(f.kind, FindingKind::kAssertionFailure);
  EXPECT_TRUE(ends_with(f.location.file, "scenarios/counter.cpp"));
  EXPECT_EQ(f.location.line, 45);
  EXPECT_EQ(f.threads, (std::vector<int>{0}));
  EXPECT_EQ(f.execution, 1u);
  EXPECT_EQ(f.message, "assertion `counter.load() == threads * iterations` failed in t0");
  EXPECT_EQ(f.details.back(), "first in run 1 of 12; in 6 runs that reported it");
}

TEST(NativeOutput, ReportCountMismatchIsAnError) {
  std::string log = read_data("counter_racy.log");
  log += "ThreadSanitizer: reported 2 warnings\n";  // one more than the log holds
  const NativeResult r = parse_native_output(log, 3);
  EXPECT_EQ(r.error, "ThreadSanitizer reported 2 warnings but weft parsed 1");
}

}  // namespace
}  // namespace weft::native
