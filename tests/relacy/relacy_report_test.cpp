// Relacy report parsing: captured reports (tests/relacy/data) become the expected weft findings.
//
// The data files are Relacy's raw output (`weft-relacy run <scenario> --raw`, or
// `weft_relacy_probes run relacy-probe/<name> --raw`), kept verbatim: file paths, addresses,
// iterations and Relacy's thread indices are what Relacy printed when they were captured.
#include "relacy/relacy_report.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>

namespace weft::relacy {
namespace {

std::string read_data(const std::string& name) {
  std::ifstream in(std::string(WEFT_RELACY_DATA) + "/" + name);
  EXPECT_TRUE(in.good()) << name;
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

Report parse_data(const std::string& name) {
  const ReportParse p = parse_report(read_data(name));
  EXPECT_TRUE(p.report.has_value()) << name << ": " << p.error;
  return p.report.value_or(Report{});
}

std::string file_of(SourceLoc loc) { return loc.file; }

constexpr const char* kCounter = "/work/main/scenarios/counter.cpp";
constexpr const char* kMemoryOrder = "/work/main/scenarios/memory_order.cpp";
constexpr const char* kProbes = "/work/main/tests/relacy/relacy_probes.cpp";

TEST(RelacyThreads, DynamicThreadsAreNumberedFromTheEnd) {
  // Suite with 3 dynamic threads: Relacy indices 3, 2, 1 are weft's t1, t2, t3; 0 stays 0.
  EXPECT_EQ(weft_thread(0, 3), 0);
  EXPECT_EQ(weft_thread(3, 3), 1);
  EXPECT_EQ(weft_thread(2, 3), 2);
  EXPECT_EQ(weft_thread(1, 3), 3);
}

TEST(RelacyReport, SuccessGivesTheIterationCount) {
  const Report r = parse_data("success.txt");  // counter/atomic, full search
  EXPECT_FALSE(r.failed);
  EXPECT_EQ(r.iteration, 34u);
  EXPECT_FALSE(finding_kind(r).has_value());
}

TEST(RelacyReport, HistoryLinesSplitIntoEventFunctionFileLine) {
  const Report r = parse_data("data_race.txt");
  ASSERT_EQ(r.history.size(), 13u);
  const HistoryEvent& e = r.history[11];
  EXPECT_EQ(e.index, 11u);
  EXPECT_EQ(e.thread, 1);
  EXPECT_EQ(e.event, "<0x557c2962ccb0> load, value=0");
  EXPECT_EQ(e.function, "var.read");
  EXPECT_EQ(e.file, kCounter);
  EXPECT_EQ(e.line, 29);
  EXPECT_EQ(r.history[0].file, "/usr/include/relacy/context.hpp");
  EXPECT_EQ(r.history[0].event, "[CTOR BEGIN]");
}

// counter/racy: Relacy's thread 1 (weft t2) reads the counter that thread 2 (weft t1) wrote.
TEST(RelacyReport, DataRaceHasBothAccesses) {
  const Report r = parse_data("data_race.txt");
  ASSERT_TRUE(r.failed);
  EXPECT_EQ(r.result, "DATA RACE");
  EXPECT_EQ(r.detail, "data race detected");
  EXPECT_EQ(finding_kind(r), FindingKind::kDataRace);
  const Finding f = to_finding(r, 2);
  EXPECT_EQ(f.kind, FindingKind::kDataRace);
  EXPECT_EQ(file_of(f.location), kCounter);
  EXPECT_EQ(f.location.line, 29);
  EXPECT_EQ(f.operation, "var.read");
  EXPECT_EQ(f.threads, (std::vector<int>{2, 1}));
  EXPECT_EQ(f.step, 12u);
  EXPECT_EQ(f.execution, 1u);
  ASSERT_EQ(f.sites.size(), 2u);
  EXPECT_EQ(f.sites[0].thread, 1);
  EXPECT_EQ(f.sites[0].operation, "var.write");
  EXPECT_EQ(f.sites[0].location.line, 29);
  EXPECT_EQ(f.sites[0].step, 8u);
  EXPECT_EQ(f.sites[1].thread, 2);
  EXPECT_EQ(f.sites[1].operation, "var.read");
  EXPECT_EQ(f.sites[1].step, 11u);
  EXPECT_NE(f.message.find("t2 var.read"), std::string::npos) << f.message;
  EXPECT_NE(f.message.find("t1 var.write"), std::string::npos) << f.message;
  EXPECT_TRUE(f.schedule.empty());
}

// relacy-probe/write-race: the race is detected at a write; the other side is the earlier write.
TEST(RelacyReport, DataRaceDetectedAtAWrite) {
  const Report r = parse_data("data_race_write.txt");
  const Finding f = to_finding(r, 2);
  EXPECT_EQ(f.kind, FindingKind::kDataRace);
  EXPECT_EQ(file_of(f.location), kProbes);
  EXPECT_EQ(f.location.line, 68);  // [probe:write-b]
  EXPECT_EQ(f.operation, "var.write");
  EXPECT_EQ(f.threads, (std::vector<int>{2, 1}));
  ASSERT_EQ(f.sites.size(), 2u);
  EXPECT_EQ(f.sites[0].thread, 1);
  EXPECT_EQ(f.sites[0].location.line, 67);  // [probe:write-a]
  EXPECT_EQ(f.sites[0].step, 5u);
}

// counter/lost-update: the final check on the main thread, at iteration 11.
TEST(RelacyReport, AssertionFailure) {
  const Report r = parse_data("assertion.txt");
  EXPECT_EQ(r.result, "USER ASSERT FAILED");
  EXPECT_EQ(r.detail, "assertion: counter.load() == threads * iterations");
  EXPECT_EQ(r.iteration, 11u);
  const Finding f = to_finding(r, 2);
  EXPECT_EQ(f.kind, FindingKind::kAssertionFailure);
  EXPECT_EQ(file_of(f.location), kCounter);
  EXPECT_EQ(f.location.line, 45);
  EXPECT_EQ(f.operation, "assert");
  EXPECT_EQ(f.threads, (std::vector<int>{0}));
  EXPECT_EQ(f.step, 18u);
  EXPECT_EQ(f.execution, 11u);
  EXPECT_EQ(f.message, "assertion `counter.load() == threads * iterations` failed in t0");
}

// memory-order/dekker-release-acquire: t1 reads t2's flag as 0 although t2 stored 1 ("[NOT
// CURRENT]"): both threads enter and the second sees the first inside.
TEST(RelacyReport, StoreBufferingAssertionKeepsTheStaleReadInTheTrace) {
  const Finding f = to_finding(parse_data("store_buffering.txt"), 2);
  EXPECT_EQ(f.kind, FindingKind::kAssertionFailure);
  EXPECT_EQ(file_of(f.location), kMemoryOrder);
  EXPECT_EQ(f.location.line, 83);
  EXPECT_EQ(f.threads, (std::vector<int>{2}));
  EXPECT_EQ(f.execution, 108u);
  EXPECT_NE(f.trace.find("[12] t2: <0x55a64f164f80> atomic load, value=0 [NOT CURRENT], order=acquire"),
            std::string::npos)
      << f.trace;
}

// relacy-probe/deadlock: t1 holds a and waits for b, t2 holds b and waits for a, t0 joins.
TEST(RelacyReport, DeadlockListsEveryBlockedThread) {
  const Report r = parse_data("deadlock.txt");
  EXPECT_EQ(r.result, "DEADLOCK");
  EXPECT_EQ(r.iteration, 38u);
  const Finding f = to_finding(r, 2);
  EXPECT_EQ(f.kind, FindingKind::kDeadlock);
  EXPECT_EQ(file_of(f.location), kProbes);
  EXPECT_EQ(f.location.line, 41);  // [probe:t2-second], where the last thread blocked
  EXPECT_EQ(f.threads, (std::vector<int>{0, 1, 2}));
  ASSERT_EQ(f.sites.size(), 3u);
  EXPECT_EQ(f.sites[0].thread, 0);
  EXPECT_EQ(f.sites[0].operation, "thread.join");
  EXPECT_EQ(f.sites[0].location.line, 43);
  EXPECT_EQ(f.sites[1].thread, 1);
  EXPECT_EQ(f.sites[1].operation, "mutex.lock");
  EXPECT_EQ(f.sites[1].location.line, 37);  // [probe:t1-second]
  EXPECT_EQ(f.sites[2].thread, 2);
  EXPECT_EQ(f.sites[2].location.line, 41);  // [probe:t2-second]
  EXPECT_NE(f.message.find("t1 in mutex.lock at"), std::string::npos) << f.message;
}

// relacy-probe/livelock (--max-steps 30): the failure line is in Relacy's scheduler; the
// finding points at the spinning thread's last scenario line.
TEST(RelacyReport, LivelockPointsAtTheSpin) {
  const Report r = parse_data("livelock.txt");
  EXPECT_EQ(r.result, "LIVELOCK");
  const Finding f = to_finding(r, 1);
  EXPECT_EQ(f.kind, FindingKind::kLivelock);
  EXPECT_EQ(file_of(f.location), kProbes);
  EXPECT_EQ(f.location.line, 20);  // [probe:spin]
  EXPECT_EQ(f.operation, "yield");
  EXPECT_EQ(f.threads, (std::vector<int>{1}));
  EXPECT_EQ(f.step, 36u);
}

// relacy-probe/leak (--track-heap): the leaked block's allocation event gives the location.
TEST(RelacyReport, MemoryLeakPointsAtTheAllocation) {
  const Report r = parse_data("memory_leak.txt");
  EXPECT_EQ(r.result, "MEMORY LEAK");
  ASSERT_EQ(r.leaked.size(), 1u);
  EXPECT_EQ(r.leaked[0], "0x561f7b632580");
  const Finding f = to_finding(r, 0);
  EXPECT_EQ(f.kind, FindingKind::kMemoryLeak);
  EXPECT_EQ(file_of(f.location), kProbes);
  EXPECT_EQ(f.location.line, 27);  // [probe:leak]
  EXPECT_EQ(f.operation, "new");
  EXPECT_EQ(f.threads, (std::vector<int>{0}));
  EXPECT_NE(f.message.find("1 block never freed"), std::string::npos) << f.message;
}

TEST(RelacyReport, UncaughtException) {
  const Finding f = to_finding(parse_data("uncaught_exception.txt"), 1);
  EXPECT_EQ(f.kind, FindingKind::kUncaughtException);
  EXPECT_EQ(file_of(f.location), kProbes);
  EXPECT_EQ(f.location.line, 48);  // [probe:throw], where the thread was spawned
  EXPECT_EQ(f.threads, (std::vector<int>{1}));
  EXPECT_EQ(f.message, "exception escaped thread t1: boom");
}

TEST(RelacyReport, ApiMisuseFromTheFacade) {
  const Finding f = to_finding(parse_data("api_misuse_unjoined.txt"), 1);
  EXPECT_EQ(f.kind, FindingKind::kApiMisuse);
  EXPECT_EQ(f.location.line, 55);  // [probe:unjoined]
  EXPECT_EQ(f.operation, "thread.destroy");
  EXPECT_EQ(f.message, "thread destroyed while joinable (join or detach it) (t0)");
}

TEST(RelacyReport, ApiMisuseFromRelacy) {
  const Report r = parse_data("api_misuse_unlock.txt");
  EXPECT_EQ(r.result, "UNLOCKING MUTEX W/O OWNERSHIP");
  EXPECT_TRUE(r.detail.empty());
  const Finding f = to_finding(r, 0);
  EXPECT_EQ(f.kind, FindingKind::kApiMisuse);
  EXPECT_EQ(f.location.line, 61);  // [probe:bad-unlock]
  EXPECT_EQ(f.operation, "mutex.unlock");
  EXPECT_EQ(f.message, "UNLOCKING MUTEX W/O OWNERSHIP in t0");
}

// The trace is the history with weft's thread ids; a long one keeps its head and tail.
TEST(RelacyReport, TraceTranslatesThreadIdsAndElidesLongHistories) {
  const Finding race = to_finding(parse_data("data_race.txt"), 2);
  EXPECT_NE(race.trace.find("[11] t2: <0x557c2962ccb0> load, value=0, in var.read"), std::string::npos) << race.trace;
  EXPECT_NE(race.trace.find("[8] t1: <0x557c2962ccb0> store, value=2"), std::string::npos) << race.trace;

  std::string text = "T\nLIVELOCK (livelock)\niteration: 1\n\nexecution history (1000):\n";
  for (int i = 0; i < 999; ++i) text += "[" + std::to_string(i) + "] 1: yield(1), in yield, /s/a.cpp(7)\n";
  text += "[999] 1: LIVELOCK (livelock), in sched, /usr/include/relacy/context.hpp(562)\n\n";
  const ReportParse p = parse_report(text);
  ASSERT_TRUE(p.report) << p.error;
  const Finding f = to_finding(*p.report, 1);
  EXPECT_NE(f.trace.find("... 760 history lines omitted ..."), std::string::npos);
  EXPECT_NE(f.trace.find("[39] t1: yield(1)"), std::string::npos);
  EXPECT_EQ(f.trace.find("[40] t1: yield(1)"), std::string::npos);
  EXPECT_NE(f.trace.find("[800] t1: yield(1)"), std::string::npos);
  EXPECT_EQ(f.location.line, 7);
}

TEST(RelacyReport, MalformedInputIsAnErrorNotAFinding) {
  EXPECT_FALSE(parse_report("").report);
  EXPECT_EQ(parse_report("").error, "the Relacy report is empty or truncated");
  EXPECT_EQ(parse_report("T\nSOMETHING ELSE\n").error, "unrecognized Relacy result line 'SOMETHING ELSE'");
  EXPECT_EQ(parse_report("T\nDATA RACE (data race detected)\n").error,
            "the Relacy report has no 'iteration:' line after its result");
  EXPECT_EQ(parse_report("T\nDEADLOCK (deadlock detected)\niteration: 3\n\n").error,
            "the Relacy report has no execution history");
  EXPECT_EQ(parse_report("T\nDEADLOCK (deadlock detected)\niteration: 3\n\nexecution history (1):\ngarbage\n").error,
            "malformed Relacy history line 'garbage'");
  EXPECT_EQ(parse_report("T\niterations: x\n").error, "malformed Relacy summary line 'iterations: x'");
}

TEST(RelacyReport, RelacyInternalsAndRunnerFailuresAreNotFindings) {
  Report r;
  r.failed = true;
  r.result = "INCONSISTENT TEST SUITE";
  EXPECT_FALSE(finding_kind(r).has_value());
  r.result = "USER ASSERT FAILED";
  r.detail = "weft thread_capacity: more threads than the suite has";
  EXPECT_FALSE(finding_kind(r).has_value());
  r.detail = "assertion: x";
  EXPECT_EQ(finding_kind(r), FindingKind::kAssertionFailure);
  r.result = "USER INVARIANT FAILED";
  EXPECT_EQ(finding_kind(r), FindingKind::kAssertionFailure);
  r.result = "RESOURCE LEAK";
  EXPECT_EQ(finding_kind(r), FindingKind::kMemoryLeak);
  r.result = "DOUBLE FREE";
  EXPECT_EQ(finding_kind(r), FindingKind::kApiMisuse);
}

TEST(RelacyReport, InternedFilesAreStable) {
  const char* a = intern_file("/x/y.cpp");
  const char* b = intern_file(std::string("/x/") + "y.cpp");
  EXPECT_EQ(a, b);
  EXPECT_STREQ(a, "/x/y.cpp");
}

}  // namespace
}  // namespace weft::relacy
