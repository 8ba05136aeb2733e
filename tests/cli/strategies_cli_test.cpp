// `weft explore --strategy dfs|dpor|random|pct` through the binary: defaults, counts, seeds, tokens, bad combinations.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

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

// DPOR is the default exhaustive search: 1680 executions for 3 threads x 3 fetch_adds (one per
// trace, see tests/model/dpor_test.cpp); --strategy dfs still runs every interleaving (25,424).
TEST(StrategiesCli, DporIsTheDefaultAndDfsStaysAvailable) {
  const CliRun d = weft("explore counter/atomic --set threads=3 --set iterations=3 --json");
  ASSERT_EQ(d.code, 0) << d.err;
  const auto j = nlohmann::json::parse(d.out);
  EXPECT_EQ(j["strategy"], "dpor");
  EXPECT_EQ(j["executions"], 1680);
  EXPECT_EQ(j["complete"], true);
  EXPECT_EQ(j["redundant_executions"], 0);
  const CliRun f = weft("explore counter/atomic --set threads=3 --set iterations=3 --strategy dfs --json");
  ASSERT_EQ(f.code, 0) << f.err;
  const auto k = nlohmann::json::parse(f.out);
  EXPECT_EQ(k["strategy"], "dfs");
  EXPECT_EQ(k["executions"], 25424);
  EXPECT_EQ(k["complete"], true);
}

// A preemption bound (given, or the fair mode) keeps the default on DFS.
TEST(StrategiesCli, BoundOrFairModeDefaultsToDfs) {
  const CliRun r = weft("explore counter/atomic --preemption-bound 1 --json");
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(nlohmann::json::parse(r.out)["strategy"], "dfs");
  const CliRun f = weft("explore counter/atomic --fair --json");
  ASSERT_EQ(f.code, 0) << f.err;
  EXPECT_EQ(nlohmann::json::parse(f.out)["strategy"], "dfs");
}

TEST(StrategiesCli, PctPrintsSeedAndAReplayableToken) {
  const CliRun r = weft("explore counter/lost-update --strategy pct --depth 2 --seed 9 --json");
  ASSERT_EQ(r.code, 1) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["strategy"], "pct");
  EXPECT_EQ(j["seed"], 9);
  EXPECT_EQ(j["complete"], false);
  ASSERT_FALSE(j["findings"].empty());
  const std::string token = j["findings"][0]["schedule"];
  const CliRun again = weft("replay counter/lost-update " + token + " --json");
  EXPECT_EQ(again.code, 1) << again.err;
  EXPECT_TRUE(nlohmann::json::parse(again.out)["divergence"].is_null());
  const CliRun text = weft("explore counter/lost-update --strategy pct --seed 9 --no-trace");
  EXPECT_NE(text.out.find("strategy pct (seed 9)"), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("replay:   weft replay counter/lost-update w1."), std::string::npos) << text.out;
}

TEST(StrategiesCli, BadCombinationsAreOneLineAndExitTwo) {
  expect_one_line_error(weft("explore counter/racy --depth 2"), "--depth applies to --strategy pct");
  expect_one_line_error(weft("explore counter/racy --strategy dpor --depth 2"), "--depth applies to --strategy pct");
  expect_one_line_error(weft("explore counter/racy --strategy pct --depth 0"), "--depth must be at least 1");
  expect_one_line_error(weft("explore counter/racy --strategy dpor --preemption-bound 2"), "--preemption-bound");
  expect_one_line_error(weft("explore counter/racy --strategy dpor --fair"), "fair mode");
  expect_one_line_error(weft("explore counter/racy --strategy dpor --policy priority"), "any-interleaving");
}

}  // namespace
