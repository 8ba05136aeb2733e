// Exploring a test body or a catalog scenario under weft's scheduler, and replaying a schedule.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "weft/finding.hpp"
#include "weft/priority.hpp"
#include "weft/params.hpp"
#include "weft/schedule.hpp"
#include "weft/scenario.hpp"

namespace weft {

class Strategy;
class Checker;

// kDfs: every interleaving (optionally preemption-bounded). kDpor: one execution per
// Mazurkiewicz trace (optimal DPOR; exhaustive, no preemption bound, not in the fair mode or
// under the priority policy). kRandom: seeded uniform choices. kPct: probabilistic concurrency
// testing with bug depth `pct_depth` (see README, "Strategies"). kDefault: the CLI's default
// search, resolved by explore(): DPOR where it applies (dpor_applies(), no preemption bound),
// DFS otherwise.
enum class StrategyKind : std::uint8_t { kDfs, kRandom, kDpor, kPct, kDefault };

struct Options {
  StrategyKind strategy = StrategyKind::kDefault;
  int preemption_bound = -1;              // dfs: -1 unbounded
  int pct_depth = 3;                      // pct: the bug depth d the run targets (>= 1)
  std::uint64_t max_executions = 0;       // 0: unlimited for dfs, 1000 for random
  std::uint64_t seed = 1;                 // random
  std::uint32_t max_steps = 20000;        // per execution; beyond it: step_bound finding
  bool spurious_wakeups = true;           // condition variables may wake spuriously
  std::uint32_t max_spurious = 1;         // spurious wake-ups allowed per execution
  bool stop_on_first = true;              // stop after the first execution with a finding
  bool trace = true;                      // keep a readable trace in each finding
  std::size_t stack_size = 64 * 1024;     // bytes per simulated thread stack
  // Fair mode (CHESS fairness): a thread that yields or fails a try_lock / try_acquire /
  // compare-exchange lets the threads that have not run since its last such retry go first.
  // Spin loops that yield terminate when they are correct under fairness; a step-bound
  // execution repeating a cycle of retries is a livelock. At most 64 threads.
  bool fair = false;
  // Fair mode: a thread passed over more than this many times in a row by the other threads'
  // acquisitions of the mutex or semaphore it waits for is starving.
  std::uint32_t starvation_bound = kDefaultStarvationBound;
  // Scheduling policy (weft/sched.hpp). kPriority simulates fixed-priority preemptive scheduling
  // on `cpus` CPUs with virtual time; the explorer still branches on equal-priority ties, on
  // when threads become ready (arrival, end of a sleep, timeout) and on timed-wait outcomes.
  SchedPolicy policy = SchedPolicy::kAny;
  int cpus = 1;                           // priority policy: simulated CPUs (1..1024)
  // Priority policy: a thread waiting longer than this for a lower-priority holder is a
  // priority_inversion finding even when the inversion is bounded. Negative: no bound.
  std::chrono::nanoseconds max_blocking{-1};
  // The identity of the explored body (e.g. "gtest:Suite.Name", set by WEFT_TEST): its hash is
  // the scenario field of the findings' tokens, and a token recorded for another identity is
  // rejected by replay (std::invalid_argument). Empty: an anonymous body (hash 0).
  std::string identity;
  // Debugging: at the first scheduling point of each execution with at least this many events
  // (a finding's `step`), weft_break_here(step, thread) is called: a gdb breakpoint. 0: never.
  std::uint64_t break_step = 0;
  // explore() and replay() apply the WEFT_* environment knobs (README, "Environment knobs") over
  // these options; false: the options are used as given.
  bool from_env = true;
  // Time limits. max_seconds bounds the whole search (checked between executions; 0: none): the
  // result then says bounded_by "max_seconds". exec_timeout: an execution whose running thread
  // makes no visible operation for this many seconds is stopped with a hang finding (0: off).
  double max_seconds = 0;
  double exec_timeout = 10;
  // Crash isolation: a fault signal, abort(), std::terminate or a stack overflow in a simulated
  // thread becomes a crash finding and the search goes on (see README, Reliability). False: the
  // signal's default action (the process dies), for a debugger or a core dump.
  bool catch_crashes = true;
};

struct Result {
  std::uint64_t executions = 0;
  bool complete = false;        // the whole search space was explored (a proof, within the model)
  std::string bounded_by;       // why the search stopped early: "finding", "max_executions", ...
  std::string strategy;         // "dfs", "dpor", "random", "pct", "replay"
  std::uint64_t seed = 0;
  bool fair = false;                 // explored in the fair mode
  std::uint32_t starvation_bound = 0;  // the fair mode's starvation bound
  double seconds = 0;
  std::uint64_t max_steps_seen = 0;
  // "max_spurious=N" when spurious wake-ups were on and some execution reached a wait with its N
  // spurious wake-ups used up (a spurious wake-up there was not explored): `complete` then covers
  // the executions with at most N spurious wake-ups each. Empty otherwise.
  std::string spurious_bound;
  // dpor: executions that turned out redundant once started (sleep-set blocked; they are
  // counted in `executions`), and backtrack points added conservatively (all enabled threads)
  // where the reduction's assumptions did not hold (expected 0; tests pin it).
  std::uint64_t redundant_executions = 0;
  std::uint64_t conservative_backtracks = 0;
  SchedPolicy policy = SchedPolicy::kAny;
  int cpus = 1;
  BlockingSummary max_blocking;  // priority policy: worst blocking on a lower-priority holder
  std::vector<Finding> findings;
  std::string divergence;       // replay: where a nondeterministic body diverged; empty otherwise
  // Set when the requested strategy could not search this program and another one did (dpor
  // with more than 64 threads: `strategy` is then "dfs"): why, and which. Empty otherwise.
  std::string strategy_fallback;

