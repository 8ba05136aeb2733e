// The native engine in `weft check`: weft-native under ThreadSanitizer, as a subprocess.
#include <fmt/format.h>
#include <unistd.h>

#include "check/engine.hpp"
#include "native/native_driver.hpp"

namespace weft::check {

namespace {

class NativeEngine final : public CheckEngine {
 public:
  explicit NativeEngine(const CheckSettings& settings) : settings_(settings) {
    binary_ = settings.native_binary.empty() ? native::default_native_binary() : settings.native_binary;
  }

  Engine engine() const override { return Engine::kNative; }

  std::string unavailable_reason() const override {
    if (binary_.empty()) return "native backend not built (no weft-native next to weft)";
    if (::access(binary_.c_str(), X_OK) != 0) return fmt::format("native backend not built ({} is missing)", binary_);
    return {};
  }

  EngineVerdict run(const Scenario& scenario, const Params& params) override {
    EngineVerdict v;
    v.engine = Engine::kNative;
    if (std::string why = unavailable_reason(); !why.empty()) {
      v.state = VerdictState::kSkipped;
      v.reason = why;
      return v;
    }
    native::NativeOptions o;
    o.runs = settings_.native_runs;
    o.seed = settings_.seed;
    o.perturb = settings_.perturb;
    o.timeout_seconds = settings_.native_timeout;
    o.binary = binary_;
    native::NativeResult r = native::run_native(scenario, params, o);
    v.executions = r.runs_completed;
    v.runs_requested = r.runs_requested;
    v.seconds = r.seconds;
    v.rerun = r.rerun;
    v.findings = std::move(r.findings);
    if (r.hang) v.bounded_by = "hang";
    if (!r.error.empty()) {
      v.state = VerdictState::kError;
      v.reason = r.error;
    }
    return v;
  }

 private:
  CheckSettings settings_;
  std::string binary_;
};

}  // namespace

std::unique_ptr<CheckEngine> make_native_engine(const CheckSettings& settings) {
  return std::make_unique<NativeEngine>(settings);
}

}  // namespace weft::check
