// Judging verdicts against declared expectations, and model/native correlation.
#include "check/check.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <set>

#include "check/relacy_agreement.hpp"

namespace weft::check {

namespace {

bool contains(const std::vector<FindingKind>& kinds, FindingKind k) {
  return std::find(kinds.begin(), kinds.end(), k) != kinds.end();
}

std::string kinds_text(const std::vector<FindingKind>& kinds) {
  std::string out;
  for (FindingKind k : kinds) out += (out.empty() ? "" : "+") + std::string(kind_name(k));
  return out;
}

// Every known "file:line" a finding points at.
std::set<std::string> locations(const Finding& f) {
  std::set<std::string> out;
  if (f.location.known()) out.insert(format_location(f.location));
  for (const FindingSite& s : f.sites) {
    if (s.location.known()) out.insert(format_location(s.location));
  }
  return out;
}

bool same_place(const Finding& a, const Finding& b) {
  if (a.kind != b.kind) return false;
  const std::set<std::string> la = locations(a);
  for (const std::string& l : locations(b)) {
    if (la.count(l) != 0) return true;
  }
  return false;
}

// A native hang is what a model deadlock (or livelock) looks like on real cores.
bool hang_counterpart(FindingKind model_kind) {
  return model_kind == FindingKind::kDeadlock || model_kind == FindingKind::kStepBound ||
         model_kind == FindingKind::kLivelock;
}

std::string where(const Finding& f) { return f.location.known() ? format_location(f.location) : std::string("?"); }

}  // namespace

bool native_deterministic(FindingKind kind) {
  return kind == FindingKind::kDataRace || kind == FindingKind::kLockOrderInversion;
}

Judgement judge(const Expectation& expected, const EngineVerdict& verdict) {
  Judgement j;
  if (verdict.state == VerdictState::kSkipped) {
    j.counted = false;
    j.note = verdict.reason;
    return j;
  }
  if (verdict.state == VerdictState::kError) {
    j.note = "no verdict: " + verdict.reason;
    return j;
  }
  const std::vector<FindingKind> found = verdict.kinds();
  if (expected.kinds.empty()) {
    j.matches = found.empty();
    if (!j.matches) j.note = fmt::format("expected clean, found {}", kinds_text(found));
    return j;
  }
  std::vector<FindingKind> unexpected;
  for (FindingKind k : found) {
    if (!contains(expected.kinds, k)) unexpected.push_back(k);
  }
  if (!unexpected.empty()) {
    j.note = fmt::format("unexpected {}", kinds_text(unexpected));
    return j;
  }
  if (verdict.engine == Engine::kNative) {
    j.matches = true;
    if (found.empty()) {
      j.reproduced = false;
      j.note = fmt::format("{} not reproduced in {} runs (real threads may never take that interleaving)",
                           kinds_text(expected.kinds), verdict.executions);
    }
    return j;
  }
  j.matches = !found.empty();
  if (!j.matches) {
    j.note = fmt::format("expected {}, found nothing in {} executions{}", kinds_text(expected.kinds),
                         verdict.executions, verdict.complete ? " (complete search)" : "");
  }
  return j;
}

std::string_view correlation_name(CorrelationStatus status) {
  switch (status) {
    case CorrelationStatus::kConfirmed:
      return "confirmed";
    case CorrelationStatus::kConsistent:
      return "consistent";
    case CorrelationStatus::kNotReproduced:
      return "not_reproduced";
    case CorrelationStatus::kNativeOnly:
      return "native_only";
    case CorrelationStatus::kWeftBug:
      return "weft_bug";
  }
  return "?";
}

std::vector<Correlation> correlate(const EngineVerdict& model, const EngineVerdict& native) {
  std::vector<Correlation> out;
  std::vector<bool> native_used(native.findings.size(), false);
  const std::uint64_t runs = native.executions;
  for (const Finding& m : model.findings) {
    Correlation c;
    c.kind = m.kind;
    c.location = where(m);
    std::size_t hit = native.findings.size();
    for (std::size_t i = 0; i < native.findings.size(); ++i) {
      if (same_place(m, native.findings[i])) {
        hit = i;
        break;
      }
    }
    if (hit < native.findings.size()) {
      native_used[hit] = true;
      c.status = CorrelationStatus::kConfirmed;
      c.message = fmt::format("{} at {}: confirmed on real cores (native run {})", kind_name(m.kind), c.location,
                              native.findings[hit].execution);
      out.push_back(std::move(c));
      continue;
    }
    if (hang_counterpart(m.kind)) {
      for (std::size_t i = 0; i < native.findings.size(); ++i) {
        if (native.findings[i].kind != FindingKind::kHang) continue;
        native_used[i] = true;
        hit = i;
        break;
      }
    }
    if (hit < native.findings.size()) {
      c.status = CorrelationStatus::kConsistent;
      c.message = fmt::format("{} at {}: consistent with the hang of native run {} (the watchdog cannot tell where)",
                              kind_name(m.kind), c.location, native.findings[hit].execution);
      out.push_back(std::move(c));
      continue;
    }
    c.status = CorrelationStatus::kNotReproduced;
    if (native_deterministic(m.kind)) {
      c.message = fmt::format(
          "{} at {}: ThreadSanitizer did not report it in {} runs (it does whenever the code runs: "
          "check that the native run takes that path)",
          kind_name(m.kind), c.location, runs);
    } else {
      c.message = fmt::format("{} at {}: not hit natively in {} runs (expected for rare interleavings)",
                              kind_name(m.kind), c.location, runs);
    }
    out.push_back(std::move(c));
  }
  for (std::size_t i = 0; i < native.findings.size(); ++i) {
    if (native_used[i]) continue;
    const Finding& n = native.findings[i];
    bool matched = false;
    for (const Finding& m : model.findings) {
      matched = matched || same_place(m, n) || (n.kind == FindingKind::kHang && hang_counterpart(m.kind));
    }
    if (matched) continue;  // a second native finding of one model finding
    Correlation c;
    c.kind = n.kind;
    c.location = where(n);
    if (model.complete) {
      c.status = CorrelationStatus::kWeftBug;
      c.message = fmt::format(
          "WEFT BUG: native {} at {} (run {}) was missed by the model's complete exhaustive "
          "search of {} executions",
          kind_name(n.kind), c.location, n.execution, model.executions);
    } else {
      c.status = CorrelationStatus::kNativeOnly;
      const std::string why =
          model.bounded_by == "finding"
              ? std::string("the model's exploration stopped at its first failure")
              : fmt::format("the model's search was bounded ({})",
                            model.bounded_by.empty() ? std::string("incomplete") : model.bounded_by);
      c.message = fmt::format("native {} at {} (run {}) is not among the model's findings; {}, so it may lie beyond",
                              kind_name(n.kind), c.location, n.execution, why);
    }
    out.push_back(std::move(c));
  }
  return out;
}

const Expectation& expectation_for(const Scenario& scenario, Engine engine) {
  switch (engine) {
    case Engine::kModel:
      return scenario.model;
    case Engine::kNative:
      return scenario.native;
    case Engine::kRelacy:
      return scenario.relacy;
  }
  return scenario.model;
}

ScenarioCheck check_scenario(const Scenario& scenario, const std::vector<CheckEngine*>& engines) {
  ScenarioCheck sc;
  sc.scenario = &scenario;
  sc.params = scenario.default_params();
  for (CheckEngine* engine : engines) {
    EngineCheck ec;
    ec.expected = expectation_for(scenario, engine->engine());
    if (!ec.expected.skip_reason.empty()) {
      ec.verdict.engine = engine->engine();
      ec.verdict.state = VerdictState::kSkipped;
      ec.verdict.reason = std::string(ec.expected.skip_reason);
    } else if (std::string why = engine->unavailable_reason(); !why.empty()) {
      ec.verdict.engine = engine->engine();
      ec.verdict.state = VerdictState::kSkipped;
      ec.verdict.reason = why;
    } else {
      ec.verdict = engine->run(scenario, sc.params);
    }
    ec.judgement = judge(ec.expected, ec.verdict);
    sc.engines.push_back(std::move(ec));
  }
  apply_sc_agreement(scenario, sc.engines);  // seq_cst-only scenarios: model and relacy must agree
  const EngineCheck* model = nullptr;
  const EngineCheck* native = nullptr;
  for (const EngineCheck& ec : sc.engines) {
    if (ec.verdict.state != VerdictState::kRan) continue;
    if (ec.verdict.engine == Engine::kModel) model = &ec;
    if (ec.verdict.engine == Engine::kNative) native = &ec;
  }
  if (model != nullptr && native != nullptr) sc.correlation = correlate(model->verdict, native->verdict);
  return sc;
}

CheckSummary summarize(const std::vector<ScenarioCheck>& checks) {
  CheckSummary s;
  for (const ScenarioCheck& sc : checks) {
    for (const EngineCheck& ec : sc.engines) {
      if (!ec.judgement.counted) {
        ++s.skipped;
      } else if (ec.judgement.matches) {
        ++s.matched;
      } else {
        ++s.mismatched;
      }
    }
    for (const Correlation& c : sc.correlation) s.weft_bugs += c.status == CorrelationStatus::kWeftBug ? 1 : 0;
  }
  return s;
}

}  // namespace weft::check
