// Crash isolation through the CLI (weft_crash_cli: weft plus test-only crashing scenarios).
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "support/cli_run.hpp"

namespace {

using nlohmann::json;
using weft_test::run_weft;

int line_of(std::string_view needle) {
  std::ifstream in(WEFT_CRASH_SCENARIOS);
  std::string line;
  for (int n = 1; std::getline(in, line); ++n) {
    if (line.find(needle) != std::string::npos) return n;
  }
  return -1;
}

json parse(const std::string& text) {
  json j = json::parse(text, nullptr, false);
  EXPECT_FALSE(j.is_discarded()) << text;
  return j;
}

std::string slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

TEST(CrashCli, NullDereferenceIsACrashFindingWhoseTokenReplaysIt) {
  const auto r = run_weft("explore crash-test/null-deref --json");
  ASSERT_EQ(r.code, 1) << r.out << r.err;
  const json j = parse(r.out);
  ASSERT_EQ(j["findings"].size(), 1u) << r.out;
  const json& f = j["findings"][0];
  EXPECT_EQ(f["kind"], "crash");
  EXPECT_EQ(f["threads"], json::array({2}));
  EXPECT_EQ(f["operation"], "atomic.load");
  EXPECT_EQ(f["location"]["line"], line_of("// crash-test: the load"));
  EXPECT_NE(f["message"].get<std::string>().find("SIGSEGV"), std::string::npos);
  const std::string token = f["schedule"];
  ASSERT_FALSE(token.empty());

  const auto again = run_weft("replay crash-test/null-deref " + token + " --json");
  ASSERT_EQ(again.code, 1) << again.out << again.err;
  const json k = parse(again.out);
  EXPECT_TRUE(k["divergence"].is_null()) << again.out;
  ASSERT_EQ(k["findings"].size(), 1u);
  EXPECT_EQ(k["findings"][0]["kind"], "crash");
  EXPECT_EQ(k["findings"][0]["message"], f["message"]);
  EXPECT_EQ(k["findings"][0]["step"], f["step"]);
}

TEST(CrashCli, KeepGoingExploresPastTheCrash) {
  const auto r = run_weft("explore crash-test/null-deref --strategy dfs --keep-going --json");
  ASSERT_EQ(r.code, 1) << r.out << r.err;
  const json j = parse(r.out);
  EXPECT_EQ(j["complete"], true);
  ASSERT_GE(j["findings"].size(), 1u);
  for (const json& f : j["findings"]) EXPECT_EQ(f["kind"], "crash");
  EXPECT_GT(j["executions"].get<int>(), j["findings"][0]["execution"].get<int>());
}

// SIGKILL cannot be handled in process: the supervising parent still reports a crash finding with
// the execution index, and exit code 1.
TEST(CrashCli, AChildKilledOutrightIsStillACrashFinding) {
  const auto r = run_weft("explore crash-test/killed --json");
  ASSERT_EQ(r.code, 1) << r.out << r.err;
  const json j = parse(r.out);
  EXPECT_EQ(j["bounded_by"], "crash");
  ASSERT_EQ(j["findings"].size(), 1u);
  EXPECT_EQ(j["findings"][0]["kind"], "crash");
  EXPECT_NE(j["findings"][0]["message"].get<std::string>().find("SIGKILL"), std::string::npos);
  EXPECT_GE(j["findings"][0]["execution"].get<int>(), 2);
  const auto text = run_weft("explore crash-test/killed");
  EXPECT_EQ(text.code, 1);
  EXPECT_NE(text.out.find("[crash]"), std::string::npos) << text.out;
}

TEST(CrashCli, LoopWithoutVisibleOperationIsAHang) {
  const auto r = run_weft("explore crash-test/spin --exec-timeout 0.2 --json");
  ASSERT_EQ(r.code, 1) << r.out << r.err;
  const json j = parse(r.out);
  ASSERT_EQ(j["findings"].size(), 1u) << r.out;
  EXPECT_EQ(j["findings"][0]["kind"], "hang");
  EXPECT_EQ(j["findings"][0]["threads"], json::array({1}));
  EXPECT_EQ(j["findings"][0]["location"]["line"], line_of("// crash-test: before the spin"));
}

TEST(CrashCli, MaxSecondsBoundsTheSearch) {
  const auto r =
      run_weft("explore counter/atomic --set threads=5 --set iterations=5 --strategy dfs --max-seconds 0.05 --json");
  ASSERT_EQ(r.code, 0) << r.out << r.err;
  const json j = parse(r.out);
  EXPECT_EQ(j["bounded_by"], "max_seconds");
  EXPECT_EQ(j["complete"], false);
  EXPECT_GT(j["executions"].get<int>(), 0);
}

TEST(CrashCli, BadReliabilityValuesAreUsageErrors) {
  weft_test::expect_one_line_error(run_weft("explore counter/atomic --stack-size 100"), "stack-size");
  weft_test::expect_one_line_error(run_weft("explore counter/atomic --max-seconds -1"), "max-seconds");
  weft_test::expect_one_line_error(run_weft("explore counter/atomic --exec-timeout nan"), "exec-timeout");
  weft_test::expect_one_line_error(run_weft("replay counter/atomic w1.AAAA --stack-size 1x"), "stack-size");
  weft_test::expect_one_line_error(run_weft("check counter/atomic --max-seconds -3"), "max-seconds");
}

// A larger stack is honoured on the CLI too (the default run of the same scenario is clean).
TEST(CrashCli, StackSizeIsAccepted) {
  const auto r = run_weft("explore counter/atomic --stack-size 1048576 --json");
  EXPECT_EQ(r.code, 0) << r.out << r.err;
}

// `weft check` with a crashing scenario writes both reports, with the error verdict.
void expect_error_reports(const std::string& scenario, std::string_view reason) {
  const std::string junit = ::testing::TempDir() + "crash_junit_" + std::to_string(::getpid()) + ".xml";
  const std::string js = ::testing::TempDir() + "crash_json_" + std::to_string(::getpid()) + ".json";
  const auto r = run_weft("check " + scenario + " counter/atomic --engine model --junit " + junit + " --json " + js);
  EXPECT_EQ(r.code, 1) << r.out << r.err;
  const std::string xml = slurp(junit);
  EXPECT_NE(xml.find("<error"), std::string::npos) << xml;
  EXPECT_NE(xml.find(scenario), std::string::npos) << xml;
  const json j = parse(slurp(js));
  ASSERT_EQ(j["scenarios"].size(), 2u);
  bool seen = false;
  for (const json& s : j["scenarios"]) {
    const json& e = s["engines"][0];
    if (s["scenario"] == scenario) {
      seen = true;
      EXPECT_EQ(e["state"], "error");
      EXPECT_NE(e["reason"].get<std::string>().find(reason), std::string::npos) << e["reason"];
      EXPECT_EQ(e["findings"][0]["kind"], "crash");
    } else {
      EXPECT_EQ(e["state"], "ran");  // the other scenario is still checked
      EXPECT_EQ(e["matches"], true);
    }
  }
  EXPECT_TRUE(seen) << j.dump();
  std::remove(junit.c_str());
  std::remove(js.c_str());
}

TEST(CrashCli, CheckWritesBothReportsWithTheErrorVerdict) {
  expect_error_reports("crash-test/null-deref", "crashed");
  expect_error_reports("crash-test/killed", "SIGKILL");
}

}  // namespace
