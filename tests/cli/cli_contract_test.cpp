// The CLI's public contract: exit codes, one-line errors, --json fields, replay round-trip.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <string>

#include "support/cli_run.hpp"

namespace {

using weft_test::CliRun;
using weft_test::expect_one_line_error;

CliRun weft(const std::string& args) { return weft_test::run_weft(args); }

TEST(CliContract, CleanScenarioExitsZeroWithJsonFields) {
  const CliRun r = weft("explore counter/atomic --json");
  ASSERT_EQ(r.code, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["scenario"], "counter/atomic");
  EXPECT_EQ(j["engine"], "model");
  EXPECT_EQ(j["strategy"].get<std::string>().empty(), false);
  EXPECT_EQ(j["complete"], true);
  EXPECT_TRUE(j["bounded_by"].is_null());
  EXPECT_GT(j["executions"].get<int>(), 0);
  EXPECT_TRUE(j["findings"].is_array());
  EXPECT_TRUE(j["findings"].empty());
  EXPECT_EQ(j["params"]["threads"], 2);
}

TEST(CliContract, FindingExitsOneAndReplaysFromItsToken) {
  const CliRun r = weft("explore counter/lost-update --json");
  ASSERT_EQ(r.code, 1) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  ASSERT_FALSE(j["findings"].empty());
  const auto& f = j["findings"][0];
  EXPECT_EQ(f["kind"], "assertion_failure");
  EXPECT_EQ(f["threads"], nlohmann::json::array({0}));
  EXPECT_EQ(f["location"]["file"], "scenarios/counter.cpp");
  EXPECT_GT(f["location"]["line"].get<int>(), 0);
  const std::string token = f["schedule"];
  ASSERT_EQ(token.rfind("w1.", 0), 0u);

  const CliRun again = weft("replay counter/lost-update " + token + " --json");
  ASSERT_EQ(again.code, 1) << again.err;
  const auto k = nlohmann::json::parse(again.out);
  EXPECT_EQ(k["strategy"], "replay");
  EXPECT_TRUE(k["divergence"].is_null());
  EXPECT_EQ(k["findings"][0]["kind"], f["kind"]);
  EXPECT_EQ(k["findings"][0]["step"], f["step"]);
  EXPECT_EQ(k["findings"][0]["location"], f["location"]);
}

TEST(CliContract, HumanOutputPrintsTokenReplayCommandAndTrace) {
  const CliRun r = weft("explore counter/racy");
  ASSERT_EQ(r.code, 1);
  EXPECT_NE(r.out.find("[assertion_failure]"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("replay:   weft replay counter/racy w1."), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("var.write"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("scenarios/counter.cpp:"), std::string::npos) << r.out;
}

TEST(CliContract, BadInputIsOneLineAndExitTwo) {
  expect_one_line_error(weft("explore no/such-scenario"), "unknown scenario 'no/such-scenario'");
  expect_one_line_error(weft("explore counter/racy --set nope=1"), "unknown parameter 'nope'");
  expect_one_line_error(weft("explore counter/racy --set threads=abc"), "needs an integer value");
  expect_one_line_error(weft("explore counter/racy --set threads=99"), "must be in [1, 16]");
  expect_one_line_error(weft("explore counter/racy --set threads"), "NAME=VALUE");
  expect_one_line_error(weft("explore counter/racy --strategy sideways"), "--strategy");
  expect_one_line_error(weft("explore counter/racy --max-executions -3"), "--max-executions");
  expect_one_line_error(weft("explore counter/racy --bogus-option"), "bogus-option");
  expect_one_line_error(weft("explore"), "scenario");
  expect_one_line_error(weft("replay counter/racy not-a-token"), "malformed schedule token");
  expect_one_line_error(weft("replay counter/racy w1.AAAA"), "malformed schedule token");
  expect_one_line_error(weft("replay counter/racy w9.AAAA"), "version");
  expect_one_line_error(weft("list --family nope"), "unknown family");
  expect_one_line_error(weft(""), "subcommand");
}

TEST(CliContract, TokenForAnotherScenarioIsRejected) {
  const CliRun r = weft("explore counter/racy --json");
  ASSERT_EQ(r.code, 1);
  const std::string token = nlohmann::json::parse(r.out)["findings"][0]["schedule"];
  expect_one_line_error(weft("replay counter/atomic " + token), "another scenario");
}

TEST(CliContract, TruncatedTokenIsRejected) {
  const CliRun r = weft("explore counter/racy --json");
  ASSERT_EQ(r.code, 1);
  std::string token = nlohmann::json::parse(r.out)["findings"][0]["schedule"];
  token.pop_back();
  token.pop_back();
  expect_one_line_error(weft("replay counter/racy " + token), "malformed schedule token");
}

TEST(CliContract, HelpExitsZero) {
  for (const char* cmd : {"--help", "list --help", "explore --help", "replay --help"}) {
    const CliRun r = weft(cmd);
    EXPECT_EQ(r.code, 0) << cmd;
    EXPECT_NE(r.out.find("Usage"), std::string::npos) << cmd;
  }
}

TEST(CliContract, ListShowsFamiliesAndVerdicts) {
  const CliRun r = weft("list --json");
  ASSERT_EQ(r.code, 0);
  const auto j = nlohmann::json::parse(r.out);
  bool racy = false;
  for (const auto& s : j) {
    if (s["name"] != "counter/racy") continue;
    racy = true;
    EXPECT_EQ(s["family"], "counter");
    const auto kinds = s["expected"]["model"]["kinds"];
    EXPECT_NE(std::find(kinds.begin(), kinds.end(), "assertion_failure"), kinds.end());
  }
  EXPECT_TRUE(racy);
}

}  // namespace
