// The runner: loops executions under a strategy, runs the checkers, builds findings' tokens.
#include <fmt/format.h>

#include <atomic>
#include <chrono>
#include <cmath>
#include <optional>
#include <stdexcept>

#include "runtime/crash_guard.hpp"
#include "runtime/execution.hpp"
#include "runtime/fiber.hpp"
#include "runtime/policies/priority_state.hpp"
#include "runtime/trace.hpp"
#include "strategies/strategies.hpp"
#include "weft/checker.hpp"
#include "weft/explore.hpp"

namespace weft {

namespace {

struct Header {
  std::uint32_t scenario = 0;
  std::vector<std::int64_t> params;
};

Schedule make_schedule(const Header& h, const Options& o, const Finding& f, const std::vector<std::uint32_t>& choices) {
  Schedule s;
  s.spurious = o.spurious_wakeups;
  s.max_spurious = static_cast<std::uint8_t>(std::min<std::uint32_t>(o.max_spurious, 63));
  s.max_steps = o.max_steps;
  s.fair = o.fair;
  if (o.fair) s.starvation_bound = o.starvation_bound;
  s.policy = static_cast<std::uint8_t>(o.policy);
  s.cpus = static_cast<std::uint32_t>(o.cpus);
  s.max_blocking = o.max_blocking.count() < 0 ? -1 : o.max_blocking.count();
  s.scenario = h.scenario;
  s.params = h.params;
  if (f.replayable) {
    s.expected = f.kind;
    s.expected_step = f.step;
  }
  s.choices = choices;
  return s;
}

Result run(const std::function<void()>& body, Strategy& strategy, const Options& options, const Header& header) {
  const auto start = std::chrono::steady_clock::now();
  Result result;
  result.strategy = strategy.name();
  result.seed = options.seed;
  result.fair = options.fair;
  result.starvation_bound = options.fair ? options.starvation_bound : 0;
  result.policy = options.policy;
  result.cpus = options.cpus;
  if (options.policy == SchedPolicy::kPriority && (options.cpus < 1 || options.cpus > 1024)) {
    throw std::invalid_argument(fmt::format("the priority policy needs 1 to 1024 CPUs, not {}", options.cpus));
  }
  if (options.stack_size < detail::StackPool::kMinStackSize || options.stack_size > detail::StackPool::kMaxStackSize) {
    throw std::invalid_argument(fmt::format("the stack size must be {} to {} bytes, not {}",
                                            detail::StackPool::kMinStackSize, detail::StackPool::kMaxStackSize,
                                            options.stack_size));
  }
  if (!(options.max_seconds >= 0) || !std::isfinite(options.max_seconds)) {
    throw std::invalid_argument(fmt::format("max_seconds must be a finite number >= 0, not {}", options.max_seconds));
  }
  if (!(options.exec_timeout >= 0) || !std::isfinite(options.exec_timeout)) {
    throw std::invalid_argument(fmt::format("exec_timeout must be a finite number >= 0, not {}", options.exec_timeout));
  }
  detail::StackPool pool(options.stack_size);
  detail::Execution exec(options, pool);
  // Crash isolation and the watchdog (runtime/crash_guard.hpp): installed once per search.
  std::optional<detail::CrashGuard> guard;
  if (options.catch_crashes || options.exec_timeout > 0) guard.emplace();
  std::atomic<std::uint64_t> started{0};  // the watchdog's view of the execution index
  std::optional<detail::Watchdog> watchdog;
  if (options.exec_timeout > 0) watchdog.emplace(exec, started, options.exec_timeout);
  detail::CrashMirror* const mirror = detail::crash_mirror();
  const auto deadline = start + std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                                    std::chrono::duration<double>(options.max_seconds));
  detail::DfsChooser* dfs = dynamic_cast<detail::DfsChooser*>(&strategy);
  if (dfs != nullptr && !strategy.wants_detail()) exec.set_dfs(dfs);
  auto checkers = default_checkers();
  for (auto& c : checkers) c->reset();
  const bool exec_uses_dfs = dfs != nullptr && !strategy.wants_detail();
  std::uint32_t kept_choices = 0;  // ExecutionView::kept_choices of the next execution
  std::vector<Finding> found;
  std::vector<PendingOp> pending;
  const std::uint64_t limit = options.max_executions;

