// The engines `weft check` runs per scenario, behind one interface: model, native (weft-native
// under ThreadSanitizer) and relacy (weft-relacy), the last two as subprocesses.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "weft/finding.hpp"
#include "weft/params.hpp"
#include "weft/scenario.hpp"

namespace weft::check {

struct CheckSettings {
  std::uint64_t native_runs = 20;   // runs of each scenario on real threads
  std::uint64_t seed = 1;           // native perturbation seed
  bool perturb = false;             // native: random yields and short sleeps at sync points
  double native_timeout = 10;       // native watchdog, seconds per run
  std::string native_binary;        // weft-native; empty: next to the running executable
  double relacy_timeout = 600;      // relacy: seconds weft-relacy may run per scenario (0: no limit)
  std::string relacy_binary;        // weft-relacy; empty: next to the running executable
  // Model engine (see README, Reliability): each scenario's search runs in a supervised child
  // unless isolate is off; the time limits and stack size of weft::Options.
  bool isolate = true;
  std::size_t stack_size = 64 * 1024;
  double max_seconds = 0;
  double exec_timeout = 10;
};

enum class VerdictState : std::uint8_t {
  kRan,      // the engine produced a verdict (findings, possibly none)
  kSkipped,  // not run: the scenario declares a skip reason, or the engine is not available
  kError,    // the engine failed to produce a verdict (crash, nondeterministic scenario, ...)
};

struct EngineVerdict {
  Engine engine = Engine::kModel;
  VerdictState state = VerdictState::kRan;
  std::string reason;                 // why skipped / what failed
  // Distinct findings (by kind and source location), first occurrence each, with the replay
  // token (model) and a trace (model: the replayed execution; native: TSan's report).
  std::vector<Finding> findings;
  std::uint64_t executions = 0;       // model: executions explored; native: runs completed
  std::uint64_t runs_requested = 0;   // native: runs asked for
  bool complete = false;              // model: the whole search space was explored
  std::string bounded_by;             // model: why the search stopped early; native: "hang"
  double seconds = 0;
  std::string rerun;                  // a command line that repeats this engine's run

  // Distinct finding kinds, in first-seen order.
  std::vector<FindingKind> kinds() const;
};

class CheckEngine {
 public:
  virtual ~CheckEngine() = default;
  virtual Engine engine() const = 0;
  // Empty when the engine can run; otherwise why every scenario is skipped on it.
  virtual std::string unavailable_reason() const { return {}; }
  // Runs one scenario (not called when the scenario declares a skip reason for this engine).
  virtual EngineVerdict run(const Scenario& scenario, const Params& params) = 0;
};

std::unique_ptr<CheckEngine> make_model_engine(const CheckSettings& settings);
std::unique_ptr<CheckEngine> make_native_engine(const CheckSettings& settings);
std::unique_ptr<CheckEngine> make_relacy_engine(const CheckSettings& settings);

// Every engine, in table order: model, native, relacy.
std::vector<std::unique_ptr<CheckEngine>> make_engines(const CheckSettings& settings);

}  // namespace weft::check
