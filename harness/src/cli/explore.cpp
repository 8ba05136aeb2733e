// `weft explore` and `weft replay`: run a catalog scenario under the model engine.
#include "weft/explore.hpp"

#include <fmt/format.h>

#include <iostream>
#include <memory>

#include "cli/commands.hpp"
#include "cli/report.hpp"
#include "cli/supervise.hpp"
#include "untrusted.hpp"
#include "weft/scenario.hpp"

namespace weft::cli {

namespace {

// pct's --depth bound: d - 1 priority change points are drawn per execution, and a depth beyond
// the steps of an execution adds nothing (a billion exhausted memory).
constexpr int kMaxPctDepth = 1000;

struct ExploreArgs {
  std::string scenario;
  std::string strategy;  // empty: the default (see choose_strategy)
  int depth = 3;         // pct
  int preemption_bound = -1;
  std::uint64_t max_executions = 0;
  std::uint64_t seed = 1;
  std::uint32_t max_steps = 20000;
  std::vector<std::string> sets;
  bool no_spurious = false;
  std::uint32_t max_spurious = 1;
  bool keep_going = false;
  bool fair = false;
  std::uint32_t starvation_bound = kDefaultStarvationBound;
  std::string policy;        // empty: the scenario's default
  int cpus = 0;              // 0: the scenario's default
  std::string max_blocking;  // empty: no bound
  bool json = false;
  bool no_trace = false;
  std::string token;
  std::size_t stack_size = Options{}.stack_size;
  double max_seconds = 0;
  double exec_timeout = Options{}.exec_timeout;
  bool no_isolate = false;
  EngineOptions engine;  // --engine and the Relacy options (cli/explore_relacy.cpp)
};

const Scenario& lookup(const std::string& name) {
  const Scenario* s = find_scenario(name);
  if (s == nullptr) throw InputError(fmt::format("unknown scenario {} (see 'weft list')", quote_untrusted(name)));
  return *s;
}

int print_result(const Scenario& s, const Params& params, const Result& r, const ExploreArgs& a) {
  if (a.json) {
    std::cout << result_json(s, params, r, "model").dump(2) << "\n";
  } else {
    std::cout << result_text(s, params, r, !a.no_trace);
  }
  return r.ok() ? kExitClean : kExitFinding;
}

// The strategy for `name` (empty: the default), given the other options; InputError when they
// do not combine. DPOR needs the full set of enabled threads at every point and explores every
// trace: it has no preemption bound, and the fair mode and the priority policy narrow the set.
// The default is DPOR, unless one of those applies (then DFS). A scenario's own preemption bound
// is a concession of DFS: DPOR does not need it.
StrategyKind choose_strategy(const std::string& name, bool explicit_bound, const Options& o) {
  if (name.empty()) return explicit_bound || !dpor_applies(o) ? StrategyKind::kDfs : StrategyKind::kDpor;
  if (name == "dfs") return StrategyKind::kDfs;
  if (name == "random") return StrategyKind::kRandom;
  if (name == "pct") return StrategyKind::kPct;
  if (explicit_bound) throw InputError("--preemption-bound applies to dfs (dpor explores every trace)");
  if (o.fair) throw InputError("dpor does not support the fair mode: use --strategy dfs with --fair");
  if (o.policy != SchedPolicy::kAny)
    throw InputError("dpor supports only the any-interleaving policy: use --strategy dfs");
  return StrategyKind::kDpor;
}

void add_common(CLI::App* cmd, ExploreArgs& a) {
  cmd->add_flag("--json", a.json, "Print one JSON object (see README: the --json contract)");
  cmd->add_flag("--no-trace", a.no_trace, "Do not print the failing execution's trace");
  cmd->add_option("--stack-size", a.stack_size, "Bytes per simulated thread stack (default 65536; 16 KiB to 1 GiB)")
      ->check(CLI::Range(std::size_t{16 * 1024}, std::size_t{1} << 30));
  cmd->add_option("--exec-timeout", a.exec_timeout,
                  "Seconds an execution may go without a visible operation before it is a hang finding "
                  "(default 10; 0: no watchdog)");
  cmd->add_flag("--no-isolate", a.no_isolate,
                "Run the search in this process, not in a supervised child (for a debugger; see README, Reliability)");
}

// The reliability options common to explore and replay, onto `o`; InputError on a bad value.
void apply_reliability(const ExploreArgs& a, Options& o) {
  if (!(a.exec_timeout >= 0 && a.exec_timeout <= 1e6)) {
    throw InputError(fmt::format("--exec-timeout must be 0 to 1000000 seconds (got {})", a.exec_timeout));
  }
  if (!(a.max_seconds >= 0 && a.max_seconds <= 1e9)) {
    throw InputError(fmt::format("--max-seconds must be 0 to 1000000000 seconds (got {})", a.max_seconds));
  }
  o.stack_size = a.stack_size;
  o.exec_timeout = a.exec_timeout;
  o.max_seconds = a.max_seconds;
}

// Runs `search` and prints its result: in a supervised child unless --no-isolate. A child that
// dies anyway is reported by this process as a crash finding (execution index, token when the
// handler recorded one) with exit code 1.
int run_search(const Scenario& s, const Params& params, const Options& o, const ExploreArgs& a,
               const std::function<Result()>& search) {
  const auto print = [&] {
    try {
      return print_result(s, params, search(), a);
    } catch (const InputError& e) {
      std::fprintf(stderr, "weft: error: %s\n", e.what());
      return kExitUsage;
    }
  };
  if (a.no_isolate) return print();
  const ChildOutcome c = run_in_child([&](int) { return print(); });
  if (!c.died) return c.exit_code;
  Result r;
  constexpr const char* kNames[] = {"dfs", "random", "dpor", "pct"};
  r.strategy = a.token.empty() ? kNames[static_cast<int>(o.strategy)] : "replay";
  r.executions = c.execution;
  r.bounded_by = "crash";
  r.seed = o.seed;
  r.findings.push_back(died_finding(c, s, params, o));
  if (!a.token.empty() && c.recorded) r.findings[0].schedule = a.token;  // the token replayed
  print_result(s, params, r, a);
  return kExitFinding;
}

}  // namespace

void add_explore_commands(CLI::App& app, int& exit_code) {
  auto a = std::make_shared<ExploreArgs>();
  auto* explore = app.add_subcommand("explore", "Explore a scenario's interleavings under weft's scheduler");
  explore->add_option("scenario", a->scenario, "Scenario name, family/variant (see 'weft list')")->required();
  explore
      ->add_option("--strategy", a->strategy,
                   "dfs (exhaustive, every interleaving), dpor (exhaustive, one execution per trace), random "
                   "or pct (probabilistic: --depth); default: dpor, or dfs when a preemption bound, the fair "
                   "mode or the priority policy applies")
      ->check(CLI::IsMember({"dfs", "dpor", "random", "pct"}));
  CLI::Option* depth =
      explore->add_option("--depth", a->depth, "pct: the bug depth d to target, 1 to 1000 (default 3)");
  explore->add_option("--preemption-bound", a->preemption_bound, "dfs: at most N preemptions per execution")
      ->check(CLI::Range(0, 1000));
  explore->add_option("--max-executions", a->max_executions, "Stop after N executions (random: default 1000)")
      ->check(CLI::Range(std::uint64_t{1}, std::uint64_t{1} << 62));
  explore->add_option("--seed", a->seed, "random, pct: seed of the run, 0 to 2^64-1 (default 1)")->check(decimal_u64());
  explore->add_option("--max-steps", a->max_steps, "Step bound per execution (beyond it: step_bound finding)")
      ->check(CLI::Range(1u, 100000000u));
  explore->add_option("--set", a->sets, "Override a scenario parameter, NAME=VALUE (repeatable)");
  explore->add_flag("--no-spurious", a->no_spurious, "Condition variables never wake spuriously");
  explore->add_option("--max-spurious", a->max_spurious, "Spurious wake-ups per execution (default 1)")
      ->check(CLI::Range(0u, 63u));
  explore->add_flag("--keep-going", a->keep_going, "Do not stop at the first execution with a finding");
  explore->add_flag("--fair", a->fair,
                    "Fair scheduling: a thread that yields or fails a try_lock/CAS lets the others run "
                    "(correct spin-waits terminate; a repeating cycle of retries is a livelock)");
  CLI::Option* starvation = explore->add_option(
      "--starvation-bound", a->starvation_bound,
      "Fair mode: a thread passed over more than K times in a row for a mutex/semaphore is starving (default 16)");
  starvation->check(CLI::Range(0u, 1000000u));
  explore
      ->add_option("--policy", a->policy,
                   "any (every interleaving) or priority (fixed-priority preemptive on --cpus CPUs, virtual "
                   "time); default: the scenario's")
      ->check(CLI::IsMember({"any", "priority"}));
  explore->add_option("--cpus", a->cpus, "Priority policy: simulated CPUs (default 1)")->check(CLI::Range(1, 1024));
  explore->add_option("--max-blocking", a->max_blocking,
                      "Priority policy: waiting longer than T (e.g. 2ms, 500us) for a lower-priority holder is a "
                      "priority_inversion finding");
  add_common(explore, *a);
  explore->add_option("--max-seconds", a->max_seconds,
                      "Stop the search after S seconds of wall time (checked between executions; bounded_by: "
                      "max_seconds)");
  add_engine_options(explore, a->engine);
  explore->callback([a, starvation, depth, explore, &exit_code] {
    const Scenario& s = lookup(a->scenario);
    if (std::optional<int> code = explore_relacy(explore, a->engine, s, a->sets, a->max_steps, a->json, a->no_trace)) {
      exit_code = *code;
      return;
    }
    const bool fair = a->fair || s.explore.fair;
    if (starvation->count() > 0 && !fair) {
      throw InputError("--starvation-bound applies to the fair mode: add --fair");
    }
    if (depth->count() > 0 && a->strategy != "pct") throw InputError("--depth applies to --strategy pct");
    if (a->depth < 1 || a->depth > kMaxPctDepth) {
      throw InputError(fmt::format("--depth must be at least 1 and at most {} (got {})", kMaxPctDepth, a->depth));
    }
    Params params = s.default_params();
    for (const std::string& set : a->sets) {
      const std::string err = params.set(set);
      if (!err.empty()) throw InputError(err);
    }
    Options o;
    o.preemption_bound = a->preemption_bound >= 0 ? a->preemption_bound : s.explore.preemption_bound;
    o.max_executions = a->max_executions != 0 ? a->max_executions : s.explore.max_executions;
    o.seed = a->seed;
    o.max_steps = a->max_steps;
    o.spurious_wakeups = !a->no_spurious;
    o.max_spurious = a->max_spurious;
    o.stop_on_first = !a->keep_going;
    o.fair = fair;
    o.starvation_bound = a->starvation_bound;
    apply_priority_options(s, a->policy, a->cpus, a->max_blocking, o);
    o.strategy = choose_strategy(a->strategy, a->preemption_bound >= 0, o);
    if (o.strategy == StrategyKind::kDpor) o.preemption_bound = -1;
    o.pct_depth = a->depth;
    apply_reliability(*a, o);
    exit_code = run_search(s, params, o, *a, [&] { return explore_scenario(s, params, o); });
  });

  auto r = std::make_shared<ExploreArgs>();
  auto* replay = app.add_subcommand("replay", "Re-run exactly the execution a schedule token recorded");
  replay->add_option("scenario", r->scenario, "Scenario name, family/variant")->required();
  replay->add_option("token", r->token, "Schedule token printed with a finding (w1....)")->required();
  add_common(replay, *r);
  replay->callback([r, &exit_code] {
    const Scenario& s = lookup(r->scenario);
    const ScheduleParse parsed = decode_schedule(r->token);
    if (!parsed.schedule) throw InputError(parsed.error);
    Options o;
    apply_reliability(*r, o);
    Params params = s.default_params();
    for (std::size_t i = 0; i < parsed.schedule->params.size() && i < params.values().size(); ++i) {
      params.mutable_values()[i] = parsed.schedule->params[i];
    }
    const Schedule schedule = *parsed.schedule;
    exit_code = run_search(s, params, o, *r, [&] {
      try {
        return replay_scenario(s, schedule, o);
      } catch (const std::invalid_argument& e) {
        throw InputError(e.what());
      }
    });
  });
}

}  // namespace weft::cli
