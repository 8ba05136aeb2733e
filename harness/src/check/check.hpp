// `weft check`: per scenario and engine, a verdict judged against the scenario's declared
// expectation, and the model's findings correlated with the native ones.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "check/engine.hpp"

namespace weft::check {

// Whether a verdict matches its expectation (the rule, documented in the README):
//  - skipped (declared skip reason, or engine unavailable): not judged (`counted` false);
//  - error: never matches;
//  - clean expectation: matches exactly when nothing was found;
//  - buggy expectation K, found kinds F: nothing unexpected (F ⊆ K), and
//      model / relacy: at least one expected kind found (F non-empty);
//      native: F may be empty. Real threads guarantee no interleaving, nor even that a racy
//      access runs at all (a consumer that never sees the flag never reads the data), so a
//      bug not hit in N runs is expected; such a match has `reproduced` false and says so.
struct Judgement {
  bool counted = true;
  bool matches = false;
  bool reproduced = true;  // false: matched although none of the expected kinds showed
  std::string note;        // why it does not match, or a caveat when it does
};
Judgement judge(const Expectation& expected, const EngineVerdict& verdict);

// Kinds ThreadSanitizer reports whenever the accesses or acquisitions involved execute, whatever
// their interleaving (used to word the correlation of a model finding TSan did not report).
bool native_deterministic(FindingKind kind);

enum class CorrelationStatus : std::uint8_t {
  kConfirmed,      // same kind at the same source location on both engines
  kConsistent,     // a native hang where the model found a deadlock (TSan gives no location)
  kNotReproduced,  // a model finding that native runs did not hit
  kNativeOnly,     // a native finding beyond the model's bounded search
  kWeftBug,        // a native finding that the model's complete exhaustive search missed
};
std::string_view correlation_name(CorrelationStatus status);  // "confirmed", "weft_bug", ...

struct Correlation {
  CorrelationStatus status = CorrelationStatus::kConfirmed;
  FindingKind kind = FindingKind::kAssertionFailure;
  std::string location;  // "file:line" of the finding the line is about ("?" if unknown)
  std::string message;   // one line
};
// Compares the model's findings with the native ones (both must have run).
std::vector<Correlation> correlate(const EngineVerdict& model, const EngineVerdict& native);

struct EngineCheck {
  Expectation expected;
  EngineVerdict verdict;
  Judgement judgement;
};

struct ScenarioCheck {
  const Scenario* scenario = nullptr;
  Params params;
  std::vector<EngineCheck> engines;      // in engine order, filtered
  std::vector<Correlation> correlation;  // empty unless model and native both ran
};

struct CheckSummary {
  int matched = 0;
  int mismatched = 0;
  int skipped = 0;
  int weft_bugs = 0;
};

// The declared expectation of `scenario` for `engine`.
const Expectation& expectation_for(const Scenario& scenario, Engine engine);

// Checks one scenario on the given engines (each verdict judged; correlation when both model
// and native ran).
ScenarioCheck check_scenario(const Scenario& scenario, const std::vector<CheckEngine*>& engines);

CheckSummary summarize(const std::vector<ScenarioCheck>& checks);

}  // namespace weft::check