  for (;;) {
    if (limit != 0 && result.executions >= limit) {
      result.bounded_by = fmt::format("max_executions={}", limit);
      break;
    }
    // The wall-clock budget, between executions (only when set: the default path reads no clock).
    if (options.max_seconds > 0 && std::chrono::steady_clock::now() >= deadline) {
      result.bounded_by = "max_seconds";
      break;
    }
    if (!strategy.begin_execution()) break;
    ++result.executions;
    started.store(result.executions, std::memory_order_relaxed);
    if (mirror != nullptr) mirror->execution.store(result.executions, std::memory_order_relaxed);
    exec.run(body, strategy, result.executions);
    ExecutionView view = exec.view();  // valid until the next exec.run
    if (exec_uses_dfs) view.choice_steps = dfs->choice_steps();
    {
      ExecutionEnd end;
      end.events = view.events;
      end.findings = exec.findings();
      if (exec.detail()) {  // only strategies that want detail read the pending operations
        pending.clear();
        for (int t = 0; t < view.thread_count; ++t) pending.push_back(exec.pending_op(t));
        end.pending = pending;
      }
      end.thread_count = view.thread_count;
      end.aborted = exec.aborted();
      strategy.on_execution(end);
    }
    strategy.end_execution();
    {
      // Replayed prefixes are known when the execution picks through the DFS (its choices are then
      // exactly the DFS's frames) and the replay held.
      const bool replay_held = exec_uses_dfs && dfs->divergence_text().empty();
      view.kept_choices = replay_held ? kept_choices : 0;
      kept_choices = replay_held ? dfs->kept_choices() : 0;  // the next execution's
    }
    result.max_steps_seen = std::max<std::uint64_t>(result.max_steps_seen, view.events.size());
    if (exec.spurious_pruned() && result.spurious_bound.empty()) {
      result.spurious_bound = fmt::format("max_spurious={}", options.max_spurious);
    }

    if (exec.findings().empty()) {
      found.clear();
    } else {
      found = exec.findings();
    }
    for (auto& c : checkers) c->check(view, found);
    if (view.priority != nullptr && detail::note_blocking(result.max_blocking, view)) {
      Finding none;
      none.replayable = false;  // the token replays the worst-case execution, expecting nothing
      result.max_blocking.schedule = encode_schedule(make_schedule(header, options, none, exec.choices()));
    }
    if (dfs != nullptr ? !dfs->divergence_text().empty() : !strategy.divergence().empty()) {
      result.divergence = strategy.divergence();
      break;
    }
    if (found.empty()) continue;
    const std::string trace = options.trace ? detail::format_trace(view) : std::string();
    bool stop = false;  // potential findings alone do not stop the exploration
    for (Finding& f : found) {
      stop = stop || !is_potential(f.kind);
      f.execution = result.executions;
      f.schedule = encode_schedule(make_schedule(header, options, f, exec.choices()));
      f.trace = trace;
      result.findings.push_back(std::move(f));
    }
    if (options.stop_on_first && stop) {
      result.bounded_by = "finding";
      break;
    }
  }
  result.complete = strategy.complete() && result.bounded_by.empty();
  if (result.complete) {
    result.bounded_by.clear();
  } else if (result.bounded_by.empty()) {
    if (options.strategy == StrategyKind::kDfs && options.preemption_bound >= 0 && strategy.name() == "dfs") {
      result.bounded_by = fmt::format("preemption_bound={}", options.preemption_bound);
    } else if (!result.divergence.empty()) {
      result.bounded_by = "divergence";
    }
  }
  result.redundant_executions = strategy.redundant_executions();
  result.conservative_backtracks = strategy.conservative_backtracks();
  result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return result;
}

std::unique_ptr<Strategy> make_strategy(const Options& o) {
  switch (o.strategy) {
    case StrategyKind::kDfs:
      return make_dfs_strategy(o.preemption_bound);
    case StrategyKind::kRandom:
      return make_random_strategy(o.seed);
    case StrategyKind::kDpor:
      if (o.preemption_bound >= 0) {
        throw std::invalid_argument("dpor has no preemption bound (it explores every trace): use dfs to bound");
      }
      if (o.fair) throw std::invalid_argument("dpor does not support the fair mode: use dfs with fair");
      if (o.policy != SchedPolicy::kAny) {
        throw std::invalid_argument("dpor does not support the priority policy: use dfs with --policy priority");
      }
      return make_dpor_strategy(o.spurious_wakeups);
    case StrategyKind::kPct:
      if (o.pct_depth < 1) throw std::invalid_argument("pct needs a bug depth >= 1");
      return make_pct_strategy(o.seed, o.pct_depth);
    case StrategyKind::kDefault:  // resolved by with_defaults()
      break;
  }
  throw std::logic_error("weft: unknown strategy");
}

// Runs the search `o` asks for. A DPOR search the program is beyond (more than 64 threads) runs
// again from the start under DFS, which has no such limit, and says so in
// Result::strategy_fallback (the DPOR attempt's executions are not counted, its time is).
Result run_search(const std::function<void()>& body, const Options& o, const Header& header) {
  auto strategy = make_strategy(o);
  Result r = run(body, *strategy, o, header);
  const std::string why = dpor_unsupported(*strategy);
  if (why.empty()) return r;
  Options dfs_options = o;
  dfs_options.strategy = StrategyKind::kDfs;
  dfs_options.preemption_bound = -1;
  auto dfs = make_strategy(dfs_options);
  Result d = run(body, *dfs, dfs_options, header);
  d.strategy_fallback = why + ": explored with dfs";
  d.seconds += r.seconds;
  return d;
}

Options with_defaults(Options o) {
  if (o.strategy == StrategyKind::kDefault) {  // the CLI's default search (default_search_options)
    o.strategy = dpor_applies(o) && o.preemption_bound < 0 ? StrategyKind::kDpor : StrategyKind::kDfs;
  }
  if ((o.strategy == StrategyKind::kRandom || o.strategy == StrategyKind::kPct) && o.max_executions == 0) {
    o.max_executions = 1000;
  }
  return o;
}

Result replay_impl(const std::function<void()>& body, const Schedule& schedule, Options options, const Header& header) {
  options.spurious_wakeups = schedule.spurious;
  options.max_spurious = schedule.max_spurious;
  options.max_steps = schedule.max_steps;
  options.fair = schedule.fair;
  options.starvation_bound = schedule.starvation_bound;
  options.policy = schedule.policy == 1 ? SchedPolicy::kPriority : SchedPolicy::kAny;
  options.cpus = static_cast<int>(schedule.cpus);
  options.max_blocking = std::chrono::nanoseconds(schedule.max_blocking);
  options.stop_on_first = true;
  options.max_executions = 1;
  auto strategy = make_replay_strategy(schedule.choices);
  Result r = run(body, *strategy, options, header);
  r.strategy = "replay";
  r.bounded_by.clear();
  if (r.divergence.empty() && schedule.expected) {
    bool same = false;
    for (const Finding& f : r.findings)
      same = same || (f.kind == *schedule.expected && f.step == schedule.expected_step);
    if (!same) {
      r.divergence = fmt::format("the schedule recorded {} at step {}; the replay ended with {}",
                                 kind_name(*schedule.expected), schedule.expected_step,
                                 r.findings.empty()
                                     ? std::string("no finding")
                                     : fmt::format("{} at step {}", kind_name(r.findings[0].kind), r.findings[0].step));
    }
  }
  if (!r.divergence.empty()) r.divergence = "replay diverged: " + r.divergence;
  return r;
}

}  // namespace

