// weft's gdb commands (tools/gdb/weft.py) in batch mode: the failing sample test replayed under
// gdb with WEFT_BREAK_STEP stops in weft_break_here; `weft threads` lists both simulated
// threads and unwinds the suspended one from its saved fiber context into the test's source.
#include <gtest/gtest.h>

#include <fstream>
#include <regex>
#include <string>

#include "support/cli_run.hpp"

namespace {

using weft_test::run_command;

bool has(const std::string& s, const std::string& needle) { return s.find(needle) != std::string::npos; }

int line_of(const std::string& marker) {
  std::ifstream in(std::string(WEFT_SOURCE_DIR) + "/tests/gtest/gtest_sample.cpp");
  std::string line;
  for (int n = 1; std::getline(in, line); ++n) {
    if (has(line, marker)) return n;
  }
  return -1;
}

TEST(WeftGdb, ThreadsCommandListsAndUnwindsSimulatedThreads) {
  if (run_command("gdb --version").code != 0) GTEST_SKIP() << "gdb is not installed";
  const auto failing = run_command(std::string(WEFT_GTEST_SAMPLE) + " --gtest_filter=Sample.OppositeOrders");
  ASSERT_EQ(failing.code, 1) << failing.out;
  // The deadlock finding's step and token.
  std::smatch m;
  const std::regex finding(R"(finding \d+: deadlock: [^\n]*\n(?:  [^\n]*\n)*?  at: [^\n]*, step (\d+) of execution)"
                           R"([^\n]*\n(?:  [^\n]*\n)*?  replay: WEFT_REPLAY=(\S+) )");
  ASSERT_TRUE(std::regex_search(failing.out, m, finding)) << failing.out;
  const std::string step = m[1];
  const std::string token = m[2];

  const std::string script = std::string(WEFT_SOURCE_DIR) + "/tools/gdb/weft.py";
  const auto r = run_command("WEFT_REPLAY=" + token + " WEFT_BREAK_STEP=" + step +
                             " gdb -nx -batch -ex 'set debuginfod enabled off' -ex 'source " + script +
                             "' -ex 'break weft_break_here' -ex run -ex 'weft threads 40' --args " + WEFT_GTEST_SAMPLE +
                             " --gtest_filter=Sample.OppositeOrders");
  if (has(r.err, "ptrace: Operation not permitted")) GTEST_SKIP() << "ptrace is not permitted here: " << r.err;
  ASSERT_TRUE(has(r.out, "weft_break_here")) << r.out << r.err;
  EXPECT_TRUE(has(r.out, "weft: 2 simulated threads")) << r.out << r.err;
  // One thread runs (it reached the step), the other is suspended at its pending lock.
  const std::regex running(R"(\nt([01]) running pending kLock at [^\n]*gtest_sample\.cpp:\d+\n)");
  const std::regex suspended(R"(\nt([01]) suspended pending kLock at [^\n]*gtest_sample\.cpp:(\d+)\n)");
  std::smatch run_m, susp_m;
  ASSERT_TRUE(std::regex_search(r.out, run_m, running)) << r.out;
  ASSERT_TRUE(std::regex_search(r.out, susp_m, suspended)) << r.out;
  EXPECT_NE(run_m[1], susp_m[1]);
  const int lock_line = std::stoi(susp_m[2]);
  EXPECT_TRUE(lock_line == line_of("sample-a-second") || lock_line == line_of("sample-main-first")) << lock_line;
  // The suspended thread's backtrace, unwound from its fiber context, reaches that source line.
  const std::string header = "--- t" + std::string(susp_m[1]) + " (suspended) ---\n";
  const auto at = r.out.find(header);
  ASSERT_NE(at, std::string::npos) << r.out;
  const std::string bt = r.out.substr(at, r.out.find("--- t", at + header.size()) - at);
  EXPECT_TRUE(has(bt, "gtest_sample.cpp:" + std::to_string(lock_line))) << bt;
  EXPECT_TRUE(has(bt, "#0 ")) << bt;
}

}  // namespace
