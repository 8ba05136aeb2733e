// `weft explore --strategy dfs|dpor|random|pct` through the binary: defaults, counts, seeds, tokens, bad combinations.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <string>

namespace {

struct CliRun {
  int code = -1;
  std::string out;
  std::string err;
};

CliRun weft(const std::string& args) {
  const std::string err_file = ::testing::TempDir() + "weft_strategies_stderr_" + std::to_string(getpid()) + ".txt";
  const std::string cmd = std::string(WEFT_BINARY) + " " + args + " 2>" + err_file;
  CliRun r;
  FILE* p = popen(cmd.c_str(), "r");
  if (p == nullptr) return r;
  std::array<char, 4096> buf;
  std::size_t n;
  while ((n = fread(buf.data(), 1, buf.size(), p)) > 0) r.out.append(buf.data(), n);
  const int status = pclose(p);
  r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  if (FILE* e = fopen(err_file.c_str(), "r")) {
    while ((n = fread(buf.data(), 1, buf.size(), e)) > 0) r.err.append(buf.data(), n);
    fclose(e);
  }
  return r;
}

void expect_one_line_error(const CliRun& r, std::string_view needle) {
  EXPECT_EQ(r.code, 2) << r.err;
  EXPECT_EQ(r.err.rfind("weft: error: ", 0), 0u) << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  EXPECT_NE(r.err.find(needle), std::string::npos) << r.err;
}

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