namespace detail {
std::string crash_token(const Scenario& scenario, const Params& params, const Options& options, FindingKind kind,
                        std::uint64_t step, std::span<const std::uint32_t> choices) {
  Finding f;
  f.kind = kind;
  f.step = step;
  return encode_schedule(make_schedule(Header{scenario_hash(scenario.name), params.values()}, options, f,
                                       std::vector<std::uint32_t>(choices.begin(), choices.end())));
}
}  // namespace detail

bool Result::has(FindingKind kind) const {
  for (const Finding& f : findings) {
    if (f.kind == kind) return true;
  }
  return false;
}

Options scenario_options(const Scenario& scenario) {
  Options o;
  o.strategy = StrategyKind::kDfs;  // `weft explore --strategy dfs`; default_search_options picks
  o.preemption_bound = scenario.explore.preemption_bound;
  o.max_executions = scenario.explore.max_executions;
  o.fair = scenario.explore.fair;
  o.policy = scenario.explore.policy;
  o.cpus = scenario.explore.cpus;
  return o;
}

bool dpor_applies(const Options& o) { return !o.fair && o.policy == SchedPolicy::kAny; }

Options default_search_options(const Scenario& scenario) {
  Options o = scenario_options(scenario);
  if (dpor_applies(o)) {
    o.strategy = StrategyKind::kDpor;
    o.preemption_bound = -1;
  }
  return o;
}

