// The checkers through the CLI: findings in text and --json, the fair mode's options and
// fields, replay of a fair token, and bad values of the new options.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <set>
#include <string>

#include "support/cli_run.hpp"

namespace {

using weft_test::CliRun;
using weft_test::expect_one_line_error;

CliRun weft_cli(const std::string& args) { return weft_test::run_weft(args); }

std::set<std::string> kinds_of(const nlohmann::json& j) {
  std::set<std::string> out;
  for (const auto& f : j["findings"]) out.insert(f["kind"].get<std::string>());
  return out;
}

TEST(CheckersCli, RacyCounterShowsTheRaceAndTheFailedCheck) {
  const CliRun r = weft_cli("explore counter/racy --no-trace");
  ASSERT_EQ(r.code, 1) << r.err;
  EXPECT_NE(r.out.find("[data_race] data race on var#0 (scenarios/counter.cpp:"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("[assertion_failure]"), std::string::npos) << r.out;
  EXPECT_LT(r.out.find("[data_race]"), r.out.find("[assertion_failure]"));  // execution 1 comes first
}

TEST(CheckersCli, AbbaJsonHasBothKindsWithSitesAndTheFairFields) {
  const CliRun r = weft_cli("explore lock-ordering/abba --json");
  ASSERT_EQ(r.code, 1) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(kinds_of(j), (std::set<std::string>{"deadlock", "lock_order_inversion"}));
  EXPECT_EQ(j["fair"], false);
  EXPECT_TRUE(j["starvation_bound"].is_null());
  for (const auto& f : j["findings"]) {
    EXPECT_EQ(f["sites"].size(), 2u) << f.dump();
    EXPECT_EQ(f["location"]["file"], "scenarios/lock_ordering.cpp");
    if (f["kind"] == "deadlock") EXPECT_EQ(f["details"][0].get<std::string>().rfind("wait-for cycle: ", 0), 0u);
  }
}

// The scenario declares the fair mode: the livelock, and its token replays it.
TEST(CheckersCli, PoliteLivelockReplaysFromItsFairToken) {
  const CliRun r = weft_cli("explore lock-ordering/polite-livelock --json");
  ASSERT_EQ(r.code, 1) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["fair"], true);
  EXPECT_EQ(j["starvation_bound"], 16);
  ASSERT_EQ(j["findings"].size(), 1u);
  const auto& f = j["findings"][0];
  EXPECT_EQ(f["kind"], "livelock");
  EXPECT_EQ(f["threads"], nlohmann::json::array({1, 2}));
  const CliRun again = weft_cli("replay lock-ordering/polite-livelock " + f["schedule"].get<std::string>() + " --json");
  ASSERT_EQ(again.code, 1) << again.err;
  const auto k = nlohmann::json::parse(again.out);
  EXPECT_TRUE(k["divergence"].is_null()) << k["divergence"];
  EXPECT_EQ(k["fair"], true);
  ASSERT_EQ(k["findings"].size(), 1u);
  EXPECT_EQ(k["findings"][0]["kind"], "livelock");
  EXPECT_EQ(k["findings"][0]["step"], f["step"]);
}

TEST(CheckersCli, FairOptionsReachTheJson) {
  const CliRun r = weft_cli("explore counter/mutex --fair --starvation-bound 3 --json");
  ASSERT_EQ(r.code, 0) << r.err << r.out;
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["fair"], true);
  EXPECT_EQ(j["starvation_bound"], 3);
  EXPECT_EQ(j["complete"], true);
  EXPECT_NE(weft_cli("explore counter/mutex --fair").out.find("fair (starvation bound 16)"), std::string::npos);
}

TEST(CheckersCli, BadValuesOfTheNewOptionsAreUsageErrors) {
  expect_one_line_error(weft_cli("explore counter/mutex --starvation-bound 3"), "applies to the fair mode");
  expect_one_line_error(weft_cli("explore counter/mutex --fair --starvation-bound -1"), "--starvation-bound");
  expect_one_line_error(weft_cli("explore counter/mutex --fair --starvation-bound x"), "--starvation-bound");
  expect_one_line_error(weft_cli("explore counter/mutex --max-spurious 64"), "--max-spurious");
  expect_one_line_error(weft_cli("explore lock-ordering/philosophers --set n=7"), "must be in [2, 6]");
}

}  // namespace
