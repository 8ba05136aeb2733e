// Untrusted command-line input and output failures: numeric bounds, one-line errors whatever the
// bytes, a result that cannot be written, and --version.
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

#include "support/cli_run.hpp"

namespace {

using weft_test::CliRun;
using weft_test::expect_one_line_error;

CliRun weft(const std::string& args) { return weft_test::run_weft(args); }

std::string temp_path(const std::string& name) { return ::testing::TempDir() + "weft_hardening_" + name; }

// --depth was unbounded: 1000000000 allocated d - 1 change points per execution and died of
// std::bad_alloc with exit 3.
TEST(CliHardening, PctDepthIsBounded) {
  expect_one_line_error(weft("explore counter/racy --strategy pct --depth 1000000000"), "at most 1000");
  expect_one_line_error(weft("explore counter/racy --strategy pct --depth 1001"), "1001");
  expect_one_line_error(weft("explore counter/racy --strategy pct --depth 0"), "--depth must be at least 1");
  const CliRun ok = weft("explore counter/racy --strategy pct --depth 1000 --max-executions 3 --json");
  EXPECT_EQ(ok.code, 1) << ok.err;  // counter/racy's lost update: a finding
  EXPECT_EQ(nlohmann::json::parse(ok.out)["strategy"], "pct");
  EXPECT_NE(weft("explore --help").out.find("1 to 1000"), std::string::npos);
}

// --seed above 2^64 - 1 used to saturate silently, and -1 wrapped to 2^64 - 1.
TEST(CliHardening, SeedIsAnUnsignedDecimalIn64Bits) {
  expect_one_line_error(weft("explore counter/racy --strategy random --seed 18446744073709551616"), "out of range");
  expect_one_line_error(weft("explore counter/racy --strategy random --seed 99999999999999999999999"), "--seed");
  expect_one_line_error(weft("explore counter/racy --strategy random --seed -1"), "--seed");
  expect_one_line_error(weft("explore counter/racy --strategy random --seed ''"), "--seed");
  expect_one_line_error(weft("explore counter/racy --strategy random --seed 12abc"), "--seed");
  expect_one_line_error(weft("check counter/racy --engine model --seed -1"), "--seed");
  const CliRun max =
      weft("explore counter/racy --strategy random --max-executions 2 --seed 18446744073709551615 --json");
  ASSERT_EQ(max.code, 1) << max.err;
  EXPECT_EQ(nlohmann::json::parse(max.out)["seed"].get<std::uint64_t>(), 18446744073709551615u);
}

TEST(CliHardening, OtherNumericOptionsRejectGarbage) {
  expect_one_line_error(weft("explore counter/racy --max-executions 18446744073709551617"), "--max-executions");
  expect_one_line_error(weft("explore counter/racy --max-executions 0"), "--max-executions");
  expect_one_line_error(weft("explore counter/racy --preemption-bound -1"), "--preemption-bound");
  expect_one_line_error(weft("explore counter/racy --max-steps 4294967297"), "--max-steps");
  expect_one_line_error(weft("explore counter/racy --max-steps 1.5"), "--max-steps");
  expect_one_line_error(weft("explore counter/racy --max-spurious 64"), "--max-spurious");
  expect_one_line_error(weft("explore counter/racy --policy priority --cpus 0"), "--cpus");
  expect_one_line_error(weft("explore counter/racy --fair --starvation-bound -1"), "--starvation-bound");
  // A NaN passed the range check of --timeout (every comparison with NaN is false).
  expect_one_line_error(weft("native counter/racy --timeout nan"), "finite");
  expect_one_line_error(weft("check counter/racy --timeout nan"), "finite");
}

// Raw bytes of the input were echoed: a newline in a token made a two-line error.
TEST(CliHardening, ErrorsEscapeAndCutUntrustedBytes) {
  CliRun r = weft("replay counter/racy \"$(printf 'w9\\nx.AAAA')\"");
  expect_one_line_error(r, "version '9\\nx'");
  expect_one_line_error(weft("explore \"$(printf 'no\\nsuch')\""), "unknown scenario 'no\\nsuch'");
  expect_one_line_error(weft("explore counter/racy --set \"$(printf 'threads=1\\n2')\""), "'1\\n2'");
  expect_one_line_error(weft("explore counter/racy --max-steps \"$(printf '1\\n2')\""), "--max-steps");
  expect_one_line_error(weft("explore counter/racy --seed \"$(printf '1\\n2')\""), "'1\\n2'");
  r = weft("explore " + std::string(5000, 'q'));
  expect_one_line_error(r, "unknown scenario 'qqqq");
  EXPECT_LT(r.err.size(), 200u) << r.err;
}

// `explore --json > /dev/full` exited 0 (or 1): the result was lost and nobody was told.
TEST(CliHardening, UnwritableOutputIsAnError) {
  for (const std::string args : {"explore counter/racy --json", "explore counter/atomic", "list --json", "list"}) {
    const CliRun r = weft(args + " > /dev/full");
    expect_one_line_error(r, "cannot write the output to stdout");
  }
  const CliRun j = weft("check counter/atomic --engine model --json /dev/full");
  expect_one_line_error(j, "could not finish writing the report files");
  const CliRun x = weft("check counter/atomic --engine model --junit /dev/full");
  expect_one_line_error(x, "could not finish writing the report files");
}

TEST(CliHardening, VersionFlagAndJsonField) {
  const CliRun v = weft("--version");
  EXPECT_EQ(v.code, 0) << v.err;
  EXPECT_EQ(v.out, "weft " WEFT_VERSION "\n");
  const CliRun e = weft("explore counter/atomic --json");
  ASSERT_EQ(e.code, 0) << e.err;
  EXPECT_EQ(nlohmann::json::parse(e.out)["version"], WEFT_VERSION);
  const CliRun rr = weft("explore counter/racy --json");
  ASSERT_EQ(rr.code, 1) << rr.err;
  const std::string token = nlohmann::json::parse(rr.out)["findings"][0]["schedule"];
  const CliRun replay = weft("replay counter/racy " + token + " --json");
  EXPECT_EQ(nlohmann::json::parse(replay.out)["version"], WEFT_VERSION);

  const std::string report = temp_path("check.json");
  const CliRun c = weft("check counter/atomic --engine model --json " + report);
  ASSERT_EQ(c.code, 0) << c.err;
  std::ifstream in(report);
  std::stringstream text;
  text << in.rdbuf();
  const auto j = nlohmann::json::parse(text.str());
  EXPECT_EQ(j["version"], WEFT_VERSION);
  EXPECT_EQ(j["format"], "weft-check-1");
  std::remove(report.c_str());
}

TEST(CliHardening, TopLevelHelpListsEveryExitCode) {
  const CliRun h = weft("--help");
  EXPECT_EQ(h.code, 0);
  EXPECT_NE(h.out.find("0 no finding"), std::string::npos) << h.out;
  EXPECT_NE(h.out.find("1 finding"), std::string::npos) << h.out;
  EXPECT_NE(h.out.find("2 usage or input error"), std::string::npos) << h.out;
  EXPECT_NE(h.out.find("3 skipped"), std::string::npos) << h.out;
  EXPECT_NE(h.out.find("--version"), std::string::npos) << h.out;
}

}  // namespace
