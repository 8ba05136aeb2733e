// The model engine in `weft check`: exactly `weft explore <scenario>` (the scenario's own
// exploration options, stopping at the first failure; potential findings such as data races and
// lock-order inversions do not stop it, so a racy scenario shows its race and its failure).
#include <fmt/format.h>

#include "check/engine.hpp"
#include "weft/explore.hpp"

namespace weft::check {

namespace {

// Findings count as the same when kind and primary location agree.
std::string key_of(const Finding& f) { return fmt::format("{}@{}", kind_name(f.kind), format_location(f.location)); }

class ModelEngine final : public CheckEngine {
 public:
  Engine engine() const override { return Engine::kModel; }

  EngineVerdict run(const Scenario& scenario, const Params& params) override {
    EngineVerdict v;
    v.engine = Engine::kModel;
    // DPOR, or DFS with the scenario's bounds in the fair mode or under the priority policy.
    const Options o = default_search_options(scenario);
    const Result r = explore_scenario(scenario, params, o);
    v.executions = r.executions;
    v.complete = r.complete;
    v.bounded_by = r.bounded_by;
    v.seconds = r.seconds;
    v.rerun = fmt::format("weft explore {}", scenario.name);
    if (!r.divergence.empty()) {
      v.state = VerdictState::kError;
      v.reason = "nondeterministic scenario: " + r.divergence;
    }
    std::vector<std::string> keys;
    for (const Finding& f : r.findings) {
      const std::string key = key_of(f);
      if (std::find(keys.begin(), keys.end(), key) != keys.end()) continue;
      keys.push_back(key);
      v.findings.push_back(f);
    }
    return v;
  }
};

}  // namespace

std::unique_ptr<CheckEngine> make_model_engine(const CheckSettings&) { return std::make_unique<ModelEngine>(); }

std::vector<FindingKind> EngineVerdict::kinds() const {
  std::vector<FindingKind> out;
  for (const Finding& f : findings) {
    if (std::find(out.begin(), out.end(), f.kind) == out.end()) out.push_back(f.kind);
  }
  return out;
}

std::vector<std::unique_ptr<CheckEngine>> make_engines(const CheckSettings& settings) {
  std::vector<std::unique_ptr<CheckEngine>> out;
  out.push_back(make_model_engine(settings));
  out.push_back(make_native_engine(settings));
  out.push_back(make_relacy_engine(settings));
  return out;
}

}  // namespace weft::check
