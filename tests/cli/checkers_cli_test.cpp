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

namespace {

struct CliResult {
  int code = -1;
  std::string out;
  std::string err;
};

CliResult weft_cli(const std::string& args) {
  // One file per process: ctest runs the test cases as parallel processes.
  const std::string err_file = ::testing::TempDir() + "weft_checkers_cli_stderr." + std::to_string(getpid()) + ".txt";
  const std::string cmd = std::string(WEFT_BINARY) + " " + args + " 2>" + err_file;
  CliResult r;
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
  std::remove(err_file.c_str());
  return r;
}

std::set<std::string> kinds_of(const nlohmann::json& j) {
  std::set<std::string> out;
  for (const auto& f : j["findings"]) out.insert(f["kind"].get<std::string>());
  return out;
}

void expect_usage_error(const CliResult& r, std::string_view needle) {
  EXPECT_EQ(r.code, 2) << r.err;
  EXPECT_EQ(r.err.rfind("weft: error: ", 0), 0u) << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  EXPECT_NE(r.err.find(needle), std::string::npos) << r.err;
}

TEST(CheckersCli, RacyCounterShowsTheRaceAndTheFailedCheck) {
  const CliResult r = weft_cli("explore counter/racy --no-trace");
  ASSERT_EQ(r.code, 1) << r.err;
  EXPECT_NE(r.out.find("[data_race] data race on var#0 (scenarios/counter.cpp:"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("[assertion_failure]"), std::string::npos) << r.out;
  EXPECT_LT(r.out.find("[data_race]"), r.out.find("[assertion_failure]"));  // execution 1 comes first
}

TEST(CheckersCli, AbbaJsonHasBothKindsWithSitesAndTheFairFields) {
  const CliResult r = weft_cli("explore lock-ordering/abba --json");
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
  const CliResult r = weft_cli("explore lock-ordering/polite-livelock --json");
  ASSERT_EQ(r.code, 1) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["fair"], true);
  EXPECT_EQ(j["starvation_bound"], 16);
  ASSERT_EQ(j["findings"].size(), 1u);
  const auto& f = j["findings"][0];
  EXPECT_EQ(f["kind"], "livelock");
  EXPECT_EQ(f["threads"], nlohmann::json::array({1, 2}));
  const CliResult again =
      weft_cli("replay lock-ordering/polite-livelock " + f["schedule"].get<std::string>() + " --json");
  ASSERT_EQ(again.code, 1) << again.err;
  const auto k = nlohmann::json::parse(again.out);
  EXPECT_TRUE(k["divergence"].is_null()) << k["divergence"];
  EXPECT_EQ(k["fair"], true);
  ASSERT_EQ(k["findings"].size(), 1u);
  EXPECT_EQ(k["findings"][0]["kind"], "livelock");
  EXPECT_EQ(k["findings"][0]["step"], f["step"]);
}

TEST(CheckersCli, FairOptionsReachTheJson) {
  const CliResult r = weft_cli("explore counter/mutex --fair --starvation-bound 3 --json");
  ASSERT_EQ(r.code, 0) << r.err << r.out;
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["fair"], true);
  EXPECT_EQ(j["starvation_bound"], 3);
  EXPECT_EQ(j["complete"], true);
  EXPECT_NE(weft_cli("explore counter/mutex --fair").out.find("fair (starvation bound 16)"), std::string::npos);
}

TEST(CheckersCli, BadValuesOfTheNewOptionsAreUsageErrors) {
  expect_usage_error(weft_cli("explore counter/mutex --starvation-bound 3"), "applies to the fair mode");
  expect_usage_error(weft_cli("explore counter/mutex --fair --starvation-bound -1"), "--starvation-bound");
  expect_usage_error(weft_cli("explore counter/mutex --fair --starvation-bound x"), "--starvation-bound");
  expect_usage_error(weft_cli("explore counter/mutex --max-spurious 64"), "--max-spurious");
  expect_usage_error(weft_cli("explore lock-ordering/philosophers --set n=7"), "must be in [2, 6]");
}

}  // namespace
