// `weft rt` / weft-rt: the structure of a real-time rerun's report (no timing assertions), EPERM
// reported as skipped with the reason (never as passed), and bad input.
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

CliRun run_cmd(const std::string& cmd) { return weft_test::run_command(cmd); }

// Checks one scenario's report; returns false (after GTEST_SKIP-worthy checks) when skipped.
void expect_report(const nlohmann::json& j, const char* scenario, const char* protocol, int runs) {
  EXPECT_EQ(j["scenario"], scenario);
  EXPECT_EQ(j["engine"], "native-rt");
  EXPECT_EQ(j["status"], "measured");
  EXPECT_TRUE(j["skip_reason"].is_null());
  EXPECT_EQ(j["runs"], runs);
  EXPECT_EQ(j["hangs"], 0) << j["problems"].dump();
  EXPECT_EQ(j["protocols"], nlohmann::json::array({protocol}));
  EXPECT_EQ(j["high"], "H");
  // L, M, H begin in spawn order, each with one blocking sample per run.
  ASSERT_EQ(j["threads"].size(), 3u);
  const char* names[] = {"L", "M", "H"};
  const int priorities[] = {1, 2, 3};
  for (int i = 0; i < 3; ++i) {
    const nlohmann::json& t = j["threads"][i];
    EXPECT_EQ(t["name"], names[i]);
    EXPECT_EQ(t["priority"], priorities[i]);
    EXPECT_EQ(t["sched_fifo_priority"], priorities[i]);
    EXPECT_EQ(t["samples"].size(), static_cast<std::size_t>(runs));
    const nlohmann::json& b = t["blocked_ns"];
    EXPECT_LE(b["min"].get<std::int64_t>(), b["median"].get<std::int64_t>());
    EXPECT_LE(b["median"].get<std::int64_t>(), b["max"].get<std::int64_t>());
  }
}

TEST(WeftRt, ReportsEachThreadsBlockingOrSkipsWithTheReason) {
  const CliRun r =
      run_cmd(std::string(WEFT_BINARY) + " rt priority-inversion/unbounded priority-inversion/inherit --runs 3 --json");
  const nlohmann::json all = nlohmann::json::parse(r.out);
  ASSERT_EQ(all.size(), 2u);
  if (all[0]["status"] == "skipped") {
    EXPECT_EQ(r.code, 3) << "skipped must not exit 0: " << r.err;
    // Without the privilege: skipped, with the reason, for every scenario.
    for (const nlohmann::json& j : all) {
      EXPECT_EQ(j["status"], "skipped");
      EXPECT_FALSE(j["skip_reason"].get<std::string>().empty());
    }
    GTEST_SKIP() << "SCHED_FIFO not permitted here: " << all[0]["skip_reason"].get<std::string>();
  }
  ASSERT_EQ(r.code, 0) << r.err << r.out;
  expect_report(all[0], "priority-inversion/unbounded", "PTHREAD_PRIO_NONE", 3);
  expect_report(all[1], "priority-inversion/inherit", "PTHREAD_PRIO_INHERIT", 3);
  // The finding on real hardware, and its fix: without a protocol H waits out M's long work
  // (medium_ms), with inheritance only L's critical section (cs_ms), on one pinned CPU.
  const auto high_median = [](const nlohmann::json& j) {
    for (const nlohmann::json& t : j["threads"]) {
      if (t["name"] == "H") return t["blocked_ns"]["median"].get<std::int64_t>();
    }
    return std::int64_t{-1};
  };
  EXPECT_GT(high_median(all[0]), high_median(all[1])) << all.dump();
}

TEST(WeftRt, WithoutThePrivilegeItIsSkippedWithEperm) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root to drop to an unprivileged user";
  if (::access("/usr/bin/setpriv", X_OK) != 0) GTEST_SKIP() << "needs setpriv (util-linux)";
  // As nobody, without capabilities: sched_setscheduler(SCHED_FIFO) fails with EPERM (the default
  // RLIMIT_RTPRIO is 0).
  const CliRun r = run_cmd(
      "/usr/bin/setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all "
      "--bounding-set=-all " +
      std::string(WEFT_RT_BINARY) + " priority-inversion/unbounded --runs 2 --json");
  ASSERT_EQ(r.code, 3) << r.err << r.out;
  const nlohmann::json all = nlohmann::json::parse(r.out);
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(all[0]["status"], "skipped");
  EXPECT_EQ(all[0]["runs"], 0);
  EXPECT_NE(all[0]["skip_reason"].get<std::string>().find("EPERM"), std::string::npos) << all[0].dump();
  // The text report says skipped, not passed.
  const CliRun text = run_cmd(
      "/usr/bin/setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all "
      "--bounding-set=-all " +
      std::string(WEFT_RT_BINARY) + " priority-inversion/unbounded --runs 1");
  EXPECT_EQ(text.code, 3);
  EXPECT_NE(text.out.find("SKIPPED (not run, not passed): SCHED_FIFO is not permitted"), std::string::npos) << text.out;
}

TEST(WeftRt, BadInputIsAOneLineErrorWithExitCodeTwo) {
  for (const char* args :
       {" rt nope/nope", " rt priority-inversion/unbounded --runs 0", " rt priority-inversion/unbounded --set nope=1",
        " rt priority-inversion/unbounded --cpu 1023"}) {
    const CliRun r = run_cmd(std::string(WEFT_BINARY) + args);
    EXPECT_EQ(r.code, 2) << args << ": " << r.err;
    EXPECT_EQ(r.err.rfind("weft: error: ", 0), 0u) << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  }
}

}  // namespace
