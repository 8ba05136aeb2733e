// The CLI on the producer-consumer family: a complete search and a bounded one say which they are
// (text and --json), a deadlock's token replays, bad parameters are one-line errors with exit 2.
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

const char* const kBig = " --set producers=2 --set consumers=2";

// The complete DFS of bounded-buffer: 6242 executions (its recorded dfs_executions), a proof
// within at most one spurious wake-up per execution, which both outputs state.
TEST(ProducerConsumerCli, CompleteSearchSaysCompleteAndItsSpuriousBound) {
  const CliRun j = weft("explore producer-consumer/bounded-buffer --strategy dfs --json");
  ASSERT_EQ(j.code, 0) << j.err;
  const auto r = nlohmann::json::parse(j.out);
  EXPECT_EQ(r["complete"], true);
  EXPECT_TRUE(r["bounded_by"].is_null());
  EXPECT_EQ(r["executions"], 6242);
  EXPECT_EQ(r["spurious_bound"], "max_spurious=1");
  EXPECT_TRUE(r["findings"].empty());
  EXPECT_EQ(r["params"], nlohmann::json({{"producers", 1}, {"consumers", 2}, {"capacity", 2}, {"items", 2}}));

  const CliRun t = weft("explore producer-consumer/bounded-buffer --strategy dfs");
  ASSERT_EQ(t.code, 0) << t.err;
  EXPECT_NE(t.out.find("complete: every execution explored (spurious wake-ups bounded: max_spurious=1 per execution)"),
            std::string::npos)
      << t.out;

  // Without spurious wake-ups nothing is cut: no bound to state.
  const CliRun off = weft("explore producer-consumer/bounded-buffer --strategy dfs --no-spurious --json");
  ASSERT_EQ(off.code, 0) << off.err;
  const auto o = nlohmann::json::parse(off.out);
  EXPECT_EQ(o["complete"], true);
  EXPECT_TRUE(o["spurious_bound"].is_null());
}

// Two producers and two consumers at capacity 2 are too many for an exhaustive DFS here: a run
// capped by executions or preemptions is never complete and names its bound.
TEST(ProducerConsumerCli, BoundedSearchSaysNotCompleteAndWhy) {
  const CliRun j = weft(std::string("explore producer-consumer/bounded-buffer") + kBig +
                        " --strategy dfs --max-executions 500 --json");
  ASSERT_EQ(j.code, 0) << j.err;
  const auto r = nlohmann::json::parse(j.out);
  EXPECT_EQ(r["complete"], false);
  EXPECT_EQ(r["bounded_by"], "max_executions=500");
  EXPECT_EQ(r["executions"], 500);

  const CliRun t =
      weft(std::string("explore producer-consumer/bounded-buffer") + kBig + " --strategy dfs --max-executions 500");
  ASSERT_EQ(t.code, 0) << t.err;
  EXPECT_NE(t.out.find("NOT complete: bounded by max_executions=500"), std::string::npos) << t.out;

  // The preemption-bounded search runs to its end (3220 executions) and still is no proof.
  const CliRun p =
      weft(std::string("explore producer-consumer/semaphores") + kBig + " --strategy dfs --preemption-bound 1 --json");
  ASSERT_EQ(p.code, 0) << p.err;
  const auto q = nlohmann::json::parse(p.out);
  EXPECT_EQ(q["complete"], false);
  EXPECT_EQ(q["bounded_by"], "preemption_bound=1");
  EXPECT_EQ(q["executions"], 3220);
}

// The shared-cv deadlock: exit 1, the threads and the condition variable, and a token that
// replays it.
TEST(ProducerConsumerCli, DeadlockReportsTheConditionVariableAndReplays) {
  const CliRun j = weft("explore producer-consumer/shared-cv --strategy dfs --json");
  ASSERT_EQ(j.code, 1) << j.err;
  const auto r = nlohmann::json::parse(j.out);
  ASSERT_EQ(r["findings"].size(), 1u);
  const auto& f = r["findings"][0];
  EXPECT_EQ(f["kind"], "deadlock");
  EXPECT_EQ(f["threads"], nlohmann::json::array({0, 1, 3}));
  EXPECT_EQ(f["location"]["file"], "scenarios/producer_consumer.cpp");
  const auto& details = f["details"];
  EXPECT_TRUE(std::any_of(details.begin(), details.end(), [](const nlohmann::json& d) {
    return d.get<std::string>().find("t3 waits on condition_variable#") != std::string::npos;
  })) << details.dump();

  const CliRun again = weft("replay producer-consumer/shared-cv " + f["schedule"].get<std::string>() + " --json");
  ASSERT_EQ(again.code, 1) << again.err;
  const auto k = nlohmann::json::parse(again.out);
  EXPECT_TRUE(k["divergence"].is_null());
  EXPECT_EQ(k["findings"][0]["kind"], "deadlock");
  EXPECT_EQ(k["findings"][0]["step"], f["step"]);
  EXPECT_EQ(k["findings"][0]["threads"], f["threads"]);
}

TEST(ProducerConsumerCli, BadParametersAreOneLineErrors) {
  for (const char* args : {"--set capacity=9", "--set buffers=2", "--set items=x"}) {
    SCOPED_TRACE(args);
    const CliRun r = weft(std::string("explore producer-consumer/bounded-buffer ") + args);
    EXPECT_EQ(r.code, 2) << r.err;
    EXPECT_EQ(r.err.rfind("weft: error: ", 0), 0u) << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
    EXPECT_TRUE(r.out.empty()) << r.out;
  }
}

}  // namespace
