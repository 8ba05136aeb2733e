// `weft check`: the matching rule, model/native correlation, JUnit XML (validated with xmllint
// against tests/native/data/junit.xsd) and JSON, and the check/native commands' CLI contract.
#include "check/check.hpp"

#include <gtest/gtest.h>
#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "check/check_report.hpp"
#include "support/cli_run.hpp"

namespace weft::check {
namespace {

using weft_test::CliRun;
using weft_test::expect_one_line_error;

Finding finding(FindingKind kind, const char* file, int line, std::uint64_t execution = 1) {
  Finding f;
  f.kind = kind;
  f.location = SourceLoc{file, line};
  f.execution = execution;
  f.message = std::string(kind_name(kind)) + " here";
  return f;
}

EngineVerdict verdict(Engine engine, std::vector<Finding> findings, std::uint64_t executions = 20) {
  EngineVerdict v;
  v.engine = engine;
  v.findings = std::move(findings);
  v.executions = executions;
  v.runs_requested = executions;
  return v;
}

Expectation expect(std::vector<FindingKind> kinds) { return Expectation{std::move(kinds), {}}; }

constexpr auto kRace = FindingKind::kDataRace;
constexpr auto kAssert = FindingKind::kAssertionFailure;
constexpr auto kInversion = FindingKind::kLockOrderInversion;
constexpr auto kDeadlock = FindingKind::kDeadlock;
constexpr auto kHang = FindingKind::kHang;

TEST(MatchRule, CleanExpectationMatchesOnlyNothingFound) {
  EXPECT_TRUE(judge(expect({}), verdict(Engine::kModel, {})).matches);
  const Judgement j = judge(expect({}), verdict(Engine::kModel, {finding(kAssert, "a.cpp", 3)}));
  EXPECT_FALSE(j.matches);
  EXPECT_EQ(j.note, "expected clean, found assertion_failure");
  EXPECT_FALSE(judge(expect({}), verdict(Engine::kNative, {finding(kRace, "a.cpp", 3)})).matches);
}

TEST(MatchRule, ModelNeedsAnExpectedKindAndNothingElse) {
  const Expectation racy = expect({kRace, kAssert});
  EXPECT_TRUE(judge(racy, verdict(Engine::kModel, {finding(kAssert, "a.cpp", 3)})).matches);
  EXPECT_TRUE(judge(racy, verdict(Engine::kModel, {finding(kRace, "a.cpp", 2), finding(kAssert, "a.cpp", 3)})).matches);
  const Judgement none = judge(racy, verdict(Engine::kModel, {}, 74));
  EXPECT_FALSE(none.matches);
  EXPECT_EQ(none.note, "expected data_race+assertion_failure, found nothing in 74 executions");
  const Judgement extra =
      judge(racy, verdict(Engine::kModel, {finding(kAssert, "a.cpp", 3), finding(kDeadlock, "a.cpp", 9)}));
  EXPECT_FALSE(extra.matches);
  EXPECT_EQ(extra.note, "unexpected deadlock");
}

TEST(MatchRule, NativeBugsMayGoUnreproducedButNothingUnexpectedMayShow) {
  const Expectation racy = expect({kRace, kAssert});
  const Judgement race = judge(racy, verdict(Engine::kNative, {finding(kRace, "a.cpp", 2)}));
  EXPECT_TRUE(race.matches);
  EXPECT_TRUE(race.reproduced);
  EXPECT_TRUE(judge(racy, verdict(Engine::kNative, {finding(kAssert, "a.cpp", 3)})).matches);
  const Judgement clean = judge(racy, verdict(Engine::kNative, {}, 20));
  EXPECT_TRUE(clean.matches);
  EXPECT_FALSE(clean.reproduced);
  EXPECT_EQ(clean.note,
            "data_race+assertion_failure not reproduced in 20 runs (real threads may never take that interleaving)");
  // A race in a scenario declared race-free natively fails, as does a hang nobody expected.
  const Judgement unexpected = judge(expect({kAssert}), verdict(Engine::kNative, {finding(kRace, "a.cpp", 2)}));
  EXPECT_FALSE(unexpected.matches);
  EXPECT_EQ(unexpected.note, "unexpected data_race");
  EXPECT_FALSE(judge(expect({kInversion}), verdict(Engine::kNative, {finding(kHang, "", 0)})).matches);
  EXPECT_TRUE(judge(expect({kHang}), verdict(Engine::kNative, {finding(kHang, "", 0)})).matches);
  // The model must find something: its search is systematic.
  EXPECT_FALSE(judge(racy, verdict(Engine::kModel, {})).matches);
}

TEST(MatchRule, SkippedIsNotCountedAndErrorNeverMatches) {
  EngineVerdict skipped = verdict(Engine::kRelacy, {});
  skipped.state = VerdictState::kSkipped;
  skipped.reason = "relacy engine not built yet";
  const Judgement s = judge(expect({kRace}), skipped);
  EXPECT_FALSE(s.counted);
  EngineVerdict error = verdict(Engine::kNative, {});
  error.state = VerdictState::kError;
  error.reason = "weft-native was killed by signal 11 (SIGSEGV) in run 2";
  const Judgement e = judge(expect({}), error);
  EXPECT_TRUE(e.counted);
  EXPECT_FALSE(e.matches);
  EXPECT_EQ(e.note, "no verdict: weft-native was killed by signal 11 (SIGSEGV) in run 2");
}

TEST(Correlate, SameKindAndLocationIsConfirmed) {
  Finding model_race = finding(kRace, "/src/scenarios/c.cpp", 29, 1);
  Finding native_race = finding(kRace, "/src/scenarios/c.cpp", 40, 3);  // primary elsewhere...
  native_race.sites.push_back(
      FindingSite{1, "var.write", "", SourceLoc{"/src/scenarios/c.cpp", 29}, 0});  // ...a site here
  EngineVerdict model = verdict(Engine::kModel, {model_race, finding(kAssert, "/src/scenarios/c.cpp", 31)}, 74);
  model.complete = true;
  const std::vector<Correlation> c = correlate(model, verdict(Engine::kNative, {native_race}));
  ASSERT_EQ(c.size(), 2u);
  EXPECT_EQ(c[0].status, CorrelationStatus::kConfirmed);
  EXPECT_EQ(c[0].message, "data_race at /src/scenarios/c.cpp:29: confirmed on real cores (native run 3)");
  EXPECT_EQ(c[1].status, CorrelationStatus::kNotReproduced);
  EXPECT_EQ(
      c[1].message,
      "assertion_failure at /src/scenarios/c.cpp:31: not hit natively in 20 runs (expected for rare interleavings)");
}

TEST(Correlate, NativeFindingMissedByACompleteSearchIsAWeftBug) {
  EngineVerdict model = verdict(Engine::kModel, {finding(kAssert, "c.cpp", 31)}, 74);
  model.complete = true;
  const EngineVerdict native = verdict(Engine::kNative, {finding(kRace, "c.cpp", 29, 1)});
  const std::vector<Correlation> c = correlate(model, native);
  ASSERT_EQ(c.size(), 2u);
  EXPECT_EQ(c[1].status, CorrelationStatus::kWeftBug);
  EXPECT_EQ(c[1].message,
            "WEFT BUG: native data_race at c.cpp:29 (run 1) was missed by the model's complete exhaustive search of 74 "
            "executions");
  model.complete = false;
  model.bounded_by = "max_executions=10";
  const std::vector<Correlation> bounded = correlate(model, native);
  EXPECT_EQ(bounded[1].status, CorrelationStatus::kNativeOnly);
  EXPECT_EQ(bounded[1].message,
            "native data_race at c.cpp:29 (run 1) is not among the model's findings; the model's search was bounded "
            "(max_executions=10), so it may lie beyond");
  model.bounded_by = "finding";
  EXPECT_EQ(correlate(model, native)[1].message,
            "native data_race at c.cpp:29 (run 1) is not among the model's findings; the model's exploration stopped "
            "at its first failure, so it may lie beyond");
}

TEST(Correlate, NativeHangIsConsistentWithAModelDeadlock) {
  EngineVerdict model = verdict(Engine::kModel, {finding(kDeadlock, "l.cpp", 21)});
  model.complete = true;
  Finding hang = finding(kHang, "", 0, 4);
  hang.location = SourceLoc{};
  const std::vector<Correlation> c = correlate(model, verdict(Engine::kNative, {hang}));
  ASSERT_EQ(c.size(), 1u);
  EXPECT_EQ(c[0].status, CorrelationStatus::kConsistent);
  EXPECT_EQ(c[0].message,
            "deadlock at l.cpp:21: consistent with the hang of native run 4 (the watchdog cannot tell where)");
}

TEST(Correlate, RaceTsanShouldHaveSeenIsCalledOut) {
  const std::vector<Correlation> c =
      correlate(verdict(Engine::kModel, {finding(kRace, "c.cpp", 29)}), verdict(Engine::kNative, {}, 20));
  ASSERT_EQ(c.size(), 1u);
  EXPECT_EQ(c[0].status, CorrelationStatus::kNotReproduced);
  EXPECT_NE(c[0].message.find("ThreadSanitizer did not report it in 20 runs"), std::string::npos) << c[0].message;
}

// ---------------------------------------------------------------------------------------
// JUnit XML and JSON

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

int run_shell(const std::string& cmd, std::string* out = nullptr) {
  FILE* p = popen((cmd + " 2>&1").c_str(), "r");
  if (p == nullptr) return -1;
  std::array<char, 4096> buf;
  std::size_t n;
  std::string text;
  while ((n = fread(buf.data(), 1, buf.size(), p)) > 0) text.append(buf.data(), n);
  const int status = pclose(p);
  if (out != nullptr) *out = text;
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

// xmllint validates well-formedness and the JUnit schema; returns its output on failure.
void expect_valid_junit(const std::string& path) {
  std::string out;
  const int code = run_shell("xmllint --noout --schema " + std::string(WEFT_TEST_DATA) + "/junit.xsd " + path, &out);
  EXPECT_EQ(code, 0) << out;
}

Scenario fake_scenario() {
  Scenario s;
  s.name = "family/tricky<&>\"'";
  s.model = expect({kAssert});
  s.native = expect({kRace});
  s.relacy = expect({kRace});
  return s;
}

TEST(JUnit, EscapesAndValidatesWithOneTestcasePerScenarioAndEngine) {
  static const Scenario s = fake_scenario();
  ScenarioCheck sc;
  sc.scenario = &s;
  Finding bad = finding(kAssert, "a.cpp", 3);
  bad.message = "assertion `x < y && z > \"w\"` failed \x01 with \xff invalid byte and caf\xc3\xa9";
  bad.schedule = "w1.ABC-_";
  bad.trace = "t0 var.read\n]]> not a CDATA end\n";
  EngineCheck model{s.model, verdict(Engine::kModel, {}), {}};
  model.verdict.complete = true;
  model.judgement = judge(model.expected, model.verdict);  // mismatch: nothing found
  EngineCheck native{s.native, verdict(Engine::kNative, {bad}), {}};
  native.judgement = judge(native.expected, native.verdict);  // mismatch: unexpected assertion
  EngineCheck relacy{s.relacy, verdict(Engine::kRelacy, {}), {}};
  relacy.verdict.state = VerdictState::kSkipped;
  relacy.verdict.reason = "relacy engine not built yet";
  relacy.judgement = judge(relacy.expected, relacy.verdict);
  sc.engines = {model, native, relacy};
  const std::string xml = junit_xml({sc}, 1.5);
  const std::string path = ::testing::TempDir() + "weft_junit_synthetic.xml";
  std::ofstream(path) << xml;
  expect_valid_junit(path);
  EXPECT_NE(xml.find("<testsuites name=\"weft check\" tests=\"3\" failures=\"2\" errors=\"0\" skipped=\"1\""),
            std::string::npos)
      << xml;
  EXPECT_NE(xml.find("classname=\"weft.native\" name=\"family/tricky&lt;&amp;&gt;&quot;&apos;\""), std::string::npos);
  EXPECT_NE(xml.find("<skipped message=\"relacy engine not built yet\"/>"), std::string::npos);
  EXPECT_NE(xml.find("replay token w1.ABC-_"), std::string::npos);  // in the failure message
  EXPECT_NE(xml.find("caf\xc3\xa9"), std::string::npos);            // valid UTF-8 is kept
  EXPECT_EQ(xml.find('\xff'), std::string::npos);                   // invalid bytes are not
}

TEST(XmlEscape, ReplacesWhatXmlCannotCarry) {
  EXPECT_EQ(xml_escape("a<b>&\"'"), "a&lt;b&gt;&amp;&quot;&apos;");
  EXPECT_EQ(xml_escape(std::string("x\x01y\x7fz", 5)), "x?y\x7fz");
  EXPECT_EQ(xml_escape("\xc3\xa9\xe2\x82\xac"), "\xc3\xa9\xe2\x82\xac");
  EXPECT_EQ(xml_escape("\xc3"), "?");            // truncated sequence
  EXPECT_EQ(xml_escape("\xed\xa0\x80"), "???");  // a surrogate
  EXPECT_EQ(xml_escape("\xef\xbf\xbe"), "???");  // U+FFFE
}

// ---------------------------------------------------------------------------------------
// The commands through the real binary.

CliRun weft(const std::string& args) { return weft_test::run_weft(args); }

TEST(CheckCli, UsageErrorsExitTwoWithOneLine) {
  expect_one_line_error(weft("check"), "give scenario names or --all");
  expect_one_line_error(weft("check --all counter/racy"), "not both");
  expect_one_line_error(weft("check no/such"), "unknown scenario 'no/such'");
  expect_one_line_error(weft("check counter/atomic --engine quantum"), "--engine");
  expect_one_line_error(weft("check counter/atomic --runs 0"), "--runs");
  expect_one_line_error(weft("check counter/atomic --junit /nonexistent-dir/r.xml"),
                        "cannot write the JUnit file '/nonexistent-dir/r.xml'");
  expect_one_line_error(weft("native no/such"), "unknown scenario 'no/such'");
  expect_one_line_error(weft("native counter/racy --set threads=99"), "threads");
}

// The Relacy column has its own tests (tests/relacy/relacy_check_test.cpp): these select engines.
TEST(CheckCli, MatchingVerdictsExitZeroAndWriteJunitAndJson) {
  const std::string junit = ::testing::TempDir() + "weft_check.xml";
  const std::string json = ::testing::TempDir() + "weft_check.json";
  const CliRun r = weft("check counter/atomic counter/mutex --engine model --engine native --runs 5 --junit " + junit +
                        " --json " + json);
  EXPECT_EQ(r.code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("summary: 4 match, 0 mismatch, 0 skipped"), std::string::npos) << r.out;
  expect_valid_junit(junit);
  const std::string xml = read_file(junit);
  EXPECT_NE(xml.find("<testsuites name=\"weft check\" tests=\"4\" failures=\"0\" errors=\"0\" skipped=\"0\""),
            std::string::npos)
      << xml;
  EXPECT_NE(xml.find("<testcase classname=\"weft.native\" name=\"counter/atomic\""), std::string::npos) << xml;
  const auto j = nlohmann::json::parse(read_file(json));
  EXPECT_EQ(j["format"], "weft-check-1");
  EXPECT_EQ(j["exit_code"], 0);
  EXPECT_EQ(j["summary"]["matched"], 4);
  EXPECT_EQ(j["settings"]["native_runs"], 5);
  ASSERT_EQ(j["scenarios"].size(), 2u);
  const auto& atomic = j["scenarios"][0];
  EXPECT_EQ(atomic["scenario"], "counter/atomic");
  ASSERT_EQ(atomic["engines"].size(), 2u);
  EXPECT_EQ(atomic["engines"][0]["engine"], "model");
  EXPECT_EQ(atomic["engines"][0]["verdict"], "clean");
  EXPECT_EQ(atomic["engines"][0]["matches"], true);
  EXPECT_EQ(atomic["engines"][0]["complete"], true);
  EXPECT_EQ(atomic["engines"][1]["engine"], "native");
  EXPECT_EQ(atomic["engines"][1]["state"], "ran");
  EXPECT_EQ(atomic["engines"][1]["executions"], 5);
  EXPECT_EQ(atomic["engines"][1]["runs_requested"], 5);
  EXPECT_TRUE(atomic["engines"][1]["findings"].empty());
  EXPECT_TRUE(atomic["correlation"].empty());
}

TEST(CheckCli, RacyCounterNativeReportsTheRaceInJson) {
  const std::string json = ::testing::TempDir() + "weft_check_racy.json";
  const CliRun r = weft("check counter/racy --engine model --engine native --runs 5 --json " + json);
  const auto j = nlohmann::json::parse(read_file(json));
  const auto& native = j["scenarios"][0]["engines"][1];
  EXPECT_EQ(native["engine"], "native");
  EXPECT_EQ(native["matches"], true) << native.dump(2);
  ASSERT_FALSE(native["findings"].empty());
  const auto& race = native["findings"][0];
  EXPECT_EQ(race["kind"], "data_race");
  EXPECT_EQ(race["location"]["file"], "scenarios/counter.cpp");
  EXPECT_NE(race["trace"].get<std::string>().find("WARNING: ThreadSanitizer: data race"), std::string::npos);
  EXPECT_EQ(j["exit_code"], r.code);
}

TEST(CheckCli, AllSkippedSaysSoAndJudgesNothing) {
  // polite-livelock declares a native skip reason: nothing is judged (exit 3, never a pass), the
  // table and the summary say so, and ctest reports such a test as skipped (SKIP_RETURN_CODE 3).
  const CliRun skipped = weft("check lock-ordering/polite-livelock --engine native");
  EXPECT_EQ(skipped.code, 3) << skipped.err;
  EXPECT_NE(skipped.out.find("summary: 0 match, 0 mismatch, 1 skipped"), std::string::npos) << skipped.out;
  EXPECT_NE(skipped.out.find("skipped: a livelock needs the lockstep schedule"), std::string::npos) << skipped.out;
  const CliRun native = weft("native lock-ordering/polite-livelock");
  EXPECT_EQ(native.code, 3) << native.err;
  EXPECT_NE(native.out.find("skipped on the native engine: a livelock needs the lockstep schedule"), std::string::npos)
      << native.out;
}

TEST(CheckCli, AnEngineErrorIsAMismatchAndExitsOne) {
  const std::string junit = ::testing::TempDir() + "weft_check_error.xml";
  const CliRun r = weft("check counter/atomic --engine native --native-binary " + std::string(WEFT_TEST_DATA) +
                        "/fake_native_crash.sh --junit " + junit);
  EXPECT_EQ(r.code, 1) << r.out << r.err;
  EXPECT_NE(r.out.find("summary: 0 match, 1 mismatch, 0 skipped"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("no verdict: weft-native was killed by signal 11 (SIGSEGV) in run 2"), std::string::npos)
      << r.out;
  expect_valid_junit(junit);
  EXPECT_NE(read_file(junit).find("<error message=\"expected clean, got error: weft-native was killed by signal 11"),
            std::string::npos)
      << read_file(junit);
}

TEST(CheckCli, MissingNativeBackendAskedForByNameIsAnError) {
  expect_one_line_error(weft("check counter/atomic --engine native --native-binary /nonexistent/weft-native"),
                        "native backend not built (/nonexistent/weft-native is missing)");
  expect_one_line_error(weft("native counter/atomic --native-binary /nonexistent/weft-native"),
                        "native backend is not built (/nonexistent/weft-native is missing)");
  // Without --engine the native column is skipped with the reason (never a pass).
  const CliRun r = weft("check counter/atomic --native-binary /nonexistent/weft-native");
  EXPECT_EQ(r.code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("skipped: native backend not built (/nonexistent/weft-native is missing)"), std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find(" match, 0 mismatch, "), std::string::npos) << r.out;
}

TEST(NativeCli, JsonCarriesTheNativeFinding) {
  const CliRun r = weft("native counter/racy --runs 3 --json");
  EXPECT_EQ(r.code, 1) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["engine"], "native");
  EXPECT_EQ(j["strategy"], "native");
  EXPECT_EQ(j["runs"], 3);
  EXPECT_EQ(j["executions"], 3);
  EXPECT_EQ(j["perturb"], false);
  EXPECT_TRUE(j["error"].is_null());
  bool race = false;
  for (const auto& f : j["findings"]) race = race || f["kind"] == "data_race";
  EXPECT_TRUE(race) << r.out;
  const CliRun clean = weft("native counter/atomic --runs 3");
  EXPECT_EQ(clean.code, 0) << clean.out << clean.err;
  EXPECT_NE(clean.out.find("no finding"), std::string::npos);
}

}  // namespace
}  // namespace weft::check
