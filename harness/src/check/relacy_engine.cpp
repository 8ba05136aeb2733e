// The Relacy engine in `weft check`: weft-relacy as a subprocess, and the SC agreement rule.
#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>

#include "check/engine.hpp"
#include "check/relacy_agreement.hpp"
#include "relacy/relacy_driver.hpp"

namespace weft::check {

namespace {

std::string kinds_text(const std::vector<FindingKind>& kinds) {
  std::string out;
  for (FindingKind k : kinds) out += (out.empty() ? "" : "+") + std::string(kind_name(k));
  return out.empty() ? std::string("nothing") : out;
}

std::string search_text(const EngineVerdict& v) {
  const std::string n = fmt::format("{} execution{}", v.executions, v.executions == 1 ? "" : "s");
  if (v.complete) return "complete, " + n;
  return fmt::format("{}, {}", n, v.bounded_by.empty() ? "incomplete" : v.bounded_by);
}

class RelacyEngine final : public CheckEngine {
 public:
  explicit RelacyEngine(const CheckSettings& settings) : settings_(settings) {
    binary_ = settings.relacy_binary.empty() ? relacy::default_relacy_binary() : settings.relacy_binary;
  }

  Engine engine() const override { return Engine::kRelacy; }

  std::string unavailable_reason() const override {
    if (binary_.empty()) return "relacy backend not built (no weft-relacy next to weft)";
    if (::access(binary_.c_str(), X_OK) != 0) return fmt::format("relacy backend not built ({} is missing)", binary_);
    return {};
  }

  EngineVerdict run(const Scenario& scenario, const Params& params) override {
    EngineVerdict v;
    v.engine = Engine::kRelacy;
    relacy::RelacyOptions o = relacy::default_options(scenario);
    o.binary = binary_;
    o.timeout_seconds = settings_.relacy_timeout;
    relacy::RelacyResult r = relacy::run_relacy(scenario, params, o);
    v.executions = r.result.executions;
    v.complete = r.result.complete;
    v.bounded_by = r.result.bounded_by;
    v.seconds = r.result.seconds;
    v.rerun = r.rerun;
    v.findings = std::move(r.result.findings);
    if (!r.error.empty()) {
      v.state = VerdictState::kError;
      v.reason = r.error;
    } else if (r.skipped) {
      v.state = VerdictState::kSkipped;
      v.reason = r.skip_reason;
      if (r.skip_at.known()) v.reason += fmt::format(" (at {})", format_location(r.skip_at));
    } else if (!scenario.weak_orders && !r.weak_order.empty()) {
      // The declaration decides whether the SC agreement rule applies: it must be true.
      v.state = VerdictState::kError;
      v.reason = fmt::format("the scenario uses memory_order_{} at {} but does not declare weak_orders = true",
                             r.weak_order, format_location(r.weak_order_at));
    }
    return v;
  }

 private:
  CheckSettings settings_;
  std::string binary_;
};

}  // namespace

std::unique_ptr<CheckEngine> make_relacy_engine(const CheckSettings& settings) {
  return std::make_unique<RelacyEngine>(settings);
}

std::vector<FindingKind> comparable_kinds(const std::vector<FindingKind>& kinds) {
  std::vector<FindingKind> out;
  for (FindingKind k : kinds) {
    switch (k) {
      case FindingKind::kStepBound:
        k = FindingKind::kLivelock;
        break;
      case FindingKind::kAssertionFailure:
      case FindingKind::kUncaughtException:
      case FindingKind::kDeadlock:
      case FindingKind::kApiMisuse:
      case FindingKind::kDataRace:
      case FindingKind::kLivelock:
        break;
      default:
        continue;
    }
    if (std::find(out.begin(), out.end(), k) == out.end()) out.push_back(k);
  }
  return out;
}

std::optional<std::string> sc_disagreement(const Scenario& scenario, const EngineVerdict& model,
                                           const EngineVerdict& relacy) {
  if (scenario.weak_orders) return std::nullopt;
  if (model.state != VerdictState::kRan || relacy.state != VerdictState::kRan) return std::nullopt;
  const std::vector<FindingKind> m = comparable_kinds(model.kinds());
  const std::vector<FindingKind> r = comparable_kinds(relacy.kinds());
  bool agree = m.empty() == r.empty();
  if (agree && !m.empty()) {
    agree = std::any_of(m.begin(), m.end(), [&](FindingKind k) { return std::find(r.begin(), r.end(), k) != r.end(); });
  }
  if (agree) return std::nullopt;
  return fmt::format(
      "model and relacy disagree on this seq_cst-only scenario: the model found {} ({}), relacy found {} ({})",
      kinds_text(m), search_text(model), kinds_text(r), search_text(relacy));
}

void apply_sc_agreement(const Scenario& scenario, std::vector<EngineCheck>& engines) {
  EngineCheck* model = nullptr;
  EngineCheck* relacy = nullptr;
  for (EngineCheck& ec : engines) {
    if (ec.verdict.engine == Engine::kModel) model = &ec;
    if (ec.verdict.engine == Engine::kRelacy) relacy = &ec;
  }
  if (model == nullptr || relacy == nullptr) return;
  const std::optional<std::string> why = sc_disagreement(scenario, model->verdict, relacy->verdict);
  if (!why) return;
  Judgement& j = relacy->judgement;
  j.counted = true;
  j.matches = false;
  j.note = j.note.empty() ? *why : j.note + "; " + *why;
}

}  // namespace weft::check
