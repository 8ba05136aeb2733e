// `weft check` with the Relacy engine: the SC agreement rule (model vs Relacy on scenarios whose
// atomics are all seq_cst), the weak_orders declaration check, and a real disagreement end to end.
#include <gtest/gtest.h>

#include <string_view>

#include "check/check.hpp"
#include "check/relacy_agreement.hpp"
#include "weft/sync.hpp"

namespace weft::check {
namespace {

constexpr auto kAssert = FindingKind::kAssertionFailure;
constexpr auto kRace = FindingKind::kDataRace;
constexpr auto kDeadlock = FindingKind::kDeadlock;

EngineVerdict verdict(Engine engine, std::vector<FindingKind> kinds, bool complete = true) {
  EngineVerdict v;
  v.engine = engine;
  v.executions = 10;
  v.complete = complete;
  if (!complete) v.bounded_by = "context_bound=2";
  for (FindingKind k : kinds) {
    Finding f;
    f.kind = k;
    v.findings.push_back(f);
  }
  return v;
}

Scenario seq_cst_scenario() {
  Scenario s;
  s.name = "test/sc";
  return s;
}

TEST(RelacyAgreement, ComparableKindsKeepWhatBothEnginesReport) {
  EXPECT_EQ(comparable_kinds({FindingKind::kStepBound, kRace, FindingKind::kLockOrderInversion,
                              FindingKind::kMemoryLeak, FindingKind::kLivelock}),
            (std::vector<FindingKind>{FindingKind::kLivelock, kRace}));
}

TEST(RelacyAgreement, CleanAgainstBuggyIsADisagreementThatSaysWhoSawWhat) {
  const auto why =
      sc_disagreement(seq_cst_scenario(), verdict(Engine::kModel, {}), verdict(Engine::kRelacy, {kAssert}, false));
  ASSERT_TRUE(why.has_value());
  EXPECT_EQ(*why,
            "model and relacy disagree on this seq_cst-only scenario: the model found nothing (complete, 10 "
            "executions), relacy found assertion_failure (10 executions, context_bound=2)");
}

TEST(RelacyAgreement, OverlappingKindsAgree) {
  const Scenario s = seq_cst_scenario();
  // The model's race checker and assertion, Relacy stopping at the race.
  EXPECT_FALSE(sc_disagreement(s, verdict(Engine::kModel, {kRace, kAssert}), verdict(Engine::kRelacy, {kRace})));
  // A lock-order inversion is the model's alone: nothing comparable on either side.
  EXPECT_FALSE(
      sc_disagreement(s, verdict(Engine::kModel, {FindingKind::kLockOrderInversion}), verdict(Engine::kRelacy, {})));
  // Both buggy but nothing in common.
  EXPECT_TRUE(sc_disagreement(s, verdict(Engine::kModel, {kDeadlock}), verdict(Engine::kRelacy, {kAssert})));
}

TEST(RelacyAgreement, OnlyForSeqCstScenariosWhereBothRan) {
  Scenario weak = seq_cst_scenario();
  weak.weak_orders = true;
  EXPECT_FALSE(sc_disagreement(weak, verdict(Engine::kModel, {}), verdict(Engine::kRelacy, {kAssert})));
  EngineVerdict skipped = verdict(Engine::kRelacy, {});
  skipped.state = VerdictState::kSkipped;
  EXPECT_FALSE(sc_disagreement(seq_cst_scenario(), verdict(Engine::kModel, {kAssert}), skipped));
}

TEST(RelacyAgreement, ADisagreementMakesTheRelacyRowAMismatch) {
  std::vector<EngineCheck> rows(2);
  rows[0].verdict = verdict(Engine::kModel, {});
  rows[0].judgement.matches = true;
  rows[1].verdict = verdict(Engine::kRelacy, {kAssert});
  rows[1].expected.kinds = {kAssert};
  rows[1].judgement.matches = true;
  apply_sc_agreement(seq_cst_scenario(), rows);
  EXPECT_TRUE(rows[0].judgement.matches);
  EXPECT_TRUE(rows[1].judgement.counted);
  EXPECT_FALSE(rows[1].judgement.matches);
  EXPECT_EQ(rows[1].judgement.note.rfind("model and relacy disagree", 0), 0u) << rows[1].judgement.note;
}

// End to end: the same scenario under the model (this binary) and under Relacy (the probes
// binary), where the body fails only under Relacy. Each engine matches its own declaration;
// the check fails on the disagreement alone.
void engine_divergence(const Params&) { WEFT_ASSERT(std::string_view(weft::kBackendName) != "relacy"); }

TEST(RelacyAgreement, RealDisagreementFailsTheCheck) {
  Scenario s;
  s.name = "relacy-probe/engine-divergence";
  s.body = &engine_divergence;
  s.relacy.kinds = {kAssert};
  CheckSettings settings;
  settings.relacy_binary = WEFT_RELACY_PROBES;
  auto model = make_model_engine(settings);
  auto relacy = make_relacy_engine(settings);
  const ScenarioCheck sc = check_scenario(s, {model.get(), relacy.get()});
  ASSERT_EQ(sc.engines.size(), 2u);
  EXPECT_TRUE(sc.engines[0].judgement.matches) << sc.engines[0].judgement.note;
  ASSERT_EQ(sc.engines[1].verdict.state, VerdictState::kRan) << sc.engines[1].verdict.reason;
  EXPECT_EQ(sc.engines[1].verdict.kinds(), (std::vector<FindingKind>{kAssert}));
  EXPECT_FALSE(sc.engines[1].judgement.matches);
  EXPECT_NE(sc.engines[1].judgement.note.find("the model found nothing (complete, 1 execution), relacy found "
                                              "assertion_failure"),
            std::string::npos)
      << sc.engines[1].judgement.note;
  EXPECT_EQ(summarize({sc}).mismatched, 1);
}

// A scenario that uses a weak order without declaring weak_orders gets no verdict: the
// declaration decides whether the agreement rule applies.
TEST(RelacyAgreement, UndeclaredWeakOrderIsAnError) {
  Scenario s;
  s.name = "relacy-probe/undeclared-relaxed";
  CheckSettings settings;
  settings.relacy_binary = WEFT_RELACY_PROBES;
  const EngineVerdict v = make_relacy_engine(settings)->run(s, s.default_params());
  EXPECT_EQ(v.state, VerdictState::kError);
  EXPECT_NE(v.reason.find("uses memory_order_relaxed at tests/relacy/relacy_probes.cpp:"), std::string::npos)
      << v.reason;
  EXPECT_NE(v.reason.find("does not declare weak_orders = true"), std::string::npos) << v.reason;
}

TEST(RelacyCheckEngine, RuntimeSkipIsASkippedVerdictWithTheReason) {
  Scenario s;
  s.name = "relacy-probe/sleeps";
  CheckSettings settings;
  settings.relacy_binary = WEFT_RELACY_PROBES;
  const EngineVerdict v = make_relacy_engine(settings)->run(s, s.default_params());
  EXPECT_EQ(v.state, VerdictState::kSkipped);
  EXPECT_EQ(v.reason.rfind("needs virtual time", 0), 0u) << v.reason;
  EXPECT_FALSE(judge(Expectation{}, v).counted);
}

}  // namespace
}  // namespace weft::check
