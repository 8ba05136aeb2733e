// The priority options of `weft explore` through the binary: --policy, --cpus, --max-blocking,
// the appended --json fields (policy, cpus, max_blocking), tokens that carry the policy, errors.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <string>

#include "support/cli_run.hpp"

namespace {

using weft_test::CliRun;
using weft_test::expect_one_line_error;

CliRun weft(const std::string& args) { return weft_test::run_weft(args); }

TEST(PriorityCli, UnboundedInversionIsAFindingWithThePolicyInTheJson) {
  const CliRun r = weft("explore priority-inversion/unbounded --json");
  ASSERT_EQ(r.code, 1) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["policy"], "priority");  // the scenario's default
  EXPECT_EQ(j["cpus"], 1);
  ASSERT_EQ(j["findings"].size(), 1u);
  EXPECT_EQ(j["findings"][0]["kind"], "priority_inversion");
  EXPECT_EQ(j["findings"][0]["threads"], nlohmann::json::array({3, 1, 2}));
  EXPECT_EQ(j["max_blocking"]["time_ns"], 24000000);
  EXPECT_EQ(j["max_blocking"]["time"], "24 ms");
  EXPECT_EQ(j["max_blocking"]["thread"], 3);
  EXPECT_EQ(j["max_blocking"]["holder"], 1);
  // The finding's token carries the policy: replaying it gives the same finding.
  const CliRun again =
      weft("replay priority-inversion/unbounded " + j["findings"][0]["schedule"].get<std::string>() + " --json");
  ASSERT_EQ(again.code, 1) << again.err;
  const auto k = nlohmann::json::parse(again.out);
  EXPECT_TRUE(k["divergence"].is_null()) << k["divergence"];
  EXPECT_EQ(k["policy"], "priority");
  EXPECT_EQ(k["findings"][0]["kind"], "priority_inversion");
  EXPECT_EQ(k["findings"][0]["step"], j["findings"][0]["step"]);
}

TEST(PriorityCli, InheritIsCleanAndShowsItsWorstBlocking) {
  const CliRun r = weft("explore priority-inversion/inherit --json");
  ASSERT_EQ(r.code, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["complete"], true);
  EXPECT_EQ(j["max_blocking"]["time_ns"], 4000000);
  // The worst case's token replays that execution (no finding expected).
  const CliRun again = weft("replay priority-inversion/inherit " + j["max_blocking"]["schedule"].get<std::string>());
  EXPECT_EQ(again.code, 0) << again.err << again.out;
  // Text: the worst case is in the summary.
  const CliRun text = weft("explore priority-inversion/inherit");
  EXPECT_NE(text.out.find("worst priority inversion: lower-priority threads ran 4 ms while t3 (H) waited 4 ms"),
            std::string::npos)
      << text.out;
}

TEST(PriorityCli, MaxBlockingTurnsTheBoundedWaitIntoAFinding) {
  const CliRun r = weft("explore priority-inversion/inherit --max-blocking 3ms --json");
  ASSERT_EQ(r.code, 1) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  ASSERT_EQ(j["findings"].size(), 1u);
  EXPECT_EQ(j["findings"][0]["kind"], "priority_inversion");
  const CliRun again = weft("replay priority-inversion/inherit " + j["findings"][0]["schedule"].get<std::string>());
  EXPECT_EQ(again.code, 1) << again.err << again.out;
  EXPECT_NE(again.out.find("same finding at the same step"), std::string::npos) << again.out;
  EXPECT_EQ(weft("explore priority-inversion/inherit --max-blocking 4ms").code, 0);
  EXPECT_EQ(weft("explore priority-inversion/inherit --max-blocking 4.5ms").code, 0);
}

TEST(PriorityCli, DefaultPolicyFieldsOnOtherScenarios) {
  const CliRun r = weft("explore counter/atomic --json");
  ASSERT_EQ(r.code, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["policy"], "any");
  EXPECT_TRUE(j["cpus"].is_null());
  EXPECT_TRUE(j["max_blocking"].is_null());
}

TEST(PriorityCli, TwoCpusLetLRunBesideM) {
  const CliRun r = weft("explore priority-inversion/unbounded --cpus 2 --json");
  ASSERT_EQ(r.code, 0) << r.err << r.out;
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["cpus"], 2);
  EXPECT_EQ(j["max_blocking"]["time_ns"], 4000000);
}

TEST(PriorityCli, BadPriorityOptionsAreUsageErrors) {
  expect_one_line_error(weft("explore priority-inversion/inherit --max-blocking 3"), "--max-blocking");
  expect_one_line_error(weft("explore priority-inversion/inherit --max-blocking fast"), "--max-blocking");
  expect_one_line_error(weft("explore counter/atomic --cpus 2"), "--cpus applies to the priority policy");
  expect_one_line_error(weft("explore counter/atomic --max-blocking 1ms"),
                        "--max-blocking applies to the priority policy");
  expect_one_line_error(weft("explore priority-inversion/inherit --cpus 0"), "--cpus");
  expect_one_line_error(weft("explore priority-inversion/inherit --policy fifo"), "--policy");
}

}  // namespace
