// Driving weft-native from the (uninstrumented) weft CLI: subprocess, watchdog, TSan parsing.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "weft/finding.hpp"
#include "weft/params.hpp"
#include "weft/scenario.hpp"

namespace weft::native {

struct NativeOptions {
  std::uint64_t runs = 20;      // runs of the scenario body, all in one weft-native process
  std::uint64_t seed = 1;       // perturbation and weft::choose
  bool perturb = false;         // random yields and short sleeps at synchronization points
  double timeout_seconds = 10;  // watchdog: a run (or the start-up) longer than this is a hang
  std::string binary;           // weft-native; empty: default_native_binary()
};

struct NativeResult {
  std::uint64_t runs_requested = 0;
  std::uint64_t runs_completed = 0;  // runs that finished (all their threads joined)
  // Distinct findings (by kind and source locations), each the first occurrence; `execution`
  // is the 1-based run. TSan reports a given pair of stacks once per process, so later runs
  // repeat a race only in the details' run count for assertion failures.
  std::vector<Finding> findings;
  bool hang = false;  // the watchdog stopped run `hang_run`
  std::uint64_t hang_run = 0;
  // Non-empty when the backend gave no verdict: binary missing, the process crashed or was
  // killed by a signal other than the watchdog's, TSan output weft could not account for.
  std::string error;
  double seconds = 0;
  std::string rerun;  // a `weft native ...` command line that repeats this run
};

// weft-native next to the running executable (/proc/self/exe); empty if there is none.
std::string default_native_binary();

// The TSAN_OPTIONS weft appends to the user's own (later settings win, so these hold): reports
// go to stderr, execution continues after a report, the lock-order (deadlock) detector is on
// with both stacks of each edge, and llvm-symbolizer is used when installed.
std::string tsan_options();

// Runs the scenario natively. Never throws for backend failures (see NativeResult::error).
NativeResult run_native(const Scenario& scenario, const Params& params, const NativeOptions& options);

// The findings of one weft-native output stream (the protocol of native_runtime.hpp mixed with
// TSan reports), for tests: the same parsing run_native applies. `runs_completed` counts "end"
// events; `error` is set when a TSan report count line disagrees with the reports parsed.
NativeResult parse_native_output(std::string_view output, std::uint64_t runs_requested);

}  // namespace weft::native
