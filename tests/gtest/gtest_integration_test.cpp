// weft/gtest.hpp end to end: the failure text of a deliberately failing WEFT_TEST (run in a
// subprocess), its replay line, tokens of another test, the environment knobs; the assertion
// macros in process.
#include <gtest/gtest-spi.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <string>

#include "support/cli_run.hpp"
#include "weft/gtest.hpp"
#include "weft/sync.hpp"

namespace {

using weft_test::run_command;

const std::string kSampleSource = std::string(WEFT_SOURCE_DIR) + "/tests/gtest/gtest_sample.cpp";

// "gtest_sample.cpp:<line>" of the line holding `marker` in the sample's source.
std::string sample_line(const std::string& marker) {
  std::ifstream in(kSampleSource);
  std::string line;
  for (int n = 1; std::getline(in, line); ++n) {
    if (line.find(marker) != std::string::npos) return "gtest_sample.cpp:" + std::to_string(n);
  }
  ADD_FAILURE() << marker << " not found in " << kSampleSource;
  return "?";
}

weft_test::CliRun sample(const std::string& filter, const std::string& env = "") {
  return run_command(env + (env.empty() ? "" : " ") + WEFT_GTEST_SAMPLE + " --gtest_filter=" + filter);
}

// The first "  replay: " line's command of the output.
std::string replay_line(const std::string& out) {
  const auto at = out.find("  replay: ");
  if (at == std::string::npos) return {};
  const auto begin = at + 10;
  return out.substr(begin, out.find('\n', begin) - begin);
}

std::string token_of(const std::string& replay) {
  const auto eq = replay.find('=');
  return replay.substr(eq + 1, replay.find(' ') - eq - 1);
}

bool has(const std::string& s, const std::string& needle) { return s.find(needle) != std::string::npos; }

TEST(WeftGtest, PassingTestPasses) {
  const auto r = sample("Sample.Passes");
  EXPECT_EQ(r.code, 0) << r.out << r.err;
  EXPECT_TRUE(has(r.out, "[  PASSED  ] 1 test")) << r.out;
}

TEST(WeftGtest, FailureHoldsFindingTraceAndReplayLine) {
  const auto r = sample("Sample.OppositeOrders");
  EXPECT_EQ(r.code, 1) << r.out << r.err;
  EXPECT_TRUE(has(r.out, "strategy dpor")) << r.out;  // the CLI's default search
  EXPECT_TRUE(has(r.out, ": deadlock: ")) << r.out;
  EXPECT_TRUE(has(r.out, ": lock_order_inversion: ")) << r.out;
  EXPECT_TRUE(has(r.out, "  threads: t0, t1\n")) << r.out;
  // The deadlock is detected at one of the two second acquisitions.
  EXPECT_TRUE(has(r.out, sample_line("sample-a-second")) || has(r.out, sample_line("sample-main-first"))) << r.out;
  EXPECT_TRUE(has(r.out, "  trace:\n")) << r.out;
  const std::string replay = replay_line(r.out);
  EXPECT_EQ(replay.rfind("WEFT_REPLAY=w1.", 0), 0u) << r.out;
  EXPECT_TRUE(has(replay, std::string(" ") + WEFT_GTEST_SAMPLE + " --gtest_filter=Sample.OppositeOrders")) << replay;
}

TEST(WeftGtest, ReplayLineReproducesTheFinding) {
  const auto first = sample("Sample.LostUpdate");
  ASSERT_EQ(first.code, 1) << first.out;
  const std::string replay = replay_line(first.out);
  ASSERT_FALSE(replay.empty()) << first.out;
  const auto again = run_command(replay);
  EXPECT_EQ(again.code, 1) << again.out << again.err;
  EXPECT_TRUE(has(again.out, "after 1 execution (strategy replay")) << again.out;
  EXPECT_TRUE(has(again.out, "finding 1: assertion_failure: ")) << again.out;
  EXPECT_TRUE(has(again.out, sample_line("sample-assert"))) << again.out;
  EXPECT_FALSE(has(again.out, "diverged")) << again.out;
  EXPECT_EQ(replay_line(again.out), replay);  // the same token again
}

TEST(WeftGtest, TokenOfAnotherTestIsAClearError) {
  const auto first = sample("Sample.LostUpdate");
  const std::string token = token_of(replay_line(first.out));
  ASSERT_FALSE(token.empty()) << first.out;
  const auto r = sample("Sample.Passes", "WEFT_REPLAY=" + token);
  EXPECT_EQ(r.code, 1) << r.out;
  EXPECT_TRUE(has(r.out, "weft: the schedule token was recorded for another test or scenario, not gtest:Sample.Passes"))
      << r.out;
  const auto garbage = sample("Sample.Passes", "WEFT_REPLAY=w1.nonsense");
  EXPECT_EQ(garbage.code, 1) << garbage.out;
  EXPECT_TRUE(has(garbage.out, "weft: WEFT_REPLAY: ")) << garbage.out;
}

TEST(WeftGtest, StrategyKnobOverridesTheDefault) {
  const auto dfs = sample("Sample.LostUpdate", "WEFT_STRATEGY=dfs");
  EXPECT_EQ(dfs.code, 1) << dfs.out;
  EXPECT_TRUE(has(dfs.out, "(strategy dfs)")) << dfs.out;
  const auto random = sample("Sample.Passes", "WEFT_STRATEGY=random WEFT_SEED=7 WEFT_MAX_EXECUTIONS=5");
  EXPECT_EQ(random.code, 0) << random.out;
}

TEST(WeftGtest, BadKnobIsATestFailureWithOneLine) {
  for (const std::string env :
       {"WEFT_MAX_EXECUTIONS=abc", "WEFT_STRATEGY=bogus", "WEFT_SEED=-1", "WEFT_PREEMPTION_BOUND=x", "WEFT_TRACE=maybe",
        "WEFT_BREAK_STEP=0", "WEFT_MAX_SECONDS=-5", "WEFT_MAX_SECONDS=1s"}) {
    const auto r = sample("Sample.Passes", env);
    EXPECT_EQ(r.code, 1) << env << "\n" << r.out;
    const std::string name = env.substr(0, env.find('='));
    EXPECT_TRUE(has(r.out, "weft: " + name + "='" + env.substr(env.find('=') + 1) + "': ")) << env << "\n" << r.out;
  }
}

// In process: the macros and the knobs' parsing.
weft::Result racy() {
  return weft::explore([] {
    weft::var<int> n(0);
    weft::thread a([&] { n.store(1); });
    n.store(2);
    a.join();
  });
}

TEST(WeftGtestMacros, ExpectNoFindingsPassesOnACleanResult) {
  const weft::Result r = weft::explore([] {
    weft::atomic<int> n(0);
    weft::thread a([&] { n.fetch_add(1); });
    n.fetch_add(1);
    a.join();
    WEFT_ASSERT(n.load() == 2);
  });
  WEFT_EXPECT_NO_FINDINGS(r);
  WEFT_ASSERT_NO_FINDINGS(r);
  EXPECT_EQ(r.strategy, "dpor");
}

TEST(WeftGtestMacros, ExpectNoFindingsFailsWithTheFinding) {
  EXPECT_NONFATAL_FAILURE(WEFT_EXPECT_NO_FINDINGS(racy()), "racy() has findings");
  EXPECT_NONFATAL_FAILURE(WEFT_EXPECT_NO_FINDINGS(racy()), "finding 1: data_race: ");
  EXPECT_NONFATAL_FAILURE(WEFT_EXPECT_NO_FINDINGS(racy()), "  threads: t0, t1\n");
  EXPECT_NONFATAL_FAILURE(WEFT_EXPECT_NO_FINDINGS(racy()),
                          "--gtest_filter=WeftGtestMacros.ExpectNoFindingsFailsWithTheFinding");
  EXPECT_FATAL_FAILURE(WEFT_ASSERT_NO_FINDINGS(racy()), "data_race");
}

WEFT_TEST(WeftGtestMacros, WeftTestExploresItsBody) {
  weft::mutex m;
  weft::var<int> n(0);
  weft::thread a([&] {
    weft::lock_guard<weft::mutex> g(m);
    n.store(n.load() + 1);
  });
  {
    weft::lock_guard<weft::mutex> g(m);
    n.store(n.load() + 1);
  }
  a.join();
  WEFT_ASSERT(n.load() == 2);
}

TEST(WeftGtestMacros, IdentityIsTheTestName) {
  EXPECT_EQ(weft::gtest::current_test_identity(), "gtest:WeftGtestMacros.IdentityIsTheTestName");
  weft::Options o;
  o.identity = weft::gtest::current_test_identity();
  const weft::Result r = weft::explore(
      [] {
        weft::var<int> n(0);
        weft::thread a([&] { n.store(1); });
        n.store(2);
        a.join();
      },
      o);
  ASSERT_FALSE(r.findings.empty());
  const auto parsed = weft::decode_schedule(r.findings[0].schedule);
  ASSERT_TRUE(parsed.schedule.has_value()) << parsed.error;
  EXPECT_EQ(parsed.schedule->scenario, weft::scenario_hash("gtest:WeftGtestMacros.IdentityIsTheTestName"));
  // Replayed as an anonymous body or as another test: rejected, not a divergence.
  EXPECT_THROW(weft::replay([] {}, *parsed.schedule), std::invalid_argument);
}

TEST(WeftGtestKnobs, EnvironmentOverridesOptions) {
  ::setenv("WEFT_STRATEGY", "pct", 1);
  ::setenv("WEFT_MAX_EXECUTIONS", "12", 1);
  ::setenv("WEFT_PREEMPTION_BOUND", "2", 1);
  ::setenv("WEFT_SEED", "99", 1);
  ::setenv("WEFT_TRACE", "0", 1);
  ::setenv("WEFT_BREAK_STEP", "5", 1);
  const weft::Options o = weft::options_from_env(weft::Options{});
  EXPECT_EQ(o.strategy, weft::StrategyKind::kPct);
  EXPECT_EQ(o.max_executions, 12u);
  EXPECT_EQ(o.preemption_bound, 2);
  EXPECT_EQ(o.seed, 99u);
  EXPECT_FALSE(o.trace);
  EXPECT_EQ(o.break_step, 5u);
  weft::Options fixed;
  fixed.from_env = false;
  EXPECT_EQ(weft::options_from_env(fixed).strategy, weft::StrategyKind::kDefault);
  for (const char* n :
       {"WEFT_STRATEGY", "WEFT_MAX_EXECUTIONS", "WEFT_PREEMPTION_BOUND", "WEFT_SEED", "WEFT_TRACE", "WEFT_BREAK_STEP"})
    ::unsetenv(n);
  EXPECT_EQ(weft::options_from_env(weft::Options{}).strategy, weft::StrategyKind::kDefault);
}

// WEFT_MAX_SECONDS bounds a search that would run for hours (4 threads x 3 increments: 27,109,656
// DFS executions): the result is bounded by max_seconds, not complete (no timing assertion).
TEST(WeftGtestKnobs, MaxSecondsBoundsTheSearch) {
  ::setenv("WEFT_MAX_SECONDS", "0.2", 1);
  ::setenv("WEFT_STRATEGY", "dfs", 1);
  EXPECT_EQ(weft::options_from_env(weft::Options{}).max_seconds, 0.2);
  const weft::Result r = weft::explore([] {
    weft::atomic<int> n(0);
    auto inc = [&] {
      for (int i = 0; i < 3; ++i) n.fetch_add(1);
    };
    weft::thread a(inc), b(inc), c(inc);
    inc();
    a.join();
    b.join();
    c.join();
  });
  ::unsetenv("WEFT_MAX_SECONDS");
  ::unsetenv("WEFT_STRATEGY");
  EXPECT_FALSE(r.complete);
  EXPECT_EQ(r.bounded_by, "max_seconds");
  EXPECT_TRUE(r.findings.empty());
  EXPECT_LT(r.executions, 27109656u);
}

TEST(WeftGtestKnobs, DefaultSearchIsTheClis) {
  const auto body = [] {
    weft::var<int> n(0);
    weft::thread a([&] { n.store(1); });
    a.join();
  };
  EXPECT_EQ(weft::explore(body).strategy, "dpor");
  weft::Options bounded;
  bounded.preemption_bound = 1;
  EXPECT_EQ(weft::explore(body, bounded).strategy, "dfs");  // DPOR has no bound: DFS bounds
  weft::Options fair;
  fair.fair = true;
  EXPECT_EQ(weft::explore(body, fair).strategy, "dfs");  // DPOR has no fair mode
}

}  // namespace