static std::uint32_t identity_hash(const Options& o) { return o.identity.empty() ? 0 : scenario_hash(o.identity); }

Result explore(const std::function<void()>& body, const Options& options) {
  const Options o = with_defaults(options_from_env(options));
  if (options.from_env) {
    if (const std::string token = env_replay_token(); !token.empty()) {
      ScheduleParse p = decode_schedule(token);
      if (!p.schedule) throw std::invalid_argument("WEFT_REPLAY: " + p.error);
      return replay(body, *p.schedule, o);
    }
  }
  return run_search(body, o, Header{identity_hash(o), {}});
}

Result explore_scenario(const Scenario& scenario, const Params& params, const Options& options) {
  const std::function<void()> body = [&scenario, &params] { scenario.body(params); };
  return run_search(body, with_defaults(options), Header{scenario_hash(scenario.name), params.values()});
}

Result replay(const std::function<void()>& body, const Schedule& schedule, const Options& options) {
  if (schedule.scenario != identity_hash(options)) {
    throw std::invalid_argument(
        options.identity.empty()
            ? std::string("the schedule token was recorded for a named test or scenario, not this anonymous body")
            : fmt::format("the schedule token was recorded for another test or scenario, not {}", options.identity));
  }
  return replay_impl(body, schedule, options, Header{schedule.scenario, schedule.params});
}

Result replay_scenario(const Scenario& scenario, const Schedule& schedule, const Options& options) {
  if (schedule.scenario != scenario_hash(scenario.name)) {
    throw std::invalid_argument(
        fmt::format("the schedule token was recorded for another scenario, not {}", scenario.name));
  }
  Params params(scenario.params);
  if (schedule.params.size() != params.values().size()) {
    throw std::invalid_argument(fmt::format("the schedule token has {} parameters; {} declares {}",
                                            schedule.params.size(), scenario.name, params.values().size()));
  }
  for (std::size_t i = 0; i < schedule.params.size(); ++i) {
    const std::string err = params.set(params.specs()[i].name, schedule.params[i]);
    if (!err.empty()) throw std::invalid_argument("the schedule token's " + err);
  }
  const std::function<void()> body = [&scenario, &params] { scenario.body(params); };
  return replay_impl(body, schedule, options, Header{schedule.scenario, schedule.params});
}

}  // namespace weft