  bool ok() const { return findings.empty() && divergence.empty(); }
  bool has(FindingKind kind) const;
};

// Explores `body` (run as the main thread of every execution) with the given options.
// Each execution starts from fresh state: sync objects created in `body` are new, and those of
// static storage are restored to their constructed state (README "The facade", static storage).
// Exceptions escaping `body` or its threads become uncaught_exception findings.
// The WEFT_* environment knobs override `options` (unless options.from_env is false); with
// WEFT_REPLAY set, the token's one execution is replayed instead of a search. A bad knob value,
// or a token of another identity, throws std::invalid_argument with a one-line message.
Result explore(const std::function<void()>& body, const Options& options = {});

// The options `weft explore` and `weft check` start from for a catalog scenario: the defaults
// with the scenario's ExploreDefaults applied (bounds, fair mode, scheduling policy).
Options scenario_options(const Scenario& scenario);

// True when DPOR can explore under `o`: not in the fair mode and under the any-interleaving
// policy (both narrow the set of enabled threads DPOR must see at every point).
bool dpor_applies(const Options& o);

// The search `weft explore` (without --strategy) and `weft check` run for a catalog scenario:
// scenario_options() with DPOR where it applies, then without the scenario's preemption bound (a
// concession of DFS: DPOR explores every trace); DFS otherwise.
Options default_search_options(const Scenario& scenario);

// Explores a catalog scenario with the given parameter values.
Result explore_scenario(const Scenario& scenario, const Params& params, const Options& options);

// Runs exactly the execution recorded in `schedule`. On success the findings are those of
// that execution; a nondeterministic body that diverges sets Result::divergence.
Result replay(const std::function<void()>& body, const Schedule& schedule, const Options& options = {});
Result replay_scenario(const Scenario& scenario, const Schedule& schedule, const Options& options = {});

// The options explore() runs with: `options` with the WEFT_* environment knobs applied
// (std::invalid_argument on a bad value). WEFT_REPLAY is not an option: see env_replay_token().
Options options_from_env(const Options& options);
// WEFT_REPLAY's token, empty when unset.
std::string env_replay_token();

}  // namespace weft

// Called by the model at Options::break_step (WEFT_BREAK_STEP): `break weft_break_here` in gdb
// stops with the failing step's thread current; `weft threads` (share/weft/gdb/weft.py) lists the
// simulated threads. Does nothing.
extern "C" void weft_break_here(unsigned long long step, int thread);
